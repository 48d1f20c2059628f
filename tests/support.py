"""Helpers shared by the tests."""

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx
from port_ocean.integration_testing import IntegrationTestHarness
from port_ocean.integration_testing.transport import RecordingTransport

from client import ApiClient
from core.rate_limiter import SlidingWindowRateLimiter
from core.settings import Config, Settings, VendorSettings, read_settings
from sandbox.expected import expected_identifiers
from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.config import DataConfig, EmulatorConfig, RateLimitConfig
from sandbox.statuspage.core import EmulatorCore
from sandbox.statuspage.model import PageState
from sandbox.statuspage.server import StatuspageEmulator
from sync.fetch_memo import FetchMemo
from sync.outcome import SyncOutcome
from vendors import VENDORS
from vendors.contract import Reads, Vendor

# A host no test serves: narrow respx mocks of one endpoint answer for it.
HOST = "https://statuspage.test"
ROOT = Path(__file__).resolve().parent.parent
# When a page's public status last changed, in public status answers of narrow mocks.
PUBLISHED_AT = "2024-06-26T03:49:25Z"
# A fault armed for every request a test makes.
ALWAYS: Final = 10**6


def reads_of(vendor: Vendor, since: datetime | None = None) -> Reads:
    """What a vendor's list readers are handed in a full resync, or an incremental one from
    `since`, outside any Ocean context (nothing of Port is readable)."""
    return FetchMemo(since).reads(vendor)


def settings_of(config: Config) -> Settings:
    """The settings `config` gives, read and checked as the integration reads them."""
    return read_settings(config, VENDORS)


def api_client(
    vendor: type[Vendor], settings: VendorSettings, key: str, clock: "FakeClock"
) -> ApiClient:
    """The vendor's client, its limiter and retries on `clock`."""
    limiter = SlidingWindowRateLimiter(
        settings.rate_limit.requests,
        settings.rate_limit.window_seconds,
        clock=clock,
        sleep=clock.sleep,
    )
    base_url = vendor.base_url(settings)
    return ApiClient(vendor.dialect, base_url, key, limiter, sleep=clock.sleep)


class FakeClock:
    """Time that moves only when something sleeps on it, or a test moves it (`now += s`), so
    limiter, retry and emulator tests run instantly. One clock for all of them."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def settle() -> None:
    """Lets every task run until it waits on something."""
    for _ in range(50):
        await asyncio.sleep(0)


def most_in_any_window(stamps: list[float], window: float) -> int:
    """The most stamps inside any half-open window [t, t + window) that starts at a stamp."""
    return max(
        (
            sum(1 for other in stamps if start <= other < start + window)
            for start in stamps
        ),
        default=0,
    )


class _RecordingTransport(RecordingTransport):
    """Ocean's recording transport, whose connections close with it."""

    async def aclose(self) -> None:
        await self._real_transport.aclose()


class _Harness(IntegrationTestHarness):
    """Ocean's test harness, which also closes the connections its transport opened: left to
    the garbage collector, each warns (ResourceWarning), which fails whatever test runs then.
    """

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.third_party_transport.aclose()


def integration_harness(
    mapping: dict[str, Any],
    blueprints: dict[str, dict[str, Any]],
    config: dict[str, Any],
    port_entities: list[dict[str, Any]] | None = None,
    incremental: bool = False,
    **ocean_settings: Any,
) -> IntegrationTestHarness:
    """Ocean's test harness around this integration, Port mocked in-process; `config` is the
    integration's settings, `ocean_settings` Ocean's own (event_listener, base_url, ...);
    `incremental` sets `incrementalSyncEnabled`, which registers the incremental handlers.

    Pages' public status is read wherever it is (`allowPrivateStatusUrls`, unless `config`
    says otherwise): tests serve it on 127.0.0.1, or on hosts respx answers and DNS does not
    know. The fault matrix tests the setting off."""
    return _Harness(
        integration_path=str(ROOT),
        port_mapping_config=mapping,
        # The harness puts this transport under every OceanAsyncClient, ours included. It
        # sends for real, so the test's respx routes (or a local server) answer, and our
        # limiter, retries and deadlines, which sit above the transport, are exercised.
        third_party_transport=_RecordingTransport(),
        port_blueprints=blueprints,
        port_search_entities_response=port_entities or [],
        config_overrides={
            "integration": {
                "identifier": "statuspage-test",
                "type": "statuspage",
                "config": {"allow_private_status_urls": True, **config},
                "incremental_sync_enabled": incremental,
            },
            **ocean_settings,
        },
    )


@dataclass
class IncrementalResult:
    """What one incremental sync through the harness did."""

    upserted_entities: list[dict[str, Any]]
    deleted_entities: list[dict[str, Any]]
    # (kind, cursor) of every cursor Ocean saved in Port, in order.
    saved_cursors: list[tuple[str, str]]
    # The run's verdict, as `sail.py` would print it; None when it completed.
    verdict: str | None


async def trigger_incremental(
    harness: IntegrationTestHarness, interval_seconds: int = 900
) -> IncrementalResult:
    """Ocean's incremental sync, as its ONCE listener runs it with `incrementalSyncEnabled`.
    The harness's Port answers no cursor, so each kind's cursor is `interval_seconds` ago.
    """
    from port_ocean.context.ocean import ocean

    port = harness.port_mock
    port.upserted_entities.clear()
    port.deleted_entities.clear()
    calls_before = len(port.transport.calls)
    await ocean.app.integration.sync_incremental(interval_seconds=interval_seconds)
    saved = [
        (call.request.url.params["kind"], json.loads(call.request.content)["primary"])
        for call in port.transport.calls[calls_before:]
        if call.request.method == "PUT" and call.request.url.path.endswith("/cursor")
    ]
    integration: Any = ocean.app.integration
    outcome: SyncOutcome = integration.sync_outcome
    return IncrementalResult(
        list(port.upserted_entities),
        list(port.deleted_entities),
        saved,
        outcome.verdict(),
    )


def only_kinds(mapping: dict[str, Any], *kinds: str) -> dict[str, Any]:
    """`mapping` narrowed to the resources of `kinds`."""
    return {
        **mapping,
        "resources": [r for r in mapping["resources"] if r["kind"] in kinds],
    }


def page(page_id: str) -> dict[str, Any]:
    return {
        "id": page_id,
        "name": f"Page {page_id}",
        "subdomain": page_id,
        "time_zone": "UTC",
    }


def public_status(
    page_id: str,
    indicator: str = "none",
    description: str = "All Systems Operational",
    updated_at: str = PUBLISHED_AT,
) -> dict[str, Any]:
    """A public status API answer, as Statuspage gives it."""
    return {
        "page": {
            "id": page_id,
            "name": f"Page {page_id}",
            "url": f"https://{page_id}.statuspage.io",
            "time_zone": "Etc/UTC",
            "updated_at": updated_at,
        },
        "status": {"indicator": indicator, "description": description},
    }


def emulator(
    api_key: str,
    *keys: str,
    pages: int = 1,
    groups: int = 2,
    components: int = 4,
    incidents: int = 3,
    updates: int = 2,
) -> StatuspageEmulator:
    """The vendors' one fake, not started: the emulator over a data set of this size (its first
    page is the docs' sample page), served in every vendor's dialect to `api_key` and `keys`,
    with no rate limit unless a test sets one."""
    data = DataConfig(
        pages=pages,
        groups=groups,
        components=components,
        incidents=incidents,
        updates=updates,
    )
    return StatuspageEmulator(
        EmulatorConfig(
            data=data, rate_limit=RateLimitConfig(limit=0), api_keys=(api_key, *keys)
        )
    )


def fail(served: EmulatorCore, pattern: str, status: int) -> None:
    """Every request for a path matching `pattern` (a glob) answers `status` from now on."""
    served.inject_fault(pattern, "status", status=status, count=ALWAYS)


def sent(harness: IntegrationTestHarness) -> list[httpx.Request]:
    """Every request the integration sent to a vendor through the harness, in order."""
    return [call.request for call in harness.third_party_transport.calls]


def api_calls(harness: IntegrationTestHarness) -> list[httpx.Request]:
    """The requests sent to the vendors' APIs, the pages' public status APIs left out."""
    return [
        request
        for request in sent(harness)
        if not request.url.path.startswith(f"{PUBLIC_PREFIX}/")
    ]


def in_port(
    served: EmulatorCore,
    *extra: dict[str, str],
    vendors: tuple[str, ...] = ("statuspage",),
) -> list[dict[str, str]]:
    """What an earlier sync of the emulator's data, read as `vendors`, left in Port, plus
    `extra`."""
    synced = expected_identifiers(served, vendors)
    return [
        {"identifier": identifier, "blueprint": blueprint}
        for blueprint, identifiers in synced.items()
        for identifier in sorted(identifiers)
    ] + list(extra)


def pages_of(served: EmulatorCore) -> list[PageState]:
    """The emulator's pages, its first (the docs' sample page) first."""
    with served.reading() as state:
        return list(state.pages.values())


@contextmanager
def ocean_context(**ocean_settings: Any) -> Iterator[None]:
    """An Ocean app of this integration, not started: enough for code that reads Ocean's
    config, as OceanAsyncClient does. `ocean_settings` are Ocean's own settings."""
    import port_ocean.context.ocean as ocean_module
    from port_ocean.bootstrap import create_default_app
    from port_ocean.utils import signal

    if signal._signal_handler.top is None:
        signal.init_signal_handler()
    outer = ocean_module._port_ocean
    ocean_module._port_ocean = ocean_module.PortOceanContext(None)
    create_default_app(
        str(ROOT),
        None,
        {
            "port": {
                "client_id": "test-client-id",
                "client_secret": "test-client-secret",
                "base_url": "http://localhost:5555",
            },
            "event_listener": {"type": "POLLING"},
            "integration": {
                "identifier": "statuspage-test",
                "type": "statuspage",
                "config": {"statuspage_api_key": "test-key"},
            },
            **ocean_settings,
        },
    )
    try:
        yield
    finally:
        ocean_module._port_ocean = outer


ONLINEORNOT_HOST = "https://onlineornot.test"


def envelope(result: Any, **result_info: Any) -> dict[str, Any]:
    """An OnlineOrNot answer: the result in its envelope, with `result_info` for a list."""
    body: dict[str, Any] = {
        "result": result,
        "success": True,
        "errors": [],
        "messages": [],
    }
    if result_info:
        body["result_info"] = result_info
    return body


def onlineornot_error(status: int, message: str, code: int = 10001) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "result": None,
            "success": False,
            "errors": [{"code": code, "message": message}],
            "messages": [],
        },
    )


def onlineornot_paged(
    items: list[dict[str, Any]],
) -> Callable[[httpx.Request], httpx.Response]:
    """A list route as OnlineOrNot pages it: `page` and `per_page` (at most 100)."""

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        size = min(int(request.url.params.get("per_page", "20")), 100)
        chosen = items[(number - 1) * size : number * size]
        return httpx.Response(
            200,
            json=envelope(
                chosen,
                page=number,
                per_page=size,
                count=len(chosen),
                total_count=len(items),
            ),
        )

    return respond


PINGPONG_HOST = "https://pingpong.test"
PINGPONG_API = f"{PINGPONG_HOST}/rest/v1"


def detail(status: int, message: str) -> httpx.Response:
    """A PingPong error answer."""
    return httpx.Response(status, json={"detail": message})
