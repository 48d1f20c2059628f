"""The shared HTTP client at the HTTP boundary: Ocean's client underneath, errors, retries,
deadlines, bounded bodies and paging, and rate limits waited out within a ceiling."""

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from client import (
    MAX_LIST_PAGES,
    AddressRefusedError,
    ApiClient,
    Dialect,
    Item,
    PublicInternetOnly,
    RetryPolicy,
    VendorApiError,
    VendorAuthError,
    VendorNotFoundError,
    Write,
    is_public_address,
    paginate,
)
from core.rate_limiter import SlidingWindowRateLimiter
from tests.support import FakeClock, ocean_context
from tests.webhook_processors.support import captured_logs

KEY = "sk-live-very-secret"
API = "https://vendor.test/v1"
DIALECT = Dialect(
    name="Vendor",
    key_setting="vendorApiKey",
    auth_scheme="OAuth",
    error_message=lambda body: body.get("error") if isinstance(body, dict) else None,
    rate_limit_statuses=frozenset({420, 429}),
)


@pytest.fixture(autouse=True)
def ocean() -> Iterator[None]:
    with ocean_context():
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(clock: FakeClock, window: float = 60, **policy: Any) -> ApiClient:
    limiter = SlidingWindowRateLimiter(60, window, clock=clock, sleep=clock.sleep)
    policy = {"max_attempts": 4, "base_delay_seconds": 1.0, **policy}
    return ApiClient(
        DIALECT, API, KEY, limiter, RetryPolicy(**policy), sleep=clock.sleep
    )


@pytest.fixture
def client(clock: FakeClock) -> ApiClient:
    return make_client(clock)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


async def test_requests_go_through_ocean_s_client_with_ocean_s_retries_off(
    client: ApiClient, api: respx.MockRouter
) -> None:
    from port_ocean.helpers.async_client import OceanAsyncClient

    route = api.get(f"{API}/pages").respond(json=[{"id": "p1"}])

    assert await client.request("GET", "/pages") == [{"id": "p1"}]
    assert isinstance(client._http, OceanAsyncClient)
    assert route.calls.last.request.headers["Authorization"] == f"OAuth {KEY}"


async def test_ocean_s_outbound_ip_blocker_applies_and_is_not_retried(
    clock: FakeClock,
) -> None:
    with ocean_context(disable_ip_outbound_blocker=False):
        limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)
        blocked = ApiClient(DIALECT, "http://127.0.0.1:9/v1", KEY, limiter)

        with pytest.raises(VendorApiError, match="outbound IP blocker") as raised:
            await blocked.request("GET", "/pages")

    assert clock.sleeps == []
    assert KEY not in str(raised.value)


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_fails_fast_and_names_the_setting_not_the_key(
    client: ApiClient, api: respx.MockRouter, status: int
) -> None:
    route = api.get(f"{API}/pages").respond(status, json={"error": "Unauthorized"})

    with pytest.raises(VendorAuthError) as raised:
        await client.request("GET", "/pages")

    assert route.call_count == 1
    assert "vendorApiKey" in str(raised.value)
    assert KEY not in str(raised.value)


async def test_not_found_names_what_was_asked(
    client: ApiClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages/gone").respond(404, json={"error": "Not Found"})

    with pytest.raises(VendorNotFoundError, match="/pages/gone"):
        await client.request("GET", "/pages/gone")
    assert route.call_count == 1


async def test_server_errors_are_retried_with_growing_jittered_backoff(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(502),
            httpx.Response(503),
            httpx.Response(200, json=[]),
        ]
    )

    assert await client.request("GET", "/pages") == []

    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0 <= slept <= 1.0 * 2 ** (attempt - 1)


async def test_retries_are_bounded_and_the_error_keeps_no_secret(
    client: ApiClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(500)

    with pytest.raises(VendorApiError, match="after 4 attempts") as raised:
        await client.request("GET", "/pages")

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
    client: ApiClient, api: respx.MockRouter, failure: Exception
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[failure, httpx.Response(200, json=[{"id": "p"}])]
    )

    assert await client.request("GET", "/pages") == [{"id": "p"}]
    assert route.call_count == 2


@pytest.mark.parametrize(
    "body", [b'[{"id": "p1"', b"<html><body>Service Unavailable</body></html>"]
)
async def test_a_body_that_is_not_json_is_retried_then_reported(
    client: ApiClient, api: respx.MockRouter, body: bytes
) -> None:
    route = api.get(f"{API}/pages").respond(200, content=body)

    with pytest.raises(VendorApiError, match="not JSON"):
        await client.request("GET", "/pages")
    assert route.call_count == 4


async def test_other_client_errors_are_not_retried_and_say_the_vendor_s_message(
    client: ApiClient, api: respx.MockRouter
) -> None:
    route = api.get(f"{API}/pages").respond(422, json={"error": "bad query"})

    with pytest.raises(VendorApiError, match="422: bad query"):
        await client.request("GET", "/pages")
    assert route.call_count == 1


class Trickle(httpx.AsyncByteStream):
    """A JSON body sent one byte per `pause` seconds."""

    def __init__(self, chunks: int, pause: float) -> None:
        self._chunks = chunks
        self._pause = pause

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"["
        for _ in range(self._chunks):
            await asyncio.sleep(self._pause)
            yield b" "
        yield b"]"


async def test_an_answer_that_trickles_past_the_deadline_is_abandoned_and_retried(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    client = make_client(clock, deadline_seconds=0.3)
    route = api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(200, stream=Trickle(chunks=100, pause=0.05)),
            httpx.Response(200, json=[]),
        ]
    )

    started = time.monotonic()
    with captured_logs() as lines:
        assert await client.request("GET", "/pages") == []

    assert time.monotonic() - started < 2
    assert route.call_count == 2
    assert any("no complete answer within the 0.3s deadline" in line for line in lines)


async def test_a_body_over_the_bound_is_refused_unread_and_not_retried(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    client = make_client(clock, max_body_bytes=1_000)
    route = api.get(f"{API}/pages").respond(200, json=[{"id": "x" * 2_000}])

    with pytest.raises(VendorApiError, match="over 1000 bytes"):
        await client.request("GET", "/pages")
    assert route.call_count == 1


@pytest.mark.parametrize("status", [420, 429])
async def test_rate_limit_answers_wait_as_long_as_retry_after_says(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    route = api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(
                status, headers={"Retry-After": "7"}, json={"error": "Rate limited"}
            ),
            httpx.Response(200, json=[]),
        ]
    )

    assert await client.request("GET", "/pages") == []

    assert route.call_count == 2
    assert clock.now == pytest.approx(7)


async def test_retry_after_as_an_http_date_is_honoured(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock
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

    await client.request("GET", "/pages")

    assert clock.now == pytest.approx(12)


@pytest.mark.parametrize(
    "retry_after", ["86400", "Fri, 01 Jan 2100 00:00:00 GMT", "1e300"]
)
async def test_an_absurd_retry_after_is_capped_at_the_window_and_said_so(
    api: respx.MockRouter, clock: FakeClock, retry_after: str
) -> None:
    client = make_client(clock, window=30)
    api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": retry_after}),
            httpx.Response(200, json=[]),
        ]
    )

    with captured_logs() as lines:
        await client.request("GET", "/pages")

    assert clock.now == pytest.approx(30)
    [warning] = [line for line in lines if "rate limit hit" in line]
    assert "pausing all its requests for 30.0s" in warning
    assert "capped" in warning


@pytest.mark.parametrize("retry_after", ["inf", "nan", "-5", "soon", ""])
async def test_a_nonsense_retry_after_is_taken_as_absent(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock, retry_after: str
) -> None:
    api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": retry_after}),
            httpx.Response(200, json=[]),
        ]
    )

    await client.request("GET", "/pages")

    assert clock.now == pytest.approx(RetryPolicy().default_rate_limit_wait_seconds)


async def test_endless_rate_limiting_gives_up_with_advice(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    client = make_client(clock, max_rate_limit_waits=3)
    route = api.get(f"{API}/pages").respond(420, headers={"Retry-After": "1"})

    with pytest.raises(VendorApiError, match="still rate limited"):
        await client.request("GET", "/pages")
    assert route.call_count == 4


async def test_a_rate_limit_answer_pauses_other_requests_too(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(f"{API}/pages").mock(
        side_effect=[
            httpx.Response(420, headers={"Retry-After": "30"}),
            httpx.Response(200, json=[]),
        ]
    )
    component = api.get(f"{API}/pages/p1/components/c1").respond(json={"id": "c1"})

    await client.request("GET", "/pages")
    sent_before = clock.now
    await client.request("GET", "/pages/p1/components/c1")

    assert sent_before == pytest.approx(30)
    assert component.call_count == 1


async def pages_of(fetched: list[int], pages: list[list[Item]]) -> list[list[Item]]:
    async def fetch_page(number: int) -> tuple[list[Item], bool]:
        fetched.append(number)
        return pages[number - 1], number == len(pages)

    return [batch async for batch in paginate(fetch_page, "GET /things")]


async def test_paging_yields_each_page_until_the_last() -> None:
    fetched: list[int] = []
    pages = [[{"id": "a"}, {"id": "b"}], [], [{"id": "c"}]]

    assert await pages_of(fetched, pages) == [[{"id": "a"}, {"id": "b"}], [{"id": "c"}]]
    assert fetched == [1, 2, 3]


async def test_a_server_that_ignores_paging_fails_the_list_at_the_repeat() -> None:
    fetched: list[int] = []
    same = [{"id": f"i{n}"} for n in range(100)]

    async def fetch_page(number: int) -> tuple[list[Item], bool]:
        fetched.append(number)
        return same, False

    with pytest.raises(VendorApiError, match="GET /things: page 2 repeated page 1"):
        async for _ in paginate(fetch_page, "GET /things"):
            pass
    assert fetched == [1, 2]


async def test_a_list_that_never_ends_fails_at_the_bound() -> None:
    counter = itertools.count()

    async def fetch_page(number: int) -> tuple[list[Item], bool]:
        return [{"id": str(next(counter))}], False

    pages = 0

    async def read_all() -> None:
        nonlocal pages
        async for _ in paginate(fetch_page, "GET /things"):
            pages += 1

    with pytest.raises(VendorApiError, match=f"not ended after {MAX_LIST_PAGES}"):
        await read_all()
    assert pages == MAX_LIST_PAGES


async def test_a_redirect_is_an_error_at_once_never_followed(
    client: ApiClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    moved = api.get(f"{API}/pages").respond(
        302, headers={"Location": "https://elsewhere.test/pages"}
    )

    with pytest.raises(VendorApiError, match="redirect"):
        await client.request("GET", "/pages")

    assert moved.call_count == 1
    assert clock.sleeps == []


async def test_a_keyless_dialect_sends_no_authorization_and_says_what_refused(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    public = Dialect(
        name="Public status",
        key_setting="",
        auth_scheme=None,
        error_message=lambda body: None,
    )
    limiter = SlidingWindowRateLimiter(10, 10, clock=clock, sleep=clock.sleep)
    client = ApiClient(public, "", None, limiter, sleep=clock.sleep)
    route = api.get("https://status.example.com/api/v2/status.json").respond(401)

    with pytest.raises(VendorAuthError) as refused:
        await client.request("GET", "https://status.example.com/api/v2/status.json")

    assert "authorization" not in route.calls.last.request.headers
    assert "not public" in str(refused.value)
    assert "API key" not in str(refused.value)


async def test_a_403_on_a_write_says_the_key_lacks_a_permission_not_that_it_is_refused(
    client: ApiClient, api: respx.MockRouter
) -> None:
    api.post(f"{API}/pages/p1/incidents").respond(
        403, json={"error": "Your role cannot create incidents"}
    )

    with pytest.raises(VendorApiError) as refused:
        await client.request("POST", "/pages/p1/incidents", json={}, write=Write.ONCE)

    message = str(refused.value)
    assert not isinstance(refused.value, VendorAuthError)
    assert "Your role cannot create incidents" in message
    assert "role or permission" in message
    assert "vendorApiKey" not in message
    assert KEY not in message


async def test_a_401_on_a_write_still_names_the_key_setting(
    client: ApiClient, api: respx.MockRouter
) -> None:
    api.post(f"{API}/pages/p1/incidents").respond(401, json={"error": "Unauthorized"})

    with pytest.raises(VendorAuthError, match="vendorApiKey"):
        await client.request("POST", "/pages/p1/incidents", json={}, write=Write.ONCE)


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(502), httpx.ReadTimeout("slow"), httpx.Response(201, content=b"{")],
)
async def test_a_write_made_once_is_not_sent_again_once_it_may_have_arrived(
    client: ApiClient, api: respx.MockRouter, failure: Any
) -> None:
    route = api.post(f"{API}/pages/p1/incidents").mock(
        side_effect=[failure, httpx.Response(201, json={"id": "i2"})]
    )

    with pytest.raises(VendorApiError, match="not sent again") as failed:
        await client.request("POST", "/pages/p1/incidents", json={}, write=Write.ONCE)

    assert route.call_count == 1
    assert KEY not in str(failed.value)


async def test_a_write_is_sent_again_when_it_never_reached_the_vendor(
    client: ApiClient, api: respx.MockRouter
) -> None:
    route = api.post(f"{API}/pages/p1/incidents").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(201, json={"id": "i1"}),
        ]
    )

    created = await client.request(
        "POST", "/pages/p1/incidents", json={}, write=Write.ONCE
    )

    assert created == {"id": "i1"}
    assert route.call_count == 2


async def test_a_repeatable_write_and_a_rate_limited_write_are_sent_again(
    client: ApiClient, api: respx.MockRouter
) -> None:
    status = api.patch(f"{API}/pages/p1/components/c1").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"id": "c1"})]
    )
    create = api.post(f"{API}/pages/p1/incidents").mock(
        side_effect=[
            httpx.Response(420, headers={"Retry-After": "1"}),
            httpx.Response(201, json={"id": "i1"}),
        ]
    )

    await client.request(
        "PATCH", "/pages/p1/components/c1", json={}, write=Write.REPEATABLE
    )
    await client.request("POST", "/pages/p1/incidents", json={}, write=Write.ONCE)

    assert (status.call_count, create.call_count) == (2, 2)


def public_only_client(clock: FakeClock, **addresses: list[str]) -> ApiClient:
    """A keyless client of the public internet only; `addresses` is what DNS answers, by
    host (with `_` for `.`); any other name is unknown to it."""

    async def resolve(host: str, port: int) -> list[str]:
        try:
            return addresses[host.replace(".", "_")]
        except KeyError:
            raise OSError(f"unknown host {host}") from None

    limiter = SlidingWindowRateLimiter(60, 60, clock=clock, sleep=clock.sleep)
    return ApiClient(
        DIALECT,
        "",
        None,
        limiter,
        RetryPolicy(max_attempts=2),
        sleep=clock.sleep,
        destinations=PublicInternetOnly(resolve),
    )


@pytest.mark.parametrize(
    ("url", "addresses", "why"),
    [
        ("http://status.acme.test/s.json", ["93.184.215.14"], "only https"),
        ("https://127.0.0.1/s.json", None, "127.0.0.1, not a public"),
        ("https://169.254.169.254/latest", None, "169.254.169.254, not a public"),
        ("https://[::ffff:10.0.0.1]/s.json", None, "::ffff:10.0.0.1, not a public"),
        ("https://status.acme.test/s.json", ["10.0.0.7"], "10.0.0.7, not a public"),
        (
            "https://status.acme.test/s.json",
            ["93.184.215.14", "169.254.169.254"],
            "169.254.169.254, not a public",
        ),
        ("https://status.acme.test/s.json", [], "no address"),
    ],
)
async def test_a_public_only_client_refuses_what_is_not_on_the_public_internet_unsent(
    clock: FakeClock,
    api: respx.MockRouter,
    url: str,
    addresses: list[str] | None,
    why: str,
) -> None:
    sent = api.route().respond(json={})
    dns = {"status_acme_test": addresses} if addresses is not None else {}
    client = public_only_client(clock, **dns)

    with pytest.raises(AddressRefusedError, match=why):
        await client.request("GET", url)

    assert not sent.called
    assert clock.sleeps == []


async def test_a_public_only_client_sends_to_the_address_it_checked(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    pinned = api.get("https://93.184.215.14/api/v2/status.json").respond(
        json={"status": "ok"}
    )
    client = public_only_client(
        clock,
        status_acme_test=["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    )

    answer = await client.request("GET", "https://status.acme.test/api/v2/status.json")

    assert answer == {"status": "ok"}
    request = pinned.calls.last.request
    # The name stays the host's, for the Host header and TLS (its certificate is checked
    # against it, not against the address).
    assert request.headers["Host"] == "status.acme.test"
    assert request.extensions["sni_hostname"] == "status.acme.test"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:85e5", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.100.100.200", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00:ec2::254", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("2002:a9fe:a9fe::1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(address) is public
