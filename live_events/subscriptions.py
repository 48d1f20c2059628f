"""Webhook upkeep at start: every configured vendor that sends webhooks is left delivering the
selected pages' events to this integration, exactly once (see live_events/endpoint.py).

It runs when the event listener processes webhooks (not ONCE) and the integration has a public
base URL (OCEAN__BASE_URL, or the appHost setting); main.py says which. A vendor's failure is
logged, without the token, and never raised: resyncs go on regardless.
"""

from loguru import logger

from client import VendorAuthError, VendorError
from live_events.endpoint import OurEndpoint, keep_one_of_ours
from live_events.security import redact_token
from live_events.trust import LiveEvents, WebhookRoute
from sync.catalog import KnownPages, select_pages
from vendors.contract import WebhookScope


async def ensure_webhook_subscriptions(
    live_events: LiveEvents, base_url: str, email: str | None
) -> None:
    for route in live_events.routes.values():
        await _ensure_for(route, base_url, email, live_events.known_pages)


async def _ensure_for(
    route: WebhookRoute, base_url: str, email: str | None, known_pages: KnownPages
) -> None:
    vendor = route.vendor
    assert vendor.webhook_path is not None  # a vendor has a route only with a path
    if vendor.webhook_needs_email and email is None:
        logger.warning(
            f"Live events: webhookSubscriberEmail is not set and {vendor.name} requires an "
            "email for a webhook subscriber; its webhooks are not managed"
        )
        return
    endpoint = OurEndpoint.at(base_url, vendor.webhook_path, route.token, email)
    try:
        selected, missing = select_pages(vendor, await vendor.pages())
    except VendorError as error:
        logger.error(
            f"Live events: could not list the {vendor.name} pages, its webhooks are "
            f"unchanged: {redact_token(str(error), route.token)}"
        )
        return
    known_pages.listed(vendor.provider, [page["id"] for page in selected])
    if missing:
        logger.warning(
            f"Live events: {vendor.page_ids_setting} lists page(s) this API key cannot see, "
            f"left without a webhook: {', '.join(missing)}"
        )
    scopes = vendor.webhook_scopes([page["id"] for page in selected])
    if not scopes:
        logger.info(
            f"Live events: no {vendor.name} page is selected; its webhooks are unchanged"
        )
        return
    in_place = 0
    for scope in scopes:
        in_place += await _keep_one(route, scope, endpoint)
    logger.info(
        f"Live events: {vendor.name} webhooks for {endpoint.route}: {in_place} of "
        f"{len(scopes)} {scopes[0].noun}(s) needed are in place"
    )


async def _keep_one(
    route: WebhookRoute, scope: WebhookScope, endpoint: OurEndpoint
) -> bool:
    """Whether the scope was left with one registration of ours; a failure is logged."""
    vendor = route.vendor
    try:
        await keep_one_of_ours(scope, endpoint)
    except VendorAuthError as error:
        if vendor.webhooks_refused_means is None:
            _log_failure(route, scope, error)
        else:
            logger.warning(
                f"Live events: {vendor.name} refused to manage webhooks: "
                f"{vendor.webhooks_refused_means}. "
                f"{redact_token(str(error), route.token)}"
            )
        return False
    except VendorError as error:
        _log_failure(route, scope, error)
        return False
    return True


def _log_failure(route: WebhookRoute, scope: WebhookScope, error: VendorError) -> None:
    logger.error(
        f"Live events: {scope.where}could not set up the {route.vendor.name} {scope.noun} "
        f"for {route.path}: {redact_token(str(error), route.token)}"
    )
