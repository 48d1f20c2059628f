"""Where a vendor must deliver webhooks to reach this integration, and how to recognise the
vendor's webhook registrations that point at it.

A registration is *ours* when it delivers to our webhook route at our address (same host, port
and path, whatever its token), or when it carries our current token, wherever it points (this
integration at an address it had before). Of ours, one that delivers to our address over our
scheme with the current token, that the vendor has not disabled and that reports to the
configured email, is kept; every other one is replaced. A registration that is not ours is never
touched. One whose address and token both changed since the last start cannot be recognised.
"""

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from loguru import logger

from client import VendorNotFoundError
from live_events.security import TOKEN_PARAM, token_matches
from vendors.contract import Registration, WebhookScope

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
    """The URL a vendor must deliver to, the email it reports failures to (when it asks for
    one), and how to recognise registrations pointing at us."""

    route: str
    token: str
    email: str | None = None

    @classmethod
    def at(
        cls, base_url: str, webhook_path: str, token: str, email: str | None = None
    ) -> "OurEndpoint":
        return cls(f"{base_url.rstrip('/')}{ROUTE_PREFIX}{webhook_path}", token, email)

    @property
    def url(self) -> str:
        return f"{self.route}?{urlencode({TOKEN_PARAM: self.token})}"

    def claims(self, url: str) -> bool:
        address = _Address.of(url)
        return address is not None and (
            address == _Address.of(self.route) or self._carries_token(url)
        )

    def stale_reason(self, registration: Registration) -> str | None:
        """Why one of our registrations must be replaced, or None if it is as it should be."""
        url = registration.url
        if _Address.of(url) != _Address.of(self.route):
            return "it delivers to another address"
        if urlsplit(url).scheme != urlsplit(self.route).scheme:
            return "it delivers over another scheme"
        if not self._carries_token(url):
            return "it carries another token"
        if registration.problem:
            return registration.problem
        # A registration listed without its email is taken as it is, not replaced each start.
        email = registration.email
        if (
            self.email is not None
            and email is not None
            and email.lower() != self.email.lower()
        ):
            return "it reports to another email"
        return None

    def _carries_token(self, url: str) -> bool:
        tokens = parse_qs(urlsplit(url).query).get(TOKEN_PARAM, [])
        return len(tokens) == 1 and token_matches(tokens[0], self.token)


async def keep_one_of_ours(scope: WebhookScope, endpoint: OurEndpoint) -> None:
    """Of the scope's registrations, leaves exactly one of ours, fresh: the first one with
    nothing stale about it is kept, every other of ours is deleted, and one is created when
    none was kept. Registrations that are not ours are never touched."""
    ours = [
        registration
        async for batch in scope.registrations()
        for registration in batch
        if endpoint.claims(registration.url)
    ]
    kept = next((r for r in ours if endpoint.stale_reason(r) is None), None)
    for registration in ours:
        if registration is not kept:
            reason = endpoint.stale_reason(registration) or "it duplicates another"
            # A 404 means it is already gone, which is what was wanted.
            with suppress(VendorNotFoundError):
                await scope.delete(registration.id)
            logger.info(
                f"Live events: {scope.where}deleted {scope.noun} {registration.id} "
                f"because {reason}"
            )
    if kept is not None:
        logger.info(
            f"Live events: {scope.where}{scope.noun} {kept.id} already delivers to "
            f"{endpoint.route}"
        )
        return
    created = await scope.create(endpoint.url, endpoint.email)
    logger.info(
        f"Live events: {scope.where}created {scope.noun} {created} delivering to "
        f"{endpoint.route}"
    )
