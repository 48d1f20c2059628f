"""What one running integration holds: its settings, read once, the vendors built from them on
first use (each with its own client and rate limiter), and what outlives one sync: the pages'
last known status, what this app has synced, where the component-uptime rotation stands, the
live events' routes and pending triggers, and the lock each page's writes take turns on.

The runtime hangs off Ocean's integration object (integration.py builds it), so every handler
of one app shares it and nothing lives in a module global. Only the entry points (main.py's
handlers, the processors, the executors, the gate through its accessor) look it up, with
`current_runtime()`; everything below them is handed what it needs.

It sits above the vendors, the syncs and live events, which it puts together, and below the
handlers, which use it.
"""

import asyncio
from functools import cached_property
from typing import Protocol, cast

from port_ocean.context.ocean import ocean

from client import ApiClient, PublicInternetOnly, RetryPolicy, Tls, vendor_tls
from core.rate_limiter import SlidingWindowRateLimiter
from core.settings import Config, Settings, read_settings
from live_events.trust import Installation, LiveEvents
from sync.catalog import KnownPages, SyncedObjects
from sync.uptime import UptimeRotation
from vendors import VENDORS
from vendors.contract import Vendor


class PageWrites:
    """One lock per page: the writes Port asks for run one at a time on each page, whichever
    action asks (Ocean queues runs one at a time only per action type and key)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, page_id: str) -> asyncio.Lock:
        return self._locks.setdefault(page_id, asyncio.Lock())


class Runtime:
    def __init__(
        self,
        settings: Settings,
        installation: Installation,
        takes_live_events: bool = True,
    ) -> None:
        """`takes_live_events` is False under a listener that processes no webhooks (ONCE):
        what only live events read is then not kept."""
        self.settings = settings
        self.installation = installation
        self.known_pages = KnownPages()
        self.synced_objects = SyncedObjects(kept=takes_live_events)
        self.uptime_rotation = UptimeRotation()
        self.page_writes = PageWrites()

    @classmethod
    def from_config(
        cls, config: Config, installation: Installation, takes_live_events: bool
    ) -> "Runtime":
        """Reads and checks every setting; raises InvalidSettingError naming a bad one."""
        return cls(read_settings(config, VENDORS), installation, takes_live_events)

    def webhook_paths(self) -> list[str]:
        """The routes (under /integration) the configured vendors deliver webhooks to; known
        from the settings alone, before any vendor is built."""
        return [
            vendor_class.webhook_path
            for vendor_class in VENDORS
            if vendor_class.webhook_path is not None
            and self.settings.vendor(vendor_class.provider) is not None
        ]

    @cached_property
    def vendors(self) -> tuple[Vendor, ...]:
        """The configured vendors, in registration order; built on first use, never at import."""
        built = []
        tls = vendor_tls(ocean.config.ssl.third_party)
        for vendor_class in VENDORS:
            settings = self.settings.vendor(vendor_class.provider)
            if settings is None:
                continue
            # One limiter per vendor key, shared by every kind and live event of this app.
            limiter = SlidingWindowRateLimiter(
                settings.rate_limit.requests, settings.rate_limit.window_seconds
            )
            api = ApiClient(
                vendor_class.dialect,
                vendor_class.base_url(settings),
                settings.api_key,
                limiter,
                RetryPolicy(deadline_seconds=self.settings.request_timeout_seconds),
                tls=tls,
            )
            public_api = _public_client(
                vendor_class, self.settings.allow_private_status_urls, tls
            )
            built.append(vendor_class(settings, api, public_api))
        return tuple(built)

    @cached_property
    def live_events(self) -> LiveEvents:
        return LiveEvents(
            self.vendors, self.settings, self.installation, self.known_pages
        )

    def vendor(self, provider: str) -> Vendor | None:
        return next((v for v in self.vendors if v.provider == provider), None)


def _public_client(
    vendor_class: type[Vendor], private_addresses: bool, tls: Tls
) -> ApiClient | None:
    """The keyless client of the vendor's public API, with a limiter of its own: that host
    does not count against the key, and must not hold up the key's requests either. Its URLs
    come from the vendor's data, so it reads only the public internet over https, unless the
    allowPrivateStatusUrls setting lets it read self-hosted status pages."""
    if vendor_class.public_dialect is None:
        return None
    limit = vendor_class.public_rate_limit
    return ApiClient(
        vendor_class.public_dialect,
        "",  # each page publishes on its own host; requests carry absolute URLs
        None,
        SlidingWindowRateLimiter(limit.requests, limit.window_seconds),
        vendor_class.public_retry_policy,
        destinations=None if private_addresses else PublicInternetOnly(),
        tls=tls,
    )


class _HoldsRuntime(Protocol):
    runtime: Runtime


def current_runtime() -> Runtime:
    """The running integration's runtime; for entry points only."""
    # Ocean loads integration.py under its own module name, so its class cannot be named here.
    return cast(_HoldsRuntime, ocean.integration).runtime
