"""Every resync gives every page its overall status, through Ocean's harness with Statuspage
and the pages' public status APIs served by the emulator: published where the page is public,
derived from its components and incidents where it is private or the public API fails.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.core import EmulatorCore
from sandbox.statuspage.model import PageState
from sandbox.statuspage.server import StatuspageEmulator
from sync.breaker import MAX_FAILURES_IN_A_ROW as MAX_PUBLISHED_FAILURES_IN_A_ROW
from tests.conftest import Emulate
from tests.support import api_calls, fail, in_port, only_kinds, pages_of, sent
from vendors.statuspage.public_status import STATUS_PATH

STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}


def statuses_of(result: Any) -> dict[str, dict[str, Any]]:
    return {
        e["identifier"]: e["properties"]
        for e in result.upserted_entities
        if e["blueprint"] == "statuspage"
    }


def published_calls(harness: Any) -> list[httpx.Request]:
    return [r for r in sent(harness) if r.url.path.startswith(f"{PUBLIC_PREFIX}/")]


def status_url(served: StatuspageEmulator, page: PageState) -> str:
    """Where the emulator publishes the page's status: the page's `url` (its own domain)."""
    return f"{served.base_url}{PUBLIC_PREFIX}/{page.page['subdomain']}{STATUS_PATH}"


def degrade(served: EmulatorCore, page: PageState) -> tuple[str, str]:
    """One partial outage and one open minor incident; returns the page's status then."""
    member = next(c for c in page.components.values() if not c["group"])
    served.set_component_status(page.page_id, member["id"], "partial_outage")
    served.add_incident(page.page_id, status="investigating", impact="minor")
    status = served.page_status(page.page_id)
    assert status[0] != "none"
    return status


@pytest.fixture
def public_api() -> Iterator[respx.MockRouter]:
    """Narrow mocks of a public status API; the API's requests reach the emulator."""
    with respx.mock(assert_all_called=False) as router:
        router.route(path__startswith="/v1/").pass_through()
        yield router


async def test_a_public_page_has_its_published_status_asked_without_the_key(
    emulate: Emulate, run_harness: Any, api_key: str
) -> None:
    served = emulate(pages=2, incidents=2)
    first, second = pages_of(served)
    published = degrade(served, first)

    async with run_harness(host=served.base_url) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    pages = statuses_of(result)
    page = pages[first.page_id]
    assert (page["status_indicator"], page["status_description"]) == published
    assert page["status_source"] == "public_api"
    assert pages[second.page_id]["status_indicator"] == (
        served.page_status(second.page_id)[0]
    )
    requests = published_calls(harness)
    assert [str(r.url) for r in requests] == [
        status_url(served, first),
        status_url(served, second),
    ]
    for request in requests:
        assert "authorization" not in request.headers
        assert api_key not in str(request.url) + str(request.headers)


async def test_a_custom_domain_is_asked_rather_than_the_subdomain(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    served = emulate(incidents=1)
    [page] = pages_of(served)
    member = next(c for c in page.components.values() if not c["group"])
    served.set_component_status(page.page_id, member["id"], "major_outage")

    async with run_harness(
        host=served.base_url, mapping=only_kinds(shipped_mapping, "statuspage")
    ) as harness:
        result = await harness.trigger_resync()

    # The page's url is the emulator's address, not <subdomain>.statuspage.io.
    assert [str(r.url) for r in published_calls(harness)] == [status_url(served, page)]
    assert statuses_of(result)[page.page_id]["status_indicator"] == "critical"


async def test_a_private_page_s_status_is_derived_at_no_extra_api_request(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(groups=5, components=20, incidents=50, updates=3)
    [page] = pages_of(served)
    served.set_page_private(page.page_id)
    derived = degrade(served, page)

    async with run_harness(host=served.base_url) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    status = statuses_of(result)[page.page_id]
    assert (status["status_indicator"], status["status_description"]) == derived
    assert status["status_source"] == "derived"
    assert published_calls(harness) == []
    # The components and incidents read for it are the ones their kinds sync.
    assert len(api_calls(harness)) == 4


async def test_deriving_costs_the_page_s_lists_when_only_pages_are_mapped(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    served = emulate(components=20, incidents=150)
    [page] = pages_of(served)
    served.set_page_private(page.page_id)

    async with run_harness(
        host=served.base_url, mapping=only_kinds(shipped_mapping, "statuspage")
    ) as harness:
        result = await harness.trigger_resync()

    assert statuses_of(result)[page.page_id]["status_source"] == "derived"
    # The page list, one page of components and two of incidents.
    assert len(api_calls(harness)) == 4


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"error": "down"}),
        httpx.Response(404, text="<html>Not found</html>"),
        httpx.Response(302, headers={"Location": "https://id.atlassian.com/login"}),
        httpx.Response(200, json={"status": {"indicator": "purple"}}),
        httpx.Response(200, text="<html>status page</html>"),
        httpx.ConnectError("no route to host"),
    ],
)
async def test_a_failing_public_status_falls_back_to_derived_and_fails_nothing(
    emulate: Emulate,
    run_harness: Any,
    public_api: respx.MockRouter,
    failure: httpx.Response | Exception,
) -> None:
    served = emulate(incidents=3)
    [page] = pages_of(served)
    derived = degrade(served, page)
    published = public_api.get(status_url(served, page))
    if isinstance(failure, Exception):
        published.mock(side_effect=failure)
    else:
        published.mock(return_value=failure)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    status = statuses_of(result)[page.page_id]
    assert (status["status_indicator"], status["status_source"]) == (
        derived[0],
        "derived",
    )
    # A healthy resync otherwise: only what Statuspage no longer has is deleted.
    assert result.deleted_entities == [STALE]
    # Few attempts on a host that is only a shortcut.
    assert 1 <= published.call_count <= 2


async def test_after_a_few_public_failures_in_a_row_the_other_pages_are_derived(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    count = MAX_PUBLISHED_FAILURES_IN_A_ROW + 3
    served = emulate(pages=count, components=2, incidents=1)
    fail(served, f"{PUBLIC_PREFIX}/*", 503)

    async with run_harness(
        host=served.base_url,
        mapping=only_kinds(shipped_mapping, "statuspage", "component"),
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    pages = statuses_of(result)
    assert {p["status_source"] for p in pages.values()} == {"derived"}
    assert len(pages) == count
    asked = published_calls(harness)
    assert len({request.url.path for request in asked}) == (
        MAX_PUBLISHED_FAILURES_IN_A_ROW
    )
    assert len(asked) <= 2 * MAX_PUBLISHED_FAILURES_IN_A_ROW


async def test_a_page_with_no_status_to_be_had_is_named_and_nothing_is_deleted(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    served = emulate(pages=2, incidents=2)
    first, second = pages_of(served)
    served.set_page_private(first.page_id)
    fail(served, f"/v1/pages/{first.page_id}/incidents", 500)

    async with run_harness(
        host=served.base_url,
        mapping=only_kinds(shipped_mapping, "statuspage"),
        port_entities=in_port(served, STALE),
    ) as harness:
        result = await harness.trigger_resync()

    # Upserting p1 without a status would blank it in Port: it is left as it is.
    assert set(statuses_of(result)) == {second.page_id}
    assert any(
        f"page {first.page_id} (its status)" in str(error) for error in result.errors
    )
    assert result.deleted_entities == []
