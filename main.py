"""Wiring: one handler per kind for full and incremental resyncs, the live-event processors on
each vendor's webhook route, the gate in front of them, one executor per action type, and the
start-up work.

This is where Ocean's context is read: the handlers below find the app's runtime and this
sync's memo, and hand them down.
"""

from collections.abc import AsyncIterator, Callable

from loguru import logger
from port_ocean.context.event import event
from port_ocean.context.ocean import ocean
from port_ocean.core.incremental import active_incremental_cursor

from actions import EXECUTORS
from actions.definitions import keep_definitions
from client import Item
from core.kinds import KINDS, Kind
from live_events.gate import WebhookGate
from live_events.security import mask_tokens_in_access_log
from live_events.subscriptions import ensure_webhook_subscriptions
from runtime import current_runtime
from sync.fetch_memo import FetchMemo
from sync.held_in_port import PortView
from sync.resync import Resync
from webhook_processors.component import ComponentWebhookProcessor
from webhook_processors.incident import IncidentWebhookProcessor
from webhook_processors.page import PageStatusWebhookProcessor

_MEMO_ATTRIBUTE = "vendor_fetch_memo"

# Read the settings as Ocean loads this module: a bad one stops the integration here, before
# it syncs, deletes or reports ready, with an error naming the setting.
runtime = current_runtime()


def _this_syncs_memo() -> FetchMemo:
    """The memo of the sync being run, made on first use: one per full resync, and in an
    incremental sync one per cursor (its kinds usually share one)."""
    since = active_incremental_cursor()
    attribute = (
        _MEMO_ATTRIBUTE if since is None else f"{_MEMO_ATTRIBUTE}@{since.isoformat()}"
    )
    memo = event.attributes.get(attribute)
    if not isinstance(memo, FetchMemo):
        port = PortView(event.port_app_config.resources, ocean.port_client)
        memo = event.attributes[attribute] = FetchMemo(since, port)
    return memo


def _resync_of(kind: Kind) -> Callable[[str], AsyncIterator[list[Item]]]:
    async def resync(kind_name: str) -> AsyncIterator[list[Item]]:
        app = current_runtime()
        sync = Resync(
            app.vendors,
            _this_syncs_memo(),
            app.known_pages,
            app.uptime_rotation,
            app.synced_objects,
        )
        async for batch in sync.kind(kind):
            yield batch

    return resync


# The same handler serves a kind's full resync and, when `incrementalSyncEnabled` is set (Ocean
# registers incremental handlers only then), its incremental sync, which reads only what can
# have changed since the kind's cursor: the memo knows which sync it serves.
for kind in KINDS:
    ocean.on_resync(kind.name)(_resync_of(kind))
    ocean.on_incremental_resync(kind.name)(_resync_of(kind))

# Every vendor's deliveries are reduced to triggers at the gate, so one set of processors,
# one per family, serves each vendor's route.
for path in runtime.webhook_paths():
    ocean.add_webhook_processor(path, IncidentWebhookProcessor)
    ocean.add_webhook_processor(path, ComponentWebhookProcessor)
    ocean.add_webhook_processor(path, PageStatusWebhookProcessor)
# Refuses forged and oversized deliveries, and coalesces the rest, before Ocean queues them.
ocean.app.fast_api_app.add_middleware(
    WebhookGate, live_events=lambda: current_runtime().live_events
)
# Vendors send the webhook token in the URL, which uvicorn's access log prints.
mask_tokens_in_access_log()
# Ocean keeps them only under a listener that runs actions (not ONCE, for one).
for executor in EXECUTORS:
    ocean.register_action_executor(executor())


@ocean.on_start()
async def on_start() -> None:
    logger.info(f"Status-page integration starting with {runtime.settings!r}")
    config = ocean.app.config
    if config.initialize_port_resources and config.actions_processor.enabled:
        await keep_definitions(
            ocean.port_client, config.integration.identifier, EXECUTORS
        )
    if not ocean.app.config.event_listener.should_process_webhooks:
        logger.info(
            "Live events: this event listener does not process webhooks; "
            "vendor webhooks are not managed"
        )
        return
    base_url = ocean.app.base_url
    if not base_url:
        logger.info(
            "Live events: no base URL (OCEAN__BASE_URL or appHost), so no vendor can "
            "reach this integration; vendor webhooks are not managed"
        )
        return
    email = runtime.settings.live_events.webhook_subscriber_email
    await ensure_webhook_subscriptions(runtime.live_events, base_url, email)
