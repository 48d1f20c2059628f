"""Webhook upkeep at start: every configured vendor that sends webhooks is left delivering the
selected pages' events to this integration, exactly once (see live_events/endpoint.py).

It runs when the event listener processes webhooks (not ONCE) and the integration has a public
base URL (OCEAN__BASE_URL, or the appHost setting). A vendor's failure is logged, without the
token, and never raised: resyncs go on regardless.
"""

from loguru import logger
from port_ocean.context.ocean import ocean

from client import VendorError
from live_events.endpoint import OurEndpoint
from live_events.security import redact_token, webhook_token
from runtime import Runtime
from sync.catalog import select_pages
from vendors.contract import Vendor


async def ensure_webhook_subscriptions(runtime: Runtime) -> None:
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
    for vendor in runtime.vendors:
        if vendor.webhook_path is not None:
            await _ensure_for(vendor, runtime, base_url)


async def _ensure_for(vendor: Vendor, runtime: Runtime, base_url: str) -> None:
    assert vendor.webhook_path is not None
    email = runtime.settings.live_events.webhook_subscriber_email
    if vendor.webhook_needs_email and email is None:
        logger.warning(
            f"Live events: webhookSubscriberEmail is not set and {vendor.dialect.name} "
            "requires an email for a webhook subscriber; its webhooks are not managed"
        )
        return
    token = webhook_token(
        vendor.provider,
        runtime.settings,
        ocean.config.port.client_id,
        ocean.config.integration.identifier,
    )
    endpoint = OurEndpoint.at(base_url, vendor.webhook_path, token, email)
    try:
        selected, missing = select_pages(vendor, await vendor.pages())
    except VendorError as error:
        logger.error(
            f"Live events: could not list the {vendor.dialect.name} pages, its webhooks are "
            f"unchanged: {redact_token(str(error), token)}"
        )
        return
    if missing:
        logger.warning(
            f"Live events: {vendor.page_ids_setting} lists page(s) this API key cannot see, "
            f"left without a webhook: {', '.join(missing)}"
        )
    await vendor.ensure_webhooks(endpoint, [page["id"] for page in selected])
