"""Webhook subscribers on start: exactly one of ours per selected page, delivering to our URL
with the current token; nobody else's subscriber touched; failures logged without the token.

Ocean runs the integration's on_start listeners as it does at start; Statuspage's subscriber
API is a stateful fake at the HTTP boundary.
"""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from port_ocean.context.event import EventType, event_context
from port_ocean.context.ocean import ocean

from tests.support import HOST, page
from tests.webhook_processors.support import (
    BASE_URL,
    SECRET,
    LiveOcean,
    captured_logs,
    component_notification,
    live_ocean,
    page_summary,
)

EMAIL = "statuspage-alerts@example.com"
ROUTE = f"{BASE_URL}/integration/webhook"
OUR_URL = f"{ROUTE}?token={SECRET}"
FOREIGN = [
    "https://hooks.example.com/statuspage/abc",
    f"{BASE_URL}/integration/other?token={SECRET[::-1]}",
    "https://ocean.example.com:8443/integration/webhook?token=elsewhere",
]


@dataclass
class FakeSubscribers:
    """Statuspage's subscriber API for some pages: listed from page 0, created, deleted."""

    pages: dict[str, list[dict[str, Any]]]
    operations: list[tuple[str, str, str]] = field(default_factory=list)
    refuse_creating_on: set[str] = field(default_factory=set)
    list_requests: list[httpx.Request] = field(default_factory=list)
    next_id: int = 0

    def add(self, page_id: str, endpoint: str, **fields: Any) -> str:
        self.next_id += 1
        subscriber_id = f"s{self.next_id}"
        self.pages[page_id].append(
            {
                "id": subscriber_id,
                "mode": "webhook",
                "endpoint": endpoint,
                "email": EMAIL,
                "quarantined_at": None,
                **fields,
            }
        )
        return subscriber_id

    def endpoints(self, page_id: str) -> list[str]:
        return [s["endpoint"] for s in self.pages[page_id]]

    def serve(self, router: respx.MockRouter) -> None:
        router.get(f"{HOST}/v1/pages").respond(
            json=[page(page_id) for page_id in self.pages]
        )
        subscribers = rf"{HOST}/v1/pages/(?P<page_id>[^/]+)/subscribers"
        router.get(url__regex=subscribers).mock(side_effect=self._list)
        router.post(url__regex=subscribers).mock(side_effect=self._create)
        router.delete(url__regex=rf"{subscribers}/(?P<subscriber_id>[^/]+)").mock(
            side_effect=self._delete
        )

    def _list(self, request: httpx.Request, page_id: str) -> httpx.Response:
        self.list_requests.append(request)
        params = request.url.params
        number, size = int(params["page"]), int(params["limit"])
        return httpx.Response(
            200, json=self.pages[page_id][number * size : (number + 1) * size]
        )

    def _create(self, request: httpx.Request, page_id: str) -> httpx.Response:
        spec = json.loads(request.content)["subscriber"]
        if page_id in self.refuse_creating_on:
            # Statuspage's validation errors may quote the endpoint, token and all.
            error = f"Endpoint {spec['endpoint']} is not reachable"
            return httpx.Response(422, json={"error": error})
        subscriber_id = self.add(page_id, spec["endpoint"], email=spec["email"])
        self.operations.append(("create", page_id, subscriber_id))
        return httpx.Response(201, json=self.pages[page_id][-1])

    def _delete(
        self, request: httpx.Request, page_id: str, subscriber_id: str
    ) -> httpx.Response:
        self.operations.append(("delete", page_id, subscriber_id))
        kept = [s for s in self.pages[page_id] if s["id"] != subscriber_id]
        if len(kept) == len(self.pages[page_id]):
            return httpx.Response(404, json={"error": "Not found"})
        self.pages[page_id] = kept
        return httpx.Response(200, json={"id": subscriber_id})


@pytest.fixture
def statuspage() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def account(statuspage: respx.MockRouter) -> FakeSubscribers:
    fake = FakeSubscribers(pages={"p1": [], "p2": []})
    for page_id in fake.pages:
        fake.add(page_id, FOREIGN[0])
    fake.serve(statuspage)
    return fake


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    with captured_logs() as lines:
        yield lines


StartOcean = Callable[..., AbstractAsyncContextManager[LiveOcean]]


@pytest.fixture
def start(
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    api_key: str,
) -> StartOcean:
    """Starts Ocean and runs on_start; the base URL, SECRET and EMAIL are set unless None."""

    @asynccontextmanager
    async def start_ocean(
        base_url: str | None = BASE_URL,
        event_listener: str = "POLLING",
        **options: Any,
    ) -> AsyncIterator[LiveOcean]:
        options = {
            "webhook_secret": SECRET,
            "webhook_subscriber_email": EMAIL,
            **options,
        }
        config = {name: value for name, value in options.items() if value is not None}
        async with live_ocean(
            shipped_mapping,
            shipped_blueprints,
            api_key,
            base_url=base_url,
            event_listener=event_listener,
            **config,
        ) as live:
            await run_on_start()
            yield live

    return start_ocean


async def run_on_start() -> None:
    """What Ocean does at start: every on_start listener, in a START event."""
    async with event_context(EventType.START, trigger_type="machine"):
        for listener in ocean.integration.event_strategy.start:
            await listener()


async def test_a_page_without_our_subscriber_gets_one_and_others_are_untouched(
    account: FakeSubscribers, start: StartOcean
) -> None:
    for url in FOREIGN[1:]:
        account.add("p1", url)

    async with start():
        pass

    assert account.endpoints("p1") == [*FOREIGN, OUR_URL]
    assert account.endpoints("p2") == [FOREIGN[0], OUR_URL]
    assert [op for op, _, _ in account.operations] == ["create", "create"]
    assert account.pages["p1"][-1]["email"] == EMAIL


async def test_subscribers_are_listed_from_page_0_until_a_short_page(
    account: FakeSubscribers, start: StartOcean
) -> None:
    for n in range(150):
        account.add("p1", f"https://hooks.example.com/{n}")
    account.add("p1", OUR_URL)

    async with start(statuspage_ids="p1"):
        pass

    pages = [dict(r.url.params) for r in account.list_requests]
    assert pages == [
        {"type": "webhook", "state": "all", "page": "0", "limit": "100"},
        {"type": "webhook", "state": "all", "page": "1", "limit": "100"},
    ]
    assert account.operations == []


async def test_our_current_subscriber_is_kept_and_a_second_start_adds_nothing(
    account: FakeSubscribers, start: StartOcean
) -> None:
    async with start():
        pass
    created = list(account.operations)

    async with start():
        pass

    assert account.operations == created
    assert account.endpoints("p1").count(OUR_URL) == 1
    assert account.endpoints("p2").count(OUR_URL) == 1


@pytest.mark.parametrize(
    ("stale", "why"),
    [
        pytest.param(
            {"endpoint": f"{ROUTE}?token=an-older-token"}, "another token", id="token"
        ),
        pytest.param({"endpoint": ROUTE}, "another token", id="no token"),
        pytest.param(
            {
                "endpoint": f"https://old-ocean.example.com/integration/webhook?token={SECRET}"
            },
            "another address",
            id="host",
        ),
        pytest.param(
            {
                "endpoint": f"http://ocean.example.com:443/integration/webhook?token={SECRET}"
            },
            "another scheme",
            id="scheme",
        ),
        pytest.param(
            {"endpoint": OUR_URL, "quarantined_at": "2026-01-01T00:00:00.000Z"},
            "quarantined",
            id="quarantined",
        ),
        pytest.param(
            {"endpoint": OUR_URL, "email": "former-owner@example.com"},
            "another email",
            id="email",
        ),
    ],
)
async def test_our_stale_subscriber_is_deleted_then_replaced(
    account: FakeSubscribers,
    start: StartOcean,
    log_lines: list[str],
    stale: dict[str, Any],
    why: str,
) -> None:
    old = account.add("p1", **stale)

    async with start(statuspage_ids="p1"):
        pass

    assert account.operations == [("delete", "p1", old), ("create", "p1", "s4")]
    assert account.endpoints("p1") == [FOREIGN[0], OUR_URL]
    assert any(
        f"deleted webhook subscriber {old}" in line and why in line
        for line in log_lines
    )


@pytest.mark.parametrize(
    "listed", [{"email": EMAIL.upper()}, {"email": None}], ids=["case", "not listed"]
)
async def test_our_subscriber_is_kept_when_its_email_is_ours_or_not_listed(
    account: FakeSubscribers, start: StartOcean, listed: dict[str, Any]
) -> None:
    account.add("p1", OUR_URL, **listed)

    async with start(statuspage_ids="p1"):
        pass

    assert account.operations == []


async def test_duplicates_of_our_subscriber_are_removed(
    account: FakeSubscribers, start: StartOcean
) -> None:
    first = account.add("p1", OUR_URL)
    second = account.add("p1", OUR_URL)

    async with start(statuspage_ids="p1"):
        pass

    assert account.operations == [("delete", "p1", second)]
    assert [s["id"] for s in account.pages["p1"]][-1] == first


async def test_only_selected_pages_are_managed_and_a_missing_one_is_named(
    account: FakeSubscribers, start: StartOcean, log_lines: list[str]
) -> None:
    async with start(statuspage_ids="p2,not-ours"):
        pass

    assert account.endpoints("p1") == [FOREIGN[0]]
    assert account.endpoints("p2") == [FOREIGN[0], OUR_URL]
    assert any("not-ours" in line and "cannot see" in line for line in log_lines)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        pytest.param(
            {"event_listener": "ONCE"}, "does not process webhooks", id="ONCE"
        ),
        pytest.param({"base_url": None}, "no base URL", id="no base URL"),
        pytest.param(
            {"webhook_subscriber_email": None}, "webhookSubscriberEmail", id="no email"
        ),
    ],
)
async def test_nothing_is_managed_without_what_live_events_need(
    statuspage: respx.MockRouter,
    account: FakeSubscribers,
    start: StartOcean,
    log_lines: list[str],
    options: dict[str, Any],
    reason: str,
) -> None:
    async with start(**options):
        pass

    assert statuspage.calls.call_count == 0
    assert any("Live events" in line and reason in line for line in log_lines)


async def test_app_host_stands_in_for_a_missing_base_url(
    account: FakeSubscribers, start: StartOcean
) -> None:
    async with start(base_url=None, app_host="https://ocean-app.example.com/"):
        pass

    assert account.endpoints("p1")[-1] == (
        f"https://ocean-app.example.com/integration/webhook?token={SECRET}"
    )


async def test_a_failing_page_is_logged_without_the_token_and_the_others_proceed(
    account: FakeSubscribers,
    start: StartOcean,
    log_lines: list[str],
) -> None:
    account.refuse_creating_on.add("p1")

    async with start():
        pass

    assert account.endpoints("p2") == [FOREIGN[0], OUR_URL]
    errors = [line for line in log_lines if "could not set up" in line]
    assert len(errors) == 1
    assert "page p1" in errors[0]
    assert "422" in errors[0]
    assert not any(SECRET in line for line in log_lines)


async def test_an_unreadable_account_is_logged_and_the_start_goes_on(
    statuspage: respx.MockRouter,
    account: FakeSubscribers,
    start: StartOcean,
    log_lines: list[str],
) -> None:
    statuspage.get(f"{HOST}/v1/pages").respond(401, json={"error": "no"})

    async with start():
        pass

    assert account.operations == []
    assert any("could not list the Statuspage pages" in line for line in log_lines)


async def test_the_derived_token_of_the_subscriber_authenticates_deliveries(
    statuspage: respx.MockRouter,
    account: FakeSubscribers,
    start: StartOcean,
    docs_samples: dict[str, Any],
    api_key: str,
    log_lines: list[str],
) -> None:
    component = docs_samples["payloads"]["component"]
    statuspage.get(url__regex=rf"{HOST}/v1/pages/p1/components/.*").respond(
        json=component
    )
    statuspage.get(f"{HOST}/v1/pages/p1").respond(json=page("p1"))
    notification = component_notification(component, page_summary("p1"), "operational")

    async with start(webhook_secret=None, statuspage_ids="p1") as live:
        endpoint = account.endpoints("p1")[-1]
        [token] = parse_qs(urlsplit(endpoint).query)["token"]
        await live.deliver(notification, token=token)

    assert endpoint.startswith(f"{ROUTE}?token=")
    assert api_key not in endpoint
    assert len(token) >= 32
    assert {e["blueprint"] for e in live.upserted} == {
        "statuspage",
        "statuspageComponent",
    }
    assert not any(token in line for line in log_lines)
