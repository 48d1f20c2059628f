"""Wiring: one handler per kind for full and incremental resyncs, the live-event processors
on each vendor's webhook route, and the start-up work."""

from loguru import logger
from port_ocean.context.ocean import ocean

from integration import ObjectKind
from live_events.gate import WebhookGate
from live_events.security import mask_tokens_in_access_log
from live_events.subscriptions import ensure_webhook_subscriptions
from runtime import current_runtime
from sync.resync import (
    resync_component_groups,
    resync_components,
    resync_incident_updates,
    resync_incidents,
    resync_pages,
)
from webhook_processors.component import ComponentWebhookProcessor
from webhook_processors.incident import IncidentWebhookProcessor
from webhook_processors.page import PageStatusWebhookProcessor

# Read the settings as Ocean loads this module: a bad one stops the integration here, before
# it syncs, deletes or reports ready, with an error naming the setting.
runtime = current_runtime()

# The same handler serves a kind's full resync and, when `incrementalSyncEnabled` is set (Ocean
# registers incremental handlers only then), its incremental sync, which reads only what can
# have changed since the kind's cursor: the handlers read through the sync's memo, which knows
# which sync it serves (fetch_memo.py).
for kind, handler in (
    (ObjectKind.STATUSPAGE, resync_pages),
    (ObjectKind.PAGE, resync_pages),
    (ObjectKind.COMPONENT_GROUP, resync_component_groups),
    (ObjectKind.COMPONENT, resync_components),
    (ObjectKind.INCIDENT, resync_incidents),
    (ObjectKind.INCIDENT_UPDATE, resync_incident_updates),
):
    ocean.on_resync(kind)(handler)
    ocean.on_incremental_resync(kind)(handler)

# Every vendor's deliveries are reduced to triggers at the gate, so one set of processors,
# one per family, serves each vendor's route.
for webhook_path in runtime.webhook_paths():
    ocean.add_webhook_processor(webhook_path, IncidentWebhookProcessor)
    ocean.add_webhook_processor(webhook_path, ComponentWebhookProcessor)
    ocean.add_webhook_processor(webhook_path, PageStatusWebhookProcessor)
# Refuses forged and oversized deliveries, and coalesces the rest, before Ocean queues them.
ocean.app.fast_api_app.add_middleware(WebhookGate)
# Vendors send the webhook token in the URL, which uvicorn's access log prints.
mask_tokens_in_access_log()


@ocean.on_start()
async def on_start() -> None:
    logger.info(f"Status-page integration starting with {runtime.settings!r}")
    await ensure_webhook_subscriptions(runtime)
