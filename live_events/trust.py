"""What the gate and the processors share: each configured vendor's webhook route with the token
its deliveries must carry, the pending triggers, and the pages' last known status; and the
token check both apply."""

from collections.abc import Sequence
from dataclasses import dataclass

from loguru import logger

from core.settings import Settings
from live_events.endpoint import ROUTE_PREFIX
from live_events.pending import PendingTriggers
from live_events.security import refusal_reason, webhook_token
from sync.catalog import KnownPages
from vendors.contract import Vendor


@dataclass(frozen=True)
class Installation:
    """What tells this installation apart, read from Ocean's config at the entry point: the
    Port client id and integration identifier (which the derived tokens depend on), and the
    prefix Ocean serves its routes under."""

    port_client_id: str
    identifier: str
    route_prefix: str = ""


@dataclass(frozen=True)
class WebhookRoute:
    vendor: Vendor
    # The path as requests arrive on it, Ocean's prefixes included.
    path: str
    token: str


class LiveEvents:
    def __init__(
        self,
        vendors: Sequence[Vendor],
        settings: Settings,
        installation: Installation,
        known_pages: KnownPages,
        pending: PendingTriggers | None = None,
    ) -> None:
        self.known_pages = known_pages
        self.pending = pending or PendingTriggers()
        self.routes = {
            route.path: route
            for vendor in vendors
            if (route := _route(vendor, settings, installation)) is not None
        }

    def route(self, path: str) -> WebhookRoute | None:
        return self.routes.get(path)

    def trusts(self, route: WebhookRoute, query: bytes, sender: str | None) -> bool:
        """Whether a delivery on `route` with this query carries the vendor's token; a refusal
        is logged with its reason, never a token."""
        reason = refusal_reason(query, route.token)
        if reason is None:
            return True
        logger.warning(
            f"Refused a {route.vendor.name} webhook from {sender or 'an unknown sender'}: "
            f"{reason}. Nothing was changed."
        )
        return False


def _route(
    vendor: Vendor, settings: Settings, installation: Installation
) -> WebhookRoute | None:
    if vendor.webhook_path is None:
        return None
    token = webhook_token(
        vendor.provider,
        settings,
        installation.port_client_id,
        installation.identifier,
    )
    path = f"{installation.route_prefix}{ROUTE_PREFIX}{vendor.webhook_path}"
    return WebhookRoute(vendor, path, token)
