"""Helpers shared by the tests."""

import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import respx
from port_ocean.integration_testing import IntegrationTestHarness
from port_ocean.integration_testing.transport import RecordingTransport

from core.settings import Config, Settings, read_settings
from sandbox.statuspage.limits import SlidingWindowLimiter
from sync.fetch_memo import FetchMemo
from sync.outcome import SyncOutcome
from vendors import VENDORS
from vendors.contract import Reads, Vendor

HOST = "https://statuspage.test"
# Statuspage's incident lists narrowed by status, and the statuses each holds.
INCIDENT_LISTS = {
    "unresolved": frozenset({"investigating", "identified", "monitoring"}),
    "upcoming": frozenset({"scheduled"}),
    "active_maintenance": frozenset({"in_progress", "verifying"}),
}
ROOT = Path(__file__).resolve().parent.parent
# When the fake pages' public status last changed: before any test's webhook.
PUBLISHED_AT = "2024-06-26T03:49:25Z"

Responder = Callable[[httpx.Request], httpx.Response | None]


def reads_of(vendor: Vendor, since: datetime | None = None) -> Reads:
    """What a vendor's list readers are handed in a full resync, or an incremental one from
    `since`, outside any Ocean context (nothing of Port is readable)."""
    return FetchMemo(since).reads(vendor)


def settings_of(config: Config) -> Settings:
    """The settings `config` gives, read and checked as the integration reads them."""
    return read_settings(config, VENDORS)


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


def component_group(page_id: str, n: int) -> dict[str, Any]:
    return {
        "id": f"{page_id}-g{n}",
        "page_id": page_id,
        "name": f"Group {n}",
        "position": n,
    }


def component(page_id: str, n: int, group_count: int) -> dict[str, Any]:
    group_id = f"{page_id}-g{n % group_count}" if group_count else None
    return {
        "id": f"{page_id}-c{n}",
        "page_id": page_id,
        "group_id": group_id,
        "group": False,
        "name": f"Component {n}",
        "status": "operational",
        "position": n,
        "showcase": True,
        "start_date": "2024-06-07",
    }


def public_status_url(page_id: str) -> str:
    """Where a fake page (no custom domain) publishes its status."""
    return f"https://{page_id}.statuspage.io/api/v2/status.json"


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


def api_calls(router: respx.MockRouter, host: str = HOST) -> list[httpx.Request]:
    """The requests `router` saw for the API at `host`, public status APIs left out."""
    api_host = httpx.URL(host).host
    return [call.request for call in router.calls if call.request.url.host == api_host]


def incident(
    page_id: str, n: int, updates: int, component_ids: list[str]
) -> dict[str, Any]:
    incident_id = f"{page_id}-i{n}"
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": f"Incident {n}",
        "status": "resolved",
        "impact": "minor",
        "components": [{"id": cid, "page_id": page_id} for cid in component_ids[:2]],
        "incident_updates": [
            {
                "id": f"{incident_id}-u{u}",
                "incident_id": incident_id,
                "status": "resolved",
                "body": f"Update {u}",
                "affected_components": None if u % 2 else [{"code": component_ids[0]}],
            }
            for u in range(updates)
        ],
    }


@dataclass
class FakeAccount:
    """A Statuspage account served at the HTTP boundary by respx, paginated as the API does,
    with each public page's status API."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    components: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    incidents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # What each page's public status API answers, by page id.
    published: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def generate(
        cls,
        page_ids: tuple[str, ...] = ("p1",),
        groups: int = 5,
        components: int = 20,
        incidents: int = 50,
        updates: int = 3,
    ) -> "FakeAccount":
        account = cls()
        for page_id in page_ids:
            account.pages.append(page(page_id))
            account.groups[page_id] = [
                component_group(page_id, n) for n in range(groups)
            ]
            # Statuspage lists each group as a component too, flagged `group: true`.
            containers = [
                {**group, "group": True, "group_id": None}
                for group in account.groups[page_id]
            ]
            members = [component(page_id, n, groups) for n in range(components)]
            account.components[page_id] = containers + members
            ids = [member["id"] for member in members] or ["none"]
            account.incidents[page_id] = [
                incident(page_id, n, updates, ids) for n in range(incidents)
            ]
            account.published[page_id] = public_status(page_id)
        return account

    def serve(
        self, router: respx.MockRouter, gate: Responder | None = None, host: str = HOST
    ) -> None:
        """Routes the account's lists; `gate` may answer a request first (a rate limit, a fault)."""
        api = f"{host}/v1"

        def route(
            path: str, respond: Callable[[httpx.Request], httpx.Response]
        ) -> None:
            def gated(request: httpx.Request) -> httpx.Response:
                return (gate and gate(request)) or respond(request)

            router.get(f"{api}{path}").mock(side_effect=gated)

        route("/pages", lambda _: httpx.Response(200, json=self.pages))
        for page_id in self.groups:
            route(
                f"/pages/{page_id}/component-groups",
                _paged(self.groups[page_id], "per_page"),
            )
            route(
                f"/pages/{page_id}/components",
                _paged(self.components[page_id], "per_page"),
            )
            route(
                f"/pages/{page_id}/incidents", _paged(self.incidents[page_id], "limit")
            )
            for name, statuses in INCIDENT_LISTS.items():
                route(
                    f"/pages/{page_id}/incidents/{name}",
                    _paged(self.incidents[page_id], "per_page", statuses),
                )
        for page_id, answer in self.published.items():
            router.get(public_status_url(page_id)).respond(json=answer)

    def in_port(self, *extra: dict[str, str]) -> list[dict[str, str]]:
        """The entities an earlier sync of this account left in Port, plus `extra`."""
        kinds = [
            ("statuspage", self.pages),
            (
                "statuspageComponentGroup",
                [g for gs in self.groups.values() for g in gs],
            ),
            ("statuspageComponent", self.member_components()),
            ("statuspageIncident", self.all_incidents()),
            (
                "statuspageIncidentUpdate",
                [u for i in self.all_incidents() for u in i["incident_updates"]],
            ),
        ]
        existing = [
            {"identifier": item["id"], "blueprint": blueprint}
            for blueprint, items in kinds
            for item in items
        ]
        return existing + list(extra)

    def member_components(self) -> list[dict[str, Any]]:
        return [c for cs in self.components.values() for c in cs if not c["group"]]

    def all_incidents(self) -> list[dict[str, Any]]:
        return [i for incidents in self.incidents.values() for i in incidents]


def _paged(
    items: list[dict[str, Any]],
    size_param: str,
    statuses: frozenset[str] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """A list route, paged as Statuspage pages it; with `statuses`, only the items in those
    (read when asked: a test may change the items after serving them)."""

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        size = min(int(request.url.params[size_param]), 100)
        chosen = [i for i in items if statuses is None or i.get("status") in statuses]
        return httpx.Response(200, json=chosen[(number - 1) * size : number * size])

    return respond


class RollingWindowLimit:
    """Answers 420 with Retry-After once `limit` requests arrived in the last `window` seconds,
    by the emulator's own limiter."""

    def __init__(self, limit: int, window: float) -> None:
        self.window = window
        self._limiter = SlidingWindowLimiter(limit, window)
        self.admitted: list[float] = []
        self.refused = 0

    def __call__(self, request: httpx.Request) -> httpx.Response | None:
        now = time.monotonic()
        wait = self._limiter.wait_time("key", now)
        if wait > 0:
            self.refused += 1
            return httpx.Response(420, headers={"Retry-After": str(math.ceil(wait))})
        self._limiter.record("key", now)
        self.admitted.append(now)
        return None

    def most_in_any_window(self) -> int:
        return most_in_any_window(self.admitted, self.window)


def fail_path(path: str, status: int) -> Responder:
    """A gate that answers `status` to every request for `path` (e.g. /v1/pages/p1/incidents)."""

    def gate(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == path:
            return httpx.Response(status, json={"error": f"injected {status}"})
        return None

    return gate


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


@dataclass
class FakeOnlineOrNot:
    """An OnlineOrNot account served at the HTTP boundary by respx, in its own dialect. Its
    raw ids are the ones FakeAccount uses (`p1`, `p1-c0`, ...), so a resync of both shows
    whether identifiers collide."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    components: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Each incident as its detail route answers it, with components and updates.
    incidents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def generate(
        cls,
        page_ids: tuple[str, ...] = ("p1",),
        groups: int = 2,
        components: int = 4,
        incidents: int = 3,
        updates: int = 2,
    ) -> "FakeOnlineOrNot":
        account = cls()
        for page_id in page_ids:
            account.pages.append(
                {
                    "id": page_id,
                    "name": f"Status of {page_id}",
                    "subdomain": page_id,
                    "custom_domain": None,
                    "status": "PARTIALLY_DEGRADED_SERVICE",
                    "hide_from_search_engines": False,
                    "has_password": False,
                }
            )
            account.groups[page_id] = [
                {"id": f"{page_id}-g{n}", "name": f"Group {n}", "sort_order": n}
                for n in range(groups)
            ]
            account.components[page_id] = [
                {
                    "id": f"{page_id}-c{n}",
                    "name": f"Component {n}",
                    "status": "DEGRADED_PERFORMANCE" if n == 0 else "OPERATIONAL",
                    "group_id": f"{page_id}-g{n % groups}" if groups else None,
                    "display_uptime": True,
                }
                for n in range(components)
            ]
            account.incidents[page_id] = [
                _onlineornot_incident(
                    f"{page_id}-i{n}",
                    updates,
                    [c["id"] for c in account.components[page_id][:2]],
                )
                for n in range(incidents)
            ]
        return account

    def serve(
        self,
        router: respx.MockRouter,
        gate: Responder | None = None,
        host: str = ONLINEORNOT_HOST,
    ) -> None:
        """Routes the account; `gate` may answer a request first (a refusal, a fault)."""
        api = f"{host}/v1/status_pages"

        def route(
            path: str, respond: Callable[..., httpx.Response], regex: bool = False
        ) -> None:
            def gated(request: httpx.Request, **params: str) -> httpx.Response:
                return (gate and gate(request)) or respond(request, **params)

            if regex:
                router.get(url__regex=f"{api}{path}").mock(side_effect=gated)
            else:
                router.get(f"{api}{path}").mock(side_effect=gated)

        route("", onlineornot_paged(self.pages))
        for status_page in self.pages:
            page_id = status_page["id"]
            details = {i["id"]: i for i in self.incidents[page_id]}
            route(
                f"/{page_id}",
                lambda _, page=status_page: httpx.Response(200, json=envelope(page)),
            )
            route(f"/{page_id}/groups", onlineornot_paged(self.groups[page_id]))
            route(f"/{page_id}/components", onlineornot_paged(self.components[page_id]))
            route(
                f"/{page_id}/incidents",
                onlineornot_paged([_listed_incident(i) for i in details.values()]),
            )

            def detail(
                _: httpx.Request, incident_id: str, details: dict[str, Any] = details
            ) -> httpx.Response:
                if incident_id not in details:
                    return onlineornot_error(404, "Not found")
                return httpx.Response(200, json=envelope(details[incident_id]))

            route(f"/{page_id}/incidents/(?P<incident_id>[^/?]+)$", detail, regex=True)

    def in_port(self) -> list[dict[str, str]]:
        """The entities an earlier sync of this account left in Port."""
        kinds = [
            ("statuspage", self.pages),
            (
                "statuspageComponentGroup",
                [g for gs in self.groups.values() for g in gs],
            ),
            ("statuspageComponent", [c for cs in self.components.values() for c in cs]),
            ("statuspageIncident", self.all_incidents()),
            (
                "statuspageIncidentUpdate",
                [u for i in self.all_incidents() for u in i["updates"]],
            ),
        ]
        return [
            {"identifier": f"onlineornot-{item['id']}", "blueprint": blueprint}
            for blueprint, items in kinds
            for item in items
        ]

    def all_incidents(self) -> list[dict[str, Any]]:
        return [i for incidents in self.incidents.values() for i in incidents]


def _onlineornot_incident(
    incident_id: str, updates: int, component_ids: list[str]
) -> dict[str, Any]:
    statuses = ["INVESTIGATING", "UPDATE", "RESOLVED"]
    return {
        "id": incident_id,
        "title": f"Incident {incident_id}",
        "impact": "PARTIAL_OUTAGE",
        "started": "2026-01-01T10:00:00.000Z",
        "ended": "2026-01-01T12:00:00.000Z",
        "created_at": "2026-01-01T10:00:00.000Z",
        "updated_at": "2026-01-01T12:00:00.000Z",
        "components": [{"id": cid, "name": f"Name of {cid}"} for cid in component_ids],
        "updates": [
            {
                "id": f"{incident_id}-u{u}",
                "incident_id": incident_id,
                "status": statuses[min(u, len(statuses) - 1)],
                "description": f"Update {u}",
                "date_happened": f"2026-01-01T1{u}:00:00.000Z",
                "created_at": f"2026-01-01T1{u}:00:00.000Z",
                "updated_at": f"2026-01-01T1{u}:00:00.000Z",
                "components": (
                    [
                        {
                            "id": component_ids[0],
                            "name": "first",
                            "old_status": "OPERATIONAL",
                            "new_status": "PARTIAL_OUTAGE",
                        }
                    ]
                    if u == 0 and component_ids
                    else []
                ),
            }
            for u in range(updates)
        ],
    }


def _listed_incident(detail: dict[str, Any]) -> dict[str, Any]:
    """What the list route gives of an incident: its base fields and latest update."""
    listed = {k: v for k, v in detail.items() if k not in ("components", "updates")}
    if detail["updates"]:
        last = detail["updates"][-1]
        listed["latest_update"] = {
            "id": last["id"],
            "status": last["status"],
            "date_happened": last["date_happened"],
        }
    return listed
