"""Statuspage's dialect at the HTTP boundary: its lists in pages of 100, its objects, its keys."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from client import ApiClient, Item, VendorApiError
from core.kinds import PageList
from core.rate_limiter import SlidingWindowRateLimiter
from tests.support import HOST, FakeClock, ocean_context, reads_of, settings_of
from vendors.statuspage import PAGE_SIZE, StatuspageVendor

KEY = "sk-live-very-secret"
API = f"{HOST}/v1"


@pytest.fixture
def vendor() -> Iterator[StatuspageVendor]:
    with ocean_context():
        settings = settings_of(
            {"statuspage_api_key": KEY, "statuspage_host": HOST}
        ).vendor("statuspage")
        assert settings is not None
        clock = FakeClock()
        limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)
        yield StatuspageVendor(
            settings,
            ApiClient(
                StatuspageVendor.dialect,
                StatuspageVendor.base_url(settings),
                KEY,
                limiter,
                sleep=clock.sleep,
            ),
        )


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def items(count: int, prefix: str = "c") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}"} for i in range(count)]


def paged(all_items: list[dict[str, Any]], size_param: str) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        size = int(request.url.params[size_param])
        return httpx.Response(200, json=all_items[(page - 1) * size : page * size])

    return respond


async def collect(batches: AsyncIterator[list[Item]]) -> list[list[Item]]:
    return [batch async for batch in batches]


async def test_sends_the_key_as_oauth_and_marks_every_object_with_its_provider(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(json=[{"id": "p1"}])

    assert await vendor.pages() == [{"id": "p1", "provider": "statuspage"}]
    assert route.calls.last.request.headers["Authorization"] == f"OAuth {KEY}"


def test_a_host_that_already_ends_in_v1_is_not_doubled() -> None:
    settings = settings_of(
        {"statuspage_api_key": KEY, "statuspage_host": f"{HOST}/v1/"}
    ).vendor("statuspage")
    assert settings is not None

    assert StatuspageVendor.base_url(settings) == API


@pytest.mark.parametrize(
    ("method", "path", "size_param"),
    [
        ("components", "components", "per_page"),
        ("component_groups", "component-groups", "per_page"),
        ("incidents", "incidents", "limit"),
    ],
)
async def test_lists_are_read_in_pages_of_100_and_a_short_page_ends_them(
    vendor: StatuspageVendor,
    api: respx.MockRouter,
    method: str,
    path: str,
    size_param: str,
) -> None:
    route = api.get(f"{API}/pages/p1/{path}").mock(
        side_effect=paged(items(250), size_param)
    )

    batches = await collect(vendor.read_list(PageList(method), "p1", reads_of(vendor)))

    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert all(item["provider"] == "statuspage" for b in batches for item in b)
    assert [call.request.url.params[size_param] for call in route.calls] == ["100"] * 3
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2", "3"]


async def test_a_list_that_fits_one_page_costs_one_request(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/components").mock(
        side_effect=paged(items(20), "per_page")
    )

    assert [
        len(b) for b in await collect(vendor.components("p1", reads_of(vendor)))
    ] == [20]
    assert route.call_count == 1


async def test_a_full_last_page_needs_one_empty_page_to_know_the_list_ended(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/incidents").mock(
        side_effect=paged(items(2 * PAGE_SIZE), "limit")
    )

    assert [
        len(b) for b in await collect(vendor.incidents("p1", reads_of(vendor)))
    ] == [100, 100]
    assert route.call_count == 3


async def test_an_empty_list_yields_no_batch(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    api.get(f"{API}/pages/p1/component-groups").respond(json=[])

    assert await collect(vendor.component_groups("p1", reads_of(vendor))) == []


async def test_components_are_never_asked_unpaginated(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    # Statuspage allows an unpaginated component list only once a minute.
    route = api.get(f"{API}/pages/p1/components").mock(
        side_effect=paged(items(150), "per_page")
    )

    await collect(vendor.components("p1", reads_of(vendor)))

    assert route.call_count == 2
    assert all(
        {"page", "per_page"} <= set(call.request.url.params) for call in route.calls
    )


async def test_a_server_ignoring_the_page_parameter_fails_the_list_after_two_pages(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/incidents").respond(json=items(100, "i"))

    with pytest.raises(VendorApiError, match="/pages/p1/incidents: page 2 repeated"):
        await collect(vendor.incidents("p1", reads_of(vendor)))
    assert route.call_count == 2


@pytest.mark.parametrize("body", [{"error": "weird"}, [1, 2], "text"])
async def test_a_list_endpoint_answering_something_else_is_an_error(
    vendor: StatuspageVendor, api: respx.MockRouter, body: Any
) -> None:
    api.get(f"{API}/pages").respond(json=body)

    with pytest.raises(VendorApiError, match="expected a JSON array"):
        await vendor.pages()


async def test_an_object_endpoint_answering_a_list_is_an_error(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    api.get(f"{API}/pages/p1/incidents/i1").respond(json=[])

    with pytest.raises(VendorApiError, match="expected an object"):
        await vendor.incident("p1", "i1")


async def test_webhook_subscribers_are_listed_from_page_0_with_quarantined_ones(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/subscribers").respond(json=items(3, "s"))

    assert await collect(vendor.webhook_subscribers("p1")) == [items(3, "s")]
    params = route.calls.last.request.url.params
    assert (params["page"], params["type"], params["state"]) == ("0", "webhook", "all")
