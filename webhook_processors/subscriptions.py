"""Keeps exactly one Statuspage webhook subscriber per page delivering to this integration.

At start, when Ocean processes webhooks (any event listener but ONCE and actions-only) and has a
public base URL (OCEAN__BASE_URL, or the appHost setting), each page of the account that
statuspageIds selects gets one webhook subscriber whose endpoint is our URL,
`<base URL>/integration/webhook?token=<token>`.

A subscriber is *ours* when its endpoint is our webhook route at our address (same host, port and
path, whatever its token), or when it carries our current token, wherever it points (this
integration at an address it had before; the derived token differs per Port organisation and
integration identifier, so a configured webhookSecret must differ per installation too). Of ours, the first that
delivers to our address over our scheme with the current token, and that Statuspage has not
quarantined, and that reports to the configured webhookSubscriberEmail, is kept; every other
one is deleted, then one is created if none was kept. A
subscriber that is not ours is never touched. One whose address and token both changed since
the last start cannot be recognised: remove it in Statuspage.

A Statuspage failure is logged, without the token, and never raised: resyncs go on regardless.
"""

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from loguru import logger
from port_ocean.context.ocean import ocean

from client import (
    Item,
    StatuspageClient,
    StatuspageError,
    StatuspageNotFoundError,
    get_client,
)
from settings import StatuspageSettings, current_settings
from webhook_processors.base import WEBHOOK_PATH
from webhook_processors.security import (
    TOKEN_PARAM,
    current_webhook_token,
    redact_token,
    token_matches,
)

# Ocean mounts every webhook route under the integration router's prefix.
ROUTE_PREFIX = "/integration"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class _Address:
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> "_Address | None":
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError:
            return None
        return cls(parts.hostname.lower(), port, parts.path.rstrip("/") or "/")


@dataclass(frozen=True)
class OurEndpoint:
    """The URL Statuspage must deliver to, the email it reports failures to, and how to
    recognise subscribers pointing at us."""

    route: str
    token: str
    email: str

    @classmethod
    def at(cls, base_url: str, token: str, email: str) -> "OurEndpoint":
        return cls(f"{base_url.rstrip('/')}{ROUTE_PREFIX}{WEBHOOK_PATH}", token, email)

    @property
    def url(self) -> str:
        return f"{self.route}?{urlencode({TOKEN_PARAM: self.token})}"

    def stale_reason(self, subscriber: Item) -> str | None:
        """Why one of our subscribers must be replaced, or None if it is as it should be."""
        endpoint = _endpoint(subscriber)
        if _Address.of(endpoint) != _Address.of(self.route):
            return "it delivers to another address"
        if urlsplit(endpoint).scheme != urlsplit(self.route).scheme:
            return "it delivers over another scheme"
        if not self._carries_token(endpoint):
            return "it carries another token"
        if subscriber.get("quarantined_at"):
            return "Statuspage quarantined it"
        if self._reports_elsewhere(subscriber):
            return "it reports to another email"
        return None

    def claims(self, subscriber: Item) -> bool:
        endpoint = _endpoint(subscriber)
        address = _Address.of(endpoint)
        return address is not None and (
            address == _Address.of(self.route) or self._carries_token(endpoint)
        )

    def _reports_elsewhere(self, subscriber: Item) -> bool:
        # A subscriber listed without its email is taken as it is, not replaced at every start.
        email = subscriber.get("email")
        return isinstance(email, str) and email.lower() != self.email.lower()

    def _carries_token(self, endpoint: str) -> bool:
        tokens = parse_qs(urlsplit(endpoint).query).get(TOKEN_PARAM, [])
        return len(tokens) == 1 and token_matches(tokens[0], self.token)


async def ensure_webhook_subscriptions() -> None:
    """Points one webhook subscriber of every selected page at this integration."""
    if not ocean.app.config.event_listener.should_process_webhooks:
        logger.info(
            "Live events: this event listener does not process webhooks; "
            "Statuspage webhook subscribers are not managed"
        )
        return
    base_url = ocean.app.base_url
    if not base_url:
        logger.info(
            "Live events: no base URL (OCEAN__BASE_URL or appHost), so Statuspage cannot "
            "reach this integration; webhook subscribers are not managed"
        )
        return
    settings = current_settings()
    if settings.webhook_subscriber_email is None:
        logger.warning(
            "Live events: webhookSubscriberEmail is not set and Statuspage requires an email "
            "for a webhook subscriber; webhook subscribers are not managed"
        )
        return
    endpoint = OurEndpoint.at(
        base_url, current_webhook_token(), settings.webhook_subscriber_email
    )
    await _ensure_on_pages(endpoint, settings)


async def _ensure_on_pages(endpoint: OurEndpoint, settings: StatuspageSettings) -> None:
    client = get_client()
    try:
        page_ids = await _selected_page_ids(client, settings)
    except StatuspageError as error:
        logger.error(
            "Live events: could not list the Statuspage pages, webhook subscribers are "
            f"unchanged: {redact_token(str(error), endpoint.token)}"
        )
        return
    failed = 0
    for page_id in page_ids:
        try:
            await _ensure_on_page(client, page_id, endpoint)
        except StatuspageError as error:
            failed += 1
            logger.error(
                f"Live events: page {page_id}: could not set up the webhook subscriber for "
                f"{endpoint.route}: {redact_token(str(error), endpoint.token)}"
            )
    logger.info(
        f"Live events: webhook subscribers for {endpoint.route} in place on "
        f"{len(page_ids) - failed} of {len(page_ids)} page(s)"
    )


async def _selected_page_ids(
    client: StatuspageClient, settings: StatuspageSettings
) -> list[str]:
    account = [page["id"] for page in await client.get_pages()]
    if not settings.page_ids:
        return account
    missing = [page_id for page_id in settings.page_ids if page_id not in account]
    if missing:
        logger.warning(
            "Live events: statuspageIds lists page(s) this API key cannot see, left without "
            f"a webhook subscriber: {', '.join(missing)}"
        )
    return [page_id for page_id in account if page_id in settings.page_ids]


async def _ensure_on_page(
    client: StatuspageClient, page_id: str, endpoint: OurEndpoint
) -> None:
    ours = [
        subscriber
        async for batch in client.iter_webhook_subscribers(page_id)
        for subscriber in batch
        if isinstance(subscriber.get("id"), str) and endpoint.claims(subscriber)
    ]
    kept = next((s for s in ours if endpoint.stale_reason(s) is None), None)
    for subscriber in ours:
        if subscriber is not kept:
            reason = endpoint.stale_reason(subscriber) or "it duplicates another"
            await _delete(client, page_id, subscriber)
            logger.info(
                f"Live events: page {page_id}: deleted webhook subscriber "
                f"{subscriber.get('id')} because {reason}"
            )
    if kept is not None:
        logger.info(
            f"Live events: page {page_id}: webhook subscriber {kept.get('id')} already "
            f"delivers to {endpoint.route}"
        )
        return
    created = await client.create_webhook_subscriber(
        page_id, endpoint.url, endpoint.email
    )
    logger.info(
        f"Live events: page {page_id}: created webhook subscriber {created.get('id')} "
        f"delivering to {endpoint.route}"
    )


async def _delete(client: StatuspageClient, page_id: str, subscriber: Item) -> None:
    # A 404 means it is already gone, which is what was wanted.
    with suppress(StatuspageNotFoundError):
        await client.delete_subscriber(page_id, subscriber["id"])


def _endpoint(subscriber: Item) -> str:
    endpoint = subscriber.get("endpoint")
    return endpoint if isinstance(endpoint, str) else ""
