"""Ocean's incremental sync (`incrementalSyncEnabled`) through Ocean's own machinery
(IntegrationTestHarness), the vendors served by the emulator: each run reads only what can have changed
since the cursor, lands it, deletes nothing, and a failed kind keeps its cursor."""

from collections import Counter
from typing import Any

import pytest

from sandbox.change import make_change
from sandbox.statuspage.api import INCIDENT_LISTS
from sandbox.statuspage.model import PageState
from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import (
    api_calls,
    fail,
    in_port,
    pages_of,
    sent,
    trigger_incremental,
)

STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}
PAGES = 2
# Every list an incremental run reads per page: groups, components, the open incidents, the
# upcoming and the running maintenance, and the newest incidents.
LISTS_PER_PAGE = 6
OPEN = frozenset().union(*INCIDENT_LISTS.values())


def with_history(emulate: Emulate, incidents: int) -> StatuspageEmulator:
    """Two pages of `incidents` incidents each, newest first and all long past (the emulator
    dates its data in 2023-2025), some of each page still open."""
    served = emulate(pages=PAGES, incidents=incidents)
    assert all(open_incidents(page) for page in pages_of(served))
    return served


def open_incidents(page: PageState) -> set[str]:
    """The page's incidents still open, or maintenance still to come or under way."""
    return {i for i, r in page.incidents.items() if r.fields["status"] in OPEN}


def by_key(entities: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["blueprint"], e["identifier"]): e for e in entities}


@pytest.mark.parametrize("incidents", [51, 1000])
async def test_a_change_lands_in_1_plus_6_requests_a_page_whatever_the_history(
    emulate: Emulate, run_harness: Any, incidents: int
) -> None:
    served = with_history(emulate, incidents)
    # What changed upstream since the last run: a component went down, and an open
    # incident of the first page got an update.
    change = make_change(served)
    [first, second] = pages_of(served)

    # Uptime is on, but read by full resyncs only.
    async with run_harness(
        host=served.base_url,
        port_entities=in_port(served, STALE),
        incremental=True,
        component_uptime=True,
    ) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    assert len(api_calls(harness)) == 1 + LISTS_PER_PAGE * PAGES
    landed = by_key(result.upserted_entities)
    component = landed[("statuspageComponent", change.component_id)]
    assert component["properties"]["status"] == "major_outage"
    incident = first.render_incident(change.incident_id)
    assert landed[("statuspageIncident", change.incident_id)]["properties"][
        "status"
    ] == (incident["status"])
    assert ("statuspageIncidentUpdate", change.update_id) in landed
    # Only the open incidents and what changed, not the history.
    incidents_upserted = {i for bp, i in landed if bp == "statuspageIncident"}
    assert incidents_upserted == open_incidents(first) | open_incidents(second) | {
        change.incident_id
    }
    assert result.deleted_entities == []
    # Each kind saved the run's start as its cursor.
    kinds = Counter(kind for kind, _ in result.saved_cursors)
    assert kinds == {
        "statuspage": 1,
        "incident": 1,
        "incident_update": 1,
        "component_group": 1,
        "component": 2,  # its two resources, each with its cursor
    }
    assert len({cursor for _, cursor in result.saved_cursors}) == 1


async def test_the_newest_pages_are_read_until_one_holds_an_older_incident(
    emulate: Emulate, run_harness: Any
) -> None:
    served = with_history(emulate, 348)
    pages = pages_of(served)
    # 150 incidents opened and resolved since the cursor on each page, ahead of history.
    recent = {
        served.add_incident(page.page_id, status="resolved")["id"]
        for page in pages
        for _ in range(150)
    }

    async with run_harness(host=served.base_url, incremental=True) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    newest_pages = [
        request
        for request in api_calls(harness)
        if request.url.path == f"/v1/pages/{pages[0].page_id}/incidents"
    ]
    assert [request.url.params["page"] for request in newest_pages] == ["1", "2"]
    landed = {
        i for bp, i in by_key(result.upserted_entities) if bp.endswith("Incident")
    }
    assert landed == recent | open_incidents(pages[0]) | open_incidents(pages[1])


async def test_a_failed_kind_keeps_its_cursor_deletes_nothing_and_fails_the_run(
    emulate: Emulate, run_harness: Any
) -> None:
    served = with_history(emulate, 51)
    first, second = pages_of(served)
    fail(served, f"/v1/pages/{first.page_id}/incidents/unresolved", 403)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE), incremental=True
    ) as harness:
        result = await trigger_incremental(harness)

    # The kinds before it advanced; it, and the kinds Ocean did not run after it, did not.
    assert [kind for kind, _ in result.saved_cursors] == ["statuspage"]
    assert result.verdict is not None
    assert f"statuspage page {first.page_id}" in result.verdict
    assert "[incident]" in result.verdict
    assert result.deleted_entities == []
    # The second page was still read and landed.
    landed = by_key(result.upserted_entities)
    assert all(("statuspageIncident", i) in landed for i in open_incidents(second))


async def test_onlineornot_reads_in_detail_only_the_incidents_open_or_changed(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate("oon-token", incidents=5)
    [page] = pages_of(served)
    opened = open_incidents(page)
    ended = [i for i, r in page.incidents.items() if r.fields["resolved_at"]]
    assert opened
    assert ended
    # An update that changes nothing but the incident's time of change.
    served.add_incident_update(page.page_id, ended[0], "resolved")

    async with run_harness(
        host=served.base_url,
        incremental=True,
        statuspage_api_key="",
        onlineornot_api_key="oon-token",
        onlineornot_host=served.base_url,
    ) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    details = [
        request.url.path.rsplit("/", 1)[-1]
        for request in sent(harness)
        if "/incidents/" in request.url.path
    ]
    assert sorted(details) == sorted(opened | {ended[0]})
    landed = {
        i for bp, i in by_key(result.upserted_entities) if bp.endswith("Incident")
    }
    assert landed == {f"onlineornot-{i}" for i in opened | {ended[0]}}


async def test_without_incremental_sync_enabled_no_incremental_handler_is_registered(
    emulate: Emulate, run_harness: Any
) -> None:
    served = with_history(emulate, 51)

    async with run_harness(host=served.base_url) as harness:
        result = await trigger_incremental(harness)

    assert sent(harness) == []
    assert result.saved_cursors == []
    assert result.upserted_entities == []


async def test_a_vendor_failing_on_its_page_list_fails_the_run(
    emulate: Emulate, run_harness: Any
) -> None:
    served = with_history(emulate, 51)
    fail(served, "/v1/*", 401)

    async with run_harness(host=served.base_url, incremental=True) as harness:
        result = await trigger_incremental(harness)

    assert result.saved_cursors == []
    assert result.verdict is not None
    assert "statuspageApiKey" in result.verdict
    assert result.upserted_entities == []
