"""Every resync gives every page its overall status, through Ocean's harness with Statuspage
and the pages' public status APIs mocked at HTTP: published where the page is public, derived
from its components and incidents where it is private or the public API fails."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from sync.breaker import MAX_FAILURES_IN_A_ROW as MAX_PUBLISHED_FAILURES_IN_A_ROW
from tests.support import (
    HOST,
    FakeAccount,
    api_calls,
    fail_path,
    only_kinds,
    public_status,
    public_status_url,
)

STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def pages_of(result: Any) -> dict[str, dict[str, Any]]:
    return {
        e["identifier"]: e["properties"]
        for e in result.upserted_entities
        if e["blueprint"] == "statuspage"
    }


def published_calls(router: respx.MockRouter) -> list[httpx.Request]:
    return [c.request for c in router.calls if c.request.url.host != "statuspage.test"]


def make_private(account: FakeAccount, page_id: str) -> None:
    page = next(p for p in account.pages if p["id"] == page_id)
    page["viewers_must_be_team_members"] = True


def degrade(account: FakeAccount, page_id: str) -> None:
    """One partial outage and one open minor incident: a `major` page."""
    account.components[page_id][-1]["status"] = "partial_outage"
    account.incidents[page_id][0] = {
        **account.incidents[page_id][0],
        "status": "investigating",
        "impact": "minor",
    }


async def test_a_public_page_has_its_published_status_asked_without_the_key(
    api: respx.MockRouter, run_harness: Any, api_key: str
) -> None:
    account = FakeAccount.generate(page_ids=("p1", "p2"), incidents=2)
    account.published["p1"] = public_status("p1", "major", "Partial System Outage")
    account.serve(api)

    async with run_harness(host=HOST) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    pages = pages_of(result)
    assert pages["p1"]["status_indicator"] == "major"
    assert pages["p1"]["status_description"] == "Partial System Outage"
    assert pages["p1"]["status_source"] == "public_api"
    assert pages["p2"]["status_indicator"] == "none"
    published = published_calls(api)
    assert [str(r.url) for r in published] == [
        public_status_url("p1"),
        public_status_url("p2"),
    ]
    for request in published:
        assert "authorization" not in request.headers
        assert api_key not in str(request.url) + str(request.headers)


async def test_a_custom_domain_is_asked_rather_than_the_subdomain(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    account = FakeAccount.generate(incidents=1)
    account.pages[0]["url"] = "https://status.example.com/"
    account.serve(api)
    custom = api.get("https://status.example.com/api/v2/status.json").respond(
        json=public_status("p1", "critical", "Major System Outage")
    )

    async with run_harness(
        host=HOST, mapping=only_kinds(shipped_mapping, "statuspage")
    ) as harness:
        result = await harness.trigger_resync()

    assert custom.call_count == 1
    assert pages_of(result)["p1"]["status_indicator"] == "critical"


async def test_a_private_page_s_status_is_derived_at_no_extra_api_request(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(groups=5, components=20, incidents=50, updates=3)
    make_private(account, "p1")
    degrade(account, "p1")
    account.serve(api)

    async with run_harness(host=HOST) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    page = pages_of(result)["p1"]
    assert (page["status_indicator"], page["status_description"]) == (
        "major",
        "Partial System Outage",
    )
    assert page["status_source"] == "derived"
    assert published_calls(api) == []
    # The components and incidents read for it are the ones their kinds sync.
    assert len(api_calls(api)) == 4


async def test_deriving_costs_the_page_s_lists_when_only_pages_are_mapped(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    account = FakeAccount.generate(components=20, incidents=150)
    make_private(account, "p1")
    account.serve(api)

    async with run_harness(
        host=HOST, mapping=only_kinds(shipped_mapping, "statuspage")
    ) as harness:
        result = await harness.trigger_resync()

    assert pages_of(result)["p1"]["status_source"] == "derived"
    # The page list, one page of components and two of incidents.
    assert len(api_calls(api)) == 4


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
    api: respx.MockRouter, run_harness: Any, failure: httpx.Response | Exception
) -> None:
    account = FakeAccount.generate(incidents=3)
    degrade(account, "p1")
    account.serve(api)
    published = api.get(public_status_url("p1"))
    if isinstance(failure, Exception):
        published.mock(side_effect=failure)
    else:
        published.mock(return_value=failure)

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    page = pages_of(result)["p1"]
    assert (page["status_indicator"], page["status_source"]) == ("major", "derived")
    # A healthy resync otherwise: only what Statuspage no longer has is deleted.
    assert result.deleted_entities == [STALE]
    # Few attempts on a host that is only a shortcut.
    assert 1 <= published.call_count <= 2


async def test_after_a_few_public_failures_in_a_row_the_other_pages_are_derived(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    page_ids = tuple(f"p{n}" for n in range(MAX_PUBLISHED_FAILURES_IN_A_ROW + 3))
    account = FakeAccount.generate(page_ids=page_ids, components=2, incidents=1)
    account.published.clear()
    account.serve(api)
    published = api.get(url__regex=r"https://p\d+\.statuspage\.io/.*").respond(
        503, json={"error": "down"}
    )

    async with run_harness(
        host=HOST, mapping=only_kinds(shipped_mapping, "statuspage", "component")
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    pages = pages_of(result)
    assert {p["status_source"] for p in pages.values()} == {"derived"}
    assert len(pages) == len(page_ids)
    asked = {request.url.host for request in published_calls(api)}
    assert len(asked) == MAX_PUBLISHED_FAILURES_IN_A_ROW
    assert published.call_count <= 2 * MAX_PUBLISHED_FAILURES_IN_A_ROW


async def test_a_page_with_no_status_to_be_had_is_named_and_nothing_is_deleted(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    account = FakeAccount.generate(page_ids=("p1", "p2"), incidents=2)
    make_private(account, "p1")
    account.serve(api, gate=fail_path("/v1/pages/p1/incidents", 500))

    async with run_harness(
        host=HOST,
        mapping=only_kinds(shipped_mapping, "statuspage"),
        port_entities=account.in_port(STALE),
    ) as harness:
        result = await harness.trigger_resync()

    # Upserting p1 without a status would blank it in Port: it is left as it is.
    assert set(pages_of(result)) == {"p2"}
    assert any("page p1 (its status)" in str(error) for error in result.errors)
    assert result.deleted_entities == []
