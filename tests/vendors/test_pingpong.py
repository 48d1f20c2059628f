"""PingPong's dialect at the HTTP boundary: `Token` auth, `{"detail": ...}` errors, bare arrays
(bounded), 429 with Retry-After, 404s that name their path; and its settings."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from client import VendorApiError, VendorAuthError, VendorNotFoundError
from core.settings import InvalidSettingError, VendorSettings
from tests.support import (
    PINGPONG_API,
    PINGPONG_HOST,
    FakeClock,
    api_client,
    detail,
    ocean_context,
    reads_of,
    settings_of,
)
from tests.webhook_processors.support import captured_logs
from vendors.pingpong import MAX_LIST_ITEMS, PingPongVendor

TOKEN = "5c10213ag542d5738bbeaabbe12f35ef9c89f537"
LIVE = {"project": "ACME Corp", "url": "https://acme.pingpong.one"}


def pingpong_settings(**config: Any) -> VendorSettings:
    settings = settings_of(
        {"pingpong_api_key": TOKEN, "pingpong_host": PINGPONG_HOST, **config}
    ).vendor("pingpong")
    assert settings is not None
    return settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_vendor(clock: FakeClock, **config: Any) -> PingPongVendor:
    settings = pingpong_settings(**config)
    api = api_client(PingPongVendor, settings, TOKEN, clock)
    return PingPongVendor(settings, api)


@pytest.fixture
def vendor(clock: FakeClock) -> Iterator[PingPongVendor]:
    with ocean_context():
        yield make_vendor(clock)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


async def test_requests_carry_the_token_and_the_page_is_the_project(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{PINGPONG_API}/live").respond(json=LIVE)

    (page,) = await vendor.pages()

    assert route.calls.last.request.headers["Authorization"] == f"Token {TOKEN}"
    assert page["id"] == "pingpong-acme-corp"
    assert page["name"] == "ACME Corp"


async def test_a_configured_page_id_names_the_page_whatever_the_project_is_called(
    clock: FakeClock, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/live").respond(json={**LIVE, "project": "Renamed"})

    with ocean_context():
        (page,) = await make_vendor(clock, pingpong_page_id="acme").pages()

    assert page["id"] == "pingpong-acme"


async def test_without_a_project_name_the_error_asks_for_the_page_id_setting(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/live").respond(json={"url": "https://x.pingpong.one"})

    with pytest.raises(VendorApiError, match="pingpongPageId"):
        await vendor.pages()


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        ({"detail": "Invalid filter."}, "HTTP 400: Invalid filter."),
        (
            {"name": ["This field may not be blank."], "status": ["Bad.", "Worse."]},
            "HTTP 400: name: This field may not be blank.; status: Bad.; Worse.",
        ),
    ],
    ids=["detail", "field errors"],
)
async def test_its_error_messages_are_quoted(
    vendor: PingPongVendor, api: respx.MockRouter, body: Any, quoted: str
) -> None:
    api.get(f"{PINGPONG_API}/components").respond(400, json=body)

    with pytest.raises(VendorApiError) as raised:
        _ = [
            batch
            async for batch in vendor.components("pingpong-acme-corp", reads_of(vendor))
        ]

    assert quoted in str(raised.value)


async def test_a_refused_token_names_the_setting_and_is_never_shown(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/live").mock(return_value=detail(401, "Invalid token."))

    with (
        captured_logs() as lines,
        pytest.raises(VendorAuthError, match="pingpongApiKey") as refused,
    ):
        await vendor.pages()

    assert TOKEN not in str(refused.value)
    assert not any(TOKEN in line for line in lines)


async def test_a_list_is_one_bare_array_read_once_and_yielded_in_batches(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    components = [
        {"id": f"c{n:04d}", "name": f"n{n}", "status": "Operational"}
        for n in range(250)
    ]
    route = api.get(f"{PINGPONG_API}/components").respond(json=components)

    batches = [
        batch
        async for batch in vendor.components("pingpong-acme-corp", reads_of(vendor))
    ]

    assert route.call_count == 1
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert route.calls.last.request.url.params == httpx.QueryParams()


@pytest.mark.parametrize(
    "body",
    [
        {"results": []},
        [{"name": "no id"}],
        [{"id": ""}],
        "components",
    ],
    ids=["an object", "no id", "an empty id", "a string"],
)
async def test_a_list_that_is_not_an_array_of_objects_with_ids_is_an_error(
    vendor: PingPongVendor, api: respx.MockRouter, body: Any
) -> None:
    api.get(f"{PINGPONG_API}/components").respond(json=body)

    with pytest.raises(VendorApiError, match="GET /components answered"):
        _ = [
            batch
            async for batch in vendor.components("pingpong-acme-corp", reads_of(vendor))
        ]


async def test_a_list_longer_than_the_bound_is_refused_not_synced(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    too_many = [{"id": f"g{n}"} for n in range(MAX_LIST_ITEMS + 1)]
    api.get(f"{PINGPONG_API}/components").respond(json=too_many)

    with pytest.raises(VendorApiError, match=f"more than the {MAX_LIST_ITEMS}"):
        _ = [
            batch
            async for batch in vendor.components("pingpong-acme-corp", reads_of(vendor))
        ]


async def test_a_429_is_waited_out_as_retry_after_asks(
    vendor: PingPongVendor, api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(f"{PINGPONG_API}/status").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "7"},
                json={"detail": "Request was throttled."},
            ),
            httpx.Response(200, json={"status": "All systems down"}),
        ]
    )

    published = await vendor.published_status({"id": "pingpong-acme-corp"})

    assert published is not None
    assert published.indicator == "critical"
    assert clock.now >= 7


async def test_a_404_on_a_documented_path_asks_to_check_the_host(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/live").mock(return_value=detail(404, "Not found."))

    with pytest.raises(VendorNotFoundError) as raised:
        await vendor.pages()

    assert "GET /live, a path its docs give: check pingpongHost" in str(raised.value)


async def test_a_404_on_an_inferred_list_path_names_it_as_maybe_different(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/components").mock(return_value=detail(404, "Not found."))

    with pytest.raises(VendorNotFoundError) as raised:
        _ = [
            batch
            async for batch in vendor.components("pingpong-acme-corp", reads_of(vendor))
        ]

    assert "GET /components, a path inferred" in str(raised.value)
    assert "may differ for this account" in str(raised.value)


async def test_an_incident_by_id_is_else_a_maintenance(
    vendor: PingPongVendor, api: respx.MockRouter
) -> None:
    api.get(f"{PINGPONG_API}/incidents/k9g").mock(
        return_value=detail(404, "Not found.")
    )
    api.get(f"{PINGPONG_API}/maintenance/k9g").respond(
        json={"id": "k9g", "name": "Upgrade", "status": "Complete"}
    )

    found = await vendor.incident("pingpong-acme-corp", "pingpong-k9g")

    assert (found["id"], found["status"]) == ("pingpong-k9g", "completed")
    with pytest.raises(VendorNotFoundError):
        await vendor.incident("pingpong-acme-corp", "onlineornot-k9g")


# Settings -----------------------------------------------------------------------


def test_pingpong_alone_is_a_complete_configuration() -> None:
    settings = settings_of({"pingpong_api_key": f" {TOKEN} "})

    (pingpong,) = settings.vendors
    assert isinstance(pingpong, VendorSettings)
    assert pingpong.provider == "pingpong"
    assert pingpong.api_key == TOKEN
    assert pingpong.host == "https://api.pingpong.one/rest/v1"
    assert pingpong.page_id is None
    assert (pingpong.rate_limit.requests, pingpong.rate_limit.window_seconds) == (
        60,
        60,
    )
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("host", "base_url"),
    [
        ("https://api.pingpong.one", "https://api.pingpong.one/rest/v1"),
        ("https://api.pingpong.one/rest/v1/", "https://api.pingpong.one/rest/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/rest/v1"),
    ],
)
def test_the_host_may_carry_the_api_path(host: str, base_url: str) -> None:
    assert PingPongVendor.base_url(pingpong_settings(pingpong_host=host)) == base_url


def test_the_three_vendors_are_read_together() -> None:
    settings = settings_of(
        {
            "statuspage_api_key": "sp-key",
            "onlineornot_api_key": "oon-key",
            "pingpong_api_key": TOKEN,
            "pingpong_page_id": "acme-status",
        }
    )

    assert [v.provider for v in settings.vendors] == [
        "statuspage",
        "onlineornot",
        "pingpong",
    ]
    assert settings.vendors[2] == VendorSettings(
        provider="pingpong",
        api_key=TOKEN,
        host="https://api.pingpong.one/rest/v1",
        page_ids=(),
        rate_limit=settings.vendors[2].rate_limit,
        page_id="acme-status",
    )


@pytest.mark.parametrize(
    ("config", "setting", "says"),
    [
        ({"pingpong_host": "api.pingpong.one"}, "pingpongHost", "http(s) address"),
        (
            {"pingpong_host": "https://api.pingpong.one/rest/v2"},
            "pingpongHost",
            "Remove the path",
        ),
        ({"pingpong_page_id": "acme status"}, "pingpongPageId", "letters, digits"),
        ({"pingpong_page_id": "-acme"}, "pingpongPageId", "starting with"),
        ({"pingpong_page_id": "a" * 65}, "pingpongPageId", "up to 64"),
    ],
)
def test_bad_pingpong_values_name_the_setting_and_what_to_do(
    config: dict[str, Any], setting: str, says: str
) -> None:
    with pytest.raises(InvalidSettingError) as raised:
        pingpong_settings(**config)

    assert f"Invalid setting '{setting}'" in str(raised.value)
    assert says in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_without_any_key_the_error_names_pingpong_s_too() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        settings_of({"pingpong_api_key": " "})

    assert "pingpongApiKey" in str(raised.value)
