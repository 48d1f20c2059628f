"""OnlineOrNot's dialect at the HTTP boundary: Bearer auth, its envelope and its errors by
message, `result_info` paging, 429 with Retry-After, and (against the emulator) what a resync
costs in requests.
"""

import itertools
import math
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from client import (
    MAX_LIST_PAGES,
    Item,
    VendorApiError,
    VendorAuthError,
    VendorNotFoundError,
)
from core.kinds import PageList
from tests.conftest import Emulate
from tests.support import (
    ONLINEORNOT_HOST,
    FakeClock,
    api_client,
    envelope,
    fail,
    ocean_context,
    onlineornot_error,
    onlineornot_paged,
    pages_of,
    reads_of,
    settings_of,
)
from tests.webhook_processors.support import captured_logs
from vendors.contract import PortReadError
from vendors.onlineornot import PAGE_SIZE, OnlineOrNotVendor

KEY = "oon-live-very-secret-token"
API = f"{ONLINEORNOT_HOST}/v1"
PAGES = f"{API}/status_pages"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@asynccontextmanager
async def vendor_at(host: str, clock: FakeClock) -> AsyncIterator[OnlineOrNotVendor]:
    with ocean_context():
        settings = settings_of(
            {"onlineornot_api_key": KEY, "onlineornot_host": host}
        ).vendor("onlineornot")
        assert settings is not None
        client = api_client(OnlineOrNotVendor, settings, KEY, clock)
        try:
            yield OnlineOrNotVendor(settings, client)
        finally:
            await client.aclose()


@pytest.fixture
async def vendor(clock: FakeClock) -> AsyncIterator[OnlineOrNotVendor]:
    async with vendor_at(ONLINEORNOT_HOST, clock) as at_the_mocks:
        yield at_the_mocks


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def items(count: int, prefix: str = "c") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i:04d}", "name": f"n{i}"} for i in range(count)]


async def collect(batches: AsyncIterator[list[Item]]) -> list[list[Item]]:
    return [batch async for batch in batches]


async def test_sends_a_bearer_token_and_prefixes_every_id(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(PAGES).respond(
        json=envelope(
            [{"id": "a1b2c3d4", "name": "Example", "subdomain": "ex"}],
            page=1,
            per_page=100,
            count=1,
            total_count=1,
        )
    )

    [page] = await vendor.pages()

    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
    assert (page["id"], page["provider"]) == ("onlineornot-a1b2c3d4", "onlineornot")
    assert page["raw"]["id"] == "a1b2c3d4"


def test_the_api_lives_under_v1_of_the_host_setting() -> None:
    for host, expected in [
        (None, "https://api.onlineornot.com/v1"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1"),
        ("https://api.onlineornot.com/v1", "https://api.onlineornot.com/v1"),
    ]:
        settings = settings_of(
            {"onlineornot_api_key": KEY, "onlineornot_host": host}
        ).vendor("onlineornot")
        assert settings is not None
        assert OnlineOrNotVendor.base_url(settings) == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [("components", "components"), ("component_groups", "groups")],
)
async def test_lists_are_read_100_a_page_until_total_count(
    vendor: OnlineOrNotVendor, api: respx.MockRouter, method: str, path: str
) -> None:
    route = api.get(f"{PAGES}/p1/{path}").mock(
        side_effect=onlineornot_paged(items(250))
    )

    batches = await collect(
        vendor.read_list(PageList(method), "onlineornot-p1", reads_of(vendor))
    )

    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert [call.request.url.params["per_page"] for call in route.calls] == ["100"] * 3
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2", "3"]
    assert batches[0][0]["page_id"] == "onlineornot-p1"


async def test_a_full_last_page_ends_the_list_at_total_count_without_another_request(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{PAGES}/p1/components").mock(
        side_effect=onlineornot_paged(items(2 * PAGE_SIZE))
    )

    assert [
        len(b)
        for b in await collect(vendor.components("onlineornot-p1", reads_of(vendor)))
    ] == [
        100,
        100,
    ]
    assert route.call_count == 2


async def test_result_info_sent_as_strings_is_understood(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    everything = items(200)

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        chosen = everything[(number - 1) * 100 : number * 100]
        info = {"page": str(number), "per_page": "100", "count": str(len(chosen))}
        return httpx.Response(
            200, json=envelope(chosen, **info, total_count=str(len(everything)))
        )

    route = api.get(f"{PAGES}/p1/groups").mock(side_effect=respond)

    batches = await collect(vendor.component_groups("onlineornot-p1", reads_of(vendor)))

    # The string total ends the list at its second full page.
    assert [len(b) for b in batches] == [100, 100]
    assert route.call_count == 2


async def test_without_a_total_a_page_shorter_than_the_size_used_is_the_last(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    everything = items(120)

    def respond(request: httpx.Request) -> httpx.Response:
        # A server that caps per_page at 50 and says so, but gives no total.
        number = int(request.url.params["page"])
        chosen = everything[(number - 1) * 50 : number * 50]
        return httpx.Response(
            200, json=envelope(chosen, page=number, per_page=50, count=len(chosen))
        )

    route = api.get(f"{PAGES}/p1/components").mock(side_effect=respond)

    batches = await collect(vendor.components("onlineornot-p1", reads_of(vendor)))

    assert [len(b) for b in batches] == [50, 50, 20]
    assert route.call_count == 3


async def test_a_page_cut_short_silently_does_not_end_a_list_the_total_says_goes_on(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    everything = items(120)

    def respond(request: httpx.Request) -> httpx.Response:
        # Caps per_page at 50 without saying so; its total still tells the truth.
        number = int(request.url.params["page"])
        chosen = everything[(number - 1) * 50 : number * 50]
        return httpx.Response(
            200,
            json=envelope(chosen, count=len(chosen), total_count=len(everything)),
        )

    api.get(f"{PAGES}/p1/components").mock(side_effect=respond)

    batches = await collect(vendor.components("onlineornot-p1", reads_of(vendor)))

    assert sum(len(b) for b in batches) == 120


async def test_an_empty_page_ends_a_list_whatever_its_total_says(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{PAGES}/p1/groups").mock(
        side_effect=[
            httpx.Response(200, json=envelope(items(100), total_count=999)),
            httpx.Response(200, json=envelope([], total_count=999)),
        ]
    )

    assert [
        len(b)
        for b in await collect(
            vendor.component_groups("onlineornot-p1", reads_of(vendor))
        )
    ] == [100]
    assert route.call_count == 2


async def test_a_server_ignoring_the_page_parameter_fails_the_list_at_the_repeat(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{PAGES}/p1/components").respond(
        json=envelope(items(100), total_count=1000)
    )

    with pytest.raises(VendorApiError, match="page 2 repeated page 1"):
        await collect(vendor.components("onlineornot-p1", reads_of(vendor)))
    assert route.call_count == 2


async def test_a_list_that_never_ends_fails_at_the_bound(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    # Always a full page of new ids, always "more to come".
    counter = itertools.count()

    def endless(request: httpx.Request) -> httpx.Response:
        fresh = [{"id": f"g{next(counter)}"} for _ in range(PAGE_SIZE)]
        return httpx.Response(200, json=envelope(fresh, total_count=10**9))

    route = api.get(f"{PAGES}/p1/groups").mock(side_effect=endless)

    with pytest.raises(VendorApiError, match=f"not ended after {MAX_LIST_PAGES}"):
        await collect(vendor.component_groups("onlineornot-p1", reads_of(vendor)))
    assert route.call_count == MAX_LIST_PAGES


@pytest.mark.parametrize(
    "body",
    [
        [{"id": "a"}],
        {"success": True},
        {"result": {"id": "a"}, "success": True},
        {"result": [{"name": "no id"}], "success": True},
    ],
    ids=["bare list", "no result", "object for a list", "items without ids"],
)
async def test_a_list_answer_outside_the_envelope_is_an_error(
    vendor: OnlineOrNotVendor, api: respx.MockRouter, body: Any
) -> None:
    api.get(PAGES).respond(json=body)

    with pytest.raises(VendorApiError, match="OnlineOrNot GET /status_pages"):
        await vendor.pages()


async def test_an_envelope_reporting_failure_is_an_error_with_its_message(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PAGES}/p1").respond(
        json={
            "result": None,
            "success": False,
            "errors": [{"code": 10001, "message": "Issue fetching data"}],
            "messages": [],
        }
    )

    with pytest.raises(VendorApiError, match=r"Issue fetching data \(code 10001\)"):
        await vendor.page("onlineornot-p1")


async def test_a_refused_request_says_the_vendor_s_message(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{PAGES}/p1/incidents").mock(
        return_value=onlineornot_error(400, "per_page must be a number", code=10001)
    )

    with pytest.raises(VendorApiError) as raised:
        await collect(vendor.incidents("onlineornot-p1", reads_of(vendor)))

    assert "HTTP 400: per_page must be a number (code 10001)" in str(raised.value)
    assert route.call_count == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_token_names_the_setting_never_the_token(
    vendor: OnlineOrNotVendor, api: respx.MockRouter, status: int
) -> None:
    route = api.get(PAGES).mock(
        return_value=onlineornot_error(status, "Unauthenticated", code=10002)
    )

    with pytest.raises(VendorAuthError) as raised:
        await vendor.pages()

    assert route.call_count == 1
    assert "onlineornotApiKey" in str(raised.value)
    assert KEY not in str(raised.value)


async def test_a_429_is_waited_out_as_retry_after_says(
    vendor: OnlineOrNotVendor, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(f"{PAGES}/p1").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "12"},
                json={"success": False, "errors": [{"message": "Too many requests"}]},
            ),
            httpx.Response(200, json=envelope({"id": "p1", "name": "P"})),
        ]
    )

    with captured_logs() as lines:
        page = await vendor.page("onlineornot-p1")

    assert page["id"] == "onlineornot-p1"
    assert route.call_count == 2
    assert clock.now == pytest.approx(12)
    assert any("OnlineOrNot rate limit hit (HTTP 429)" in line for line in lines)
    assert not any(KEY in line for line in lines)


async def test_an_identifier_of_another_vendor_is_not_asked_for(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    with pytest.raises(VendorNotFoundError):
        await vendor.page("8m2l51279rpl")
    assert api.calls.call_count == 0


async def test_ids_are_one_path_segment_each(
    vendor: OnlineOrNotVendor, api: respx.MockRouter
) -> None:
    route = api.get(url__regex=rf"{PAGES}/p1/components/.*").respond(
        json=envelope({"id": "../x"})
    )

    await vendor.component("onlineornot-p1", "onlineornot-../x")

    assert route.calls.last.request.url.raw_path == (
        b"/v1/status_pages/p1/components/..%2Fx"
    )


@pytest.mark.parametrize("count", [0, 3, 250])
async def test_incidents_cost_their_list_pages_plus_one_detail_each(
    emulate: Emulate, clock: FakeClock, count: int
) -> None:
    served = emulate(KEY, incidents=max(count, 1), updates=3)
    [page] = pages_of(served)
    if count == 0:
        served.remove_incident(page.page_id, next(iter(page.incidents)))

    async with vendor_at(served.base_url, clock) as vendor:
        batches = await collect(
            vendor.incidents(f"onlineornot-{page.page_id}", reads_of(vendor))
        )

    incidents = {i["id"]: i for batch in batches for i in batch}
    assert len(incidents) == count
    assert len(served.log) == max(math.ceil(count / PAGE_SIZE), 1) + count
    # The details carry what the list lacks: components and updates.
    for incident_id, record in page.incidents.items():
        incident = incidents[f"onlineornot-{incident_id}"]
        assert len(incident["incident_updates"]) == len(
            record.fields["incident_updates"]
        )
        assert [c["id"] for c in incident["components"]] == [
            f"onlineornot-{c}" for c in record.component_ids
        ]


async def test_an_incident_detail_that_fails_fails_the_page_s_incidents(
    emulate: Emulate, clock: FakeClock
) -> None:
    served = emulate(KEY, incidents=3)
    [page] = pages_of(served)
    second = list(page.incidents)[1]
    fail(served, f"/v1/status_pages/*/incidents/{second}", 400)

    async with vendor_at(served.base_url, clock) as vendor:
        incidents = vendor.incidents(f"onlineornot-{page.page_id}", reads_of(vendor))
        with pytest.raises(VendorApiError):
            await collect(incidents)


async def test_an_incident_detail_answering_404_fails_only_itself(
    emulate: Emulate, clock: FakeClock
) -> None:
    served = emulate(KEY, incidents=3)
    [page] = pages_of(served)
    first, second, third = list(page.incidents)
    fail(served, f"/v1/status_pages/*/incidents/{second}", 404)
    page_id = f"onlineornot-{page.page_id}"

    async with vendor_at(served.base_url, clock) as vendor:
        # An incremental sync deletes nothing: the incident is only skipped, and named.
        with captured_logs() as lines:
            since = datetime(2000, 1, 1, tzinfo=UTC)
            changed = await collect(vendor.incidents(page_id, reads_of(vendor, since)))
        # A full resync must keep it as Port holds it; without Port to read (as here), the
        # page's incidents fail, so that Ocean deletes nothing.
        with pytest.raises(PortReadError, match=f"onlineornot-{second}"):
            await collect(vendor.incidents(page_id, reads_of(vendor)))

    assert sorted(incident["id"] for batch in changed for incident in batch) == sorted(
        f"onlineornot-{incident}" for incident in (first, third)
    )
    assert any(
        f"incident onlineornot-{second} is listed but answered 404" in line
        and "skipped in this incremental sync" in line
        for line in lines
    )
