"""The Statuspage client at the HTTP boundary: pagination, errors, retries and the rate limit."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from client import (
    PAGE_SIZE,
    RetryPolicy,
    StatuspageApiError,
    StatuspageAuthError,
    StatuspageClient,
    StatuspageNotFoundError,
    limiter_for,
)
from rate_limiter import SlidingWindowRateLimiter
from settings import StatuspageSettings
from tests.support import HOST, FakeClock

KEY = "sk-live-very-secret"
API = f"{HOST}/v1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> StatuspageClient:
    limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)
    return StatuspageClient(
        HOST,
        KEY,
        limiter,
        RetryPolicy(max_attempts=4, base_delay_seconds=1.0),
        sleep=clock.sleep,
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


async def collect(batches: Any) -> list[list[dict[str, Any]]]:
    return [batch async for batch in batches]


async def test_sends_the_key_as_oauth_and_adds_the_api_version(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(json=[{"id": "p1"}])

    assert await client.get_pages() == [{"id": "p1"}]
    assert route.calls.last.request.headers["Authorization"] == f"OAuth {KEY}"


async def test_a_host_that_already_ends_in_v1_is_not_doubled(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(json=[])
    limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)

    await StatuspageClient(f"{HOST}/v1/", KEY, limiter).get_pages()

    assert route.call_count == 1


@pytest.mark.parametrize(
    ("method", "path", "size_param"),
    [
        ("iter_components", "components", "per_page"),
        ("iter_component_groups", "component-groups", "per_page"),
        ("iter_incidents", "incidents", "limit"),
    ],
)
async def test_lists_are_read_in_pages_of_100_and_a_short_page_ends_them(
    client: StatuspageClient,
    api: respx.MockRouter,
    method: str,
    path: str,
    size_param: str,
) -> None:
    route = api.get(f"{API}/pages/p1/{path}").mock(
        side_effect=paged(items(250), size_param)
    )

    batches = await collect(getattr(client, method)("p1"))

    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert [call.request.url.params[size_param] for call in route.calls] == ["100"] * 3
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2", "3"]


async def test_a_list_that_fits_one_page_costs_one_request(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/components").mock(
        side_effect=paged(items(20), "per_page")
    )

    assert [len(b) for b in await collect(client.iter_components("p1"))] == [20]
    assert route.call_count == 1


async def test_a_full_last_page_needs_one_empty_page_to_know_the_list_ended(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/incidents").mock(
        side_effect=paged(items(2 * PAGE_SIZE), "limit")
    )

    assert [len(b) for b in await collect(client.iter_incidents("p1"))] == [100, 100]
    assert route.call_count == 3


async def test_an_empty_list_yields_no_batch(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    api.get(f"{API}/pages/p1/component-groups").respond(json=[])

    assert await collect(client.iter_component_groups("p1")) == []


async def test_components_are_never_asked_unpaginated(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    # Statuspage allows an unpaginated component list only once a minute.
    route = api.get(f"{API}/pages/p1/components").mock(
        side_effect=paged(items(150), "per_page")
    )

    await collect(client.iter_components("p1"))

    assert route.call_count == 2
    assert all(
        {"page", "per_page"} <= set(call.request.url.params) for call in route.calls
    )


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_fails_fast_and_names_the_setting_not_the_key(
    client: StatuspageClient, api: respx.MockRouter, status: int
) -> None:
    route = api.get(f"{API}/pages").respond(status, json={"error": "Unauthorized"})

    with pytest.raises(StatuspageAuthError) as raised:
        await client.get_pages()

    assert route.call_count == 1
    assert "statuspageApiKey" in str(raised.value)
    assert KEY not in str(raised.value)


async def test_not_found_names_what_was_asked(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/gone/incidents/i1").respond(
        404, json={"error": "Not Found"}
    )

    with pytest.raises(StatuspageNotFoundError, match="/pages/gone/incidents/i1"):
        await client.get_incident("gone", "i1")
    assert route.call_count == 1


async def test_server_errors_are_retried_with_growing_jittered_backoff(
    client: StatuspageClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(502),
            httpx.Response(503),
            httpx.Response(200, json=[]),
        ]
    )

    assert await client.get_pages() == []

    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0 <= slept <= 1.0 * 2 ** (attempt - 1)


async def test_retries_are_bounded_and_the_error_keeps_no_secret(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/p1/incidents").respond(500)

    with pytest.raises(StatuspageApiError, match="after 4 attempts") as raised:
        await collect(client.iter_incidents("p1"))

    assert route.call_count == 4
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("cut"),
    ],
)
async def test_transport_failures_are_retried(
    client: StatuspageClient, api: respx.MockRouter, failure: Exception
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[failure, httpx.Response(200, json=[{"id": "p"}])]
    )

    assert await client.get_pages() == [{"id": "p"}]
    assert route.call_count == 2


async def test_a_body_that_is_not_json_is_retried_then_reported(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(200, content=b'[{"id": "p1"')

    with pytest.raises(StatuspageApiError, match="not JSON"):
        await client.get_pages()
    assert route.call_count == 4


async def test_a_list_endpoint_answering_an_object_is_an_error(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    api.get(f"{API}/pages").respond(json={"error": "weird"})

    with pytest.raises(StatuspageApiError, match="expected a JSON array"):
        await client.get_pages()


async def test_other_client_errors_are_not_retried(
    client: StatuspageClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(422, json={"error": "bad query"})

    with pytest.raises(StatuspageApiError, match="422: bad query"):
        await client.get_pages()
    assert route.call_count == 1


@pytest.mark.parametrize("status", [420, 429])
async def test_rate_limit_answers_wait_as_long_as_retry_after_says(
    client: StatuspageClient, api: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(
                status, headers={"Retry-After": "7"}, json={"error": "Rate limited"}
            ),
            httpx.Response(200, json=[]),
        ]
    )

    assert await client.get_pages() == []

    assert route.call_count == 2
    assert clock.now == pytest.approx(7)


async def test_retry_after_as_an_http_date_is_honoured(
    client: StatuspageClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(
                420,
                headers={
                    "Date": "Tue, 24 Nov 2026 10:00:00 GMT",
                    "Retry-After": "Tue, 24 Nov 2026 10:00:12 GMT",
                },
            ),
            httpx.Response(200, json=[]),
        ]
    )

    await client.get_pages()

    assert clock.now == pytest.approx(12)


async def test_a_rate_limit_without_retry_after_waits_the_default(
    client: StatuspageClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(f"{API}/pages").mock(
        side_effect=[httpx.Response(429), httpx.Response(200, json=[])]
    )

    await client.get_pages()

    assert clock.now == pytest.approx(RetryPolicy().default_rate_limit_wait_seconds)


async def test_endless_rate_limiting_gives_up_with_advice(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)
    client = StatuspageClient(
        HOST, KEY, limiter, RetryPolicy(max_rate_limit_waits=3), sleep=clock.sleep
    )
    route = api.get(f"{API}/pages").respond(420, headers={"Retry-After": "1"})

    with pytest.raises(StatuspageApiError, match="rateLimitRequests"):
        await client.get_pages()
    assert route.call_count == 4


async def test_a_rate_limit_answer_pauses_other_requests_too(
    client: StatuspageClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(420, headers={"Retry-After": "30"}),
            httpx.Response(200, json=[]),
        ]
    )
    component = api.get(f"{API}/pages/p1/components/c1").respond(json={"id": "c1"})

    await client.get_pages()
    sent_before = clock.now
    await client.get_component("p1", "c1")

    assert sent_before == pytest.approx(30)
    assert component.call_count == 1


def test_one_limiter_per_api_key() -> None:
    def settings(key: str, limit: int) -> StatuspageSettings:
        return StatuspageSettings(
            api_key=key,
            host=HOST,
            page_ids=(),
            rate_limit_requests=limit,
            rate_limit_window_seconds=60,
            app_host=None,
        )

    first = limiter_for(settings("key-for-limiter-a", 60))
    assert limiter_for(settings("key-for-limiter-a", 60)) is first
    assert limiter_for(settings("key-for-limiter-b", 60)) is not first
