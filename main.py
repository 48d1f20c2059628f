"""Wiring: one resync handler per kind, the live-event processors, and the start-up work."""

from loguru import logger
from port_ocean.context.ocean import ocean

from integration import ObjectKind
from resync import (
    resync_component_groups,
    resync_components,
    resync_incident_updates,
    resync_incidents,
    resync_pages,
)
from settings import current_settings
from webhook_processors.base import WEBHOOK_PATH
from webhook_processors.component import ComponentWebhookProcessor
from webhook_processors.gate import WebhookGate
from webhook_processors.incident import IncidentWebhookProcessor
from webhook_processors.page import PageStatusWebhookProcessor
from webhook_processors.security import mask_tokens_in_access_log
from webhook_processors.subscriptions import ensure_webhook_subscriptions

# Read the settings as Ocean loads this module: a bad one stops the integration here, before
# it syncs, deletes or reports ready, with an error naming the setting.
current_settings()

ocean.on_resync(ObjectKind.STATUSPAGE)(resync_pages)
ocean.on_resync(ObjectKind.PAGE)(resync_pages)
ocean.on_resync(ObjectKind.COMPONENT_GROUP)(resync_component_groups)
ocean.on_resync(ObjectKind.COMPONENT)(resync_components)
ocean.on_resync(ObjectKind.INCIDENT)(resync_incidents)
ocean.on_resync(ObjectKind.INCIDENT_UPDATE)(resync_incident_updates)


ocean.add_webhook_processor(WEBHOOK_PATH, IncidentWebhookProcessor)
ocean.add_webhook_processor(WEBHOOK_PATH, ComponentWebhookProcessor)
ocean.add_webhook_processor(WEBHOOK_PATH, PageStatusWebhookProcessor)
# Refuses forged and oversized deliveries before Ocean answers 200 and queues them.
ocean.app.fast_api_app.add_middleware(WebhookGate)
# Statuspage sends the webhook token in the URL, which uvicorn's access log prints.
mask_tokens_in_access_log()


@ocean.on_start()
async def on_start() -> None:
    settings = current_settings()
    logger.info(f"Statuspage integration starting with {settings!r}")
    await ensure_webhook_subscriptions()
