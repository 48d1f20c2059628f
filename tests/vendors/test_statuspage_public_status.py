"""Statuspage's published page status and component uptime, at the HTTP boundary."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import respx

from client import VendorApiError
from live_events.trust import Installation
from runtime import Runtime
from tests.support import HOST, ocean_context, public_status, settings_of
from vendors.statuspage import StatuspageVendor
from vendors.statuspage.public_status import published_status, status_url

KEY = "sk-live-very-secret"


@pytest.fixture
def vendor() -> Iterator[StatuspageVendor]:
    """The vendor as the runtime builds it, with its keyless public client."""
    with ocean_context():
        # respx answers the pages' hosts, which DNS does not know here.
        settings = settings_of(
            {
                "statuspage_api_key": KEY,
                "statuspage_host": HOST,
                "allow_private_status_urls": True,
            }
        )
        built = Runtime(settings, Installation("client-id", "identifier")).vendor(
            "statuspage"
        )
        assert isinstance(built, StatuspageVendor)
        yield built


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True) as router:
        yield router


@pytest.mark.parametrize(
    ("page", "url"),
    [
        (
            {"subdomain": "ctrlvsolutions", "url": None},
            "https://ctrlvsolutions.statuspage.io/api/v2/status.json",
        ),
        (
            {"subdomain": "acme", "url": "https://status.acme.com/"},
            "https://status.acme.com/api/v2/status.json",
        ),
        (
            {"subdomain": "acme", "url": "not a url"},
            "https://acme.statuspage.io/api/v2/status.json",
        ),
        ({"subdomain": "acme", "viewers_must_be_team_members": True}, None),
        ({"subdomain": "acme", "ip_restrictions": "10.0.0.0/8"}, None),
        ({"subdomain": "evil.example.com/x", "url": None}, None),
        ({"subdomain": None, "url": None}, None),
    ],
)
def test_where_a_page_publishes_its_status(
    page: dict[str, Any], url: str | None
) -> None:
    assert status_url(page) == url


def test_a_status_answer_gives_its_status_and_when_the_page_last_changed() -> None:
    answer = public_status("p1", "maintenance", "Service Under Maintenance")

    status = published_status(answer, "u")

    assert (status.indicator, status.description) == (
        "maintenance",
        "Service Under Maintenance",
    )
    assert status.updated_at == datetime(2024, 6, 26, 3, 49, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"status": {"indicator": "purple", "description": "?"}},
        {"status": {"indicator": "none"}},
        {"page": {}, "status": "none"},
    ],
)
def test_an_answer_without_a_known_status_is_an_error(body: Any) -> None:
    with pytest.raises(VendorApiError, match="no status indicator"):
        published_status(body, "https://acme.statuspage.io/api/v2/status.json")


async def test_the_published_status_is_asked_without_the_key(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get("https://acme.statuspage.io/api/v2/status.json").respond(
        json=public_status("p1", "minor", "Minor Service Outage")
    )

    status = await vendor.published_status({"id": "p1", "subdomain": "acme"})

    assert status is not None
    assert status.indicator == "minor"
    request = route.calls.last.request
    assert "authorization" not in request.headers
    assert KEY not in str(request.headers)


async def test_a_private_page_s_status_is_never_asked(
    vendor: StatuspageVendor,
) -> None:
    # No route is mocked: a request would fail the test.
    with respx.mock(assert_all_mocked=True, assert_all_called=False):
        private = {
            "id": "p1",
            "subdomain": "acme",
            "viewers_must_be_team_members": True,
        }
        assert await vendor.published_status(private) is None


async def test_uptime_is_asked_over_whole_days_ending_today(
    vendor: StatuspageVendor, api: respx.MockRouter
) -> None:
    route = api.get(f"{HOST}/v1/pages/p1/components/c1/uptime").respond(
        json={"id": "c1", "uptime_percentage": 99.87, "range_start": "x"}
    )

    uptime = await vendor.component_uptime("p1", "c1", 30)

    assert uptime == 99.87
    params = route.calls.last.request.url.params
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    assert (end - start).days == 29
    assert route.calls.last.request.headers["authorization"] == f"OAuth {KEY}"


@pytest.mark.parametrize("percentage", [None, "99.9", True])
async def test_an_uptime_answer_without_a_percentage_gives_none(
    vendor: StatuspageVendor, api: respx.MockRouter, percentage: Any
) -> None:
    api.get(f"{HOST}/v1/pages/p1/components/c1/uptime").respond(
        json={"id": "c1", "uptime_percentage": percentage}
    )

    assert await vendor.component_uptime("p1", "c1", 30) is None


@pytest.mark.parametrize(
    ("component", "eligible"),
    [
        ({"group": False, "showcase": True}, True),
        ({"group": False, "showcase": False}, False),
        ({"group": True, "showcase": True}, False),
        ({"group": False}, False),
    ],
)
def test_uptime_is_read_only_for_components_that_showcase_it(
    vendor: StatuspageVendor, component: dict[str, Any], eligible: bool
) -> None:
    assert vendor.uptime_eligible(component) is eligible
