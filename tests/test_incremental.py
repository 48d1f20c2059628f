"""Ocean's incremental sync (`incrementalSyncEnabled`) through Ocean's own machinery
(IntegrationTestHarness), the vendors mocked at HTTP: each run reads only what can have changed
since the cursor, lands it, deletes nothing, and a failed kind keeps its cursor."""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from tests.support import (
    HOST,
    ONLINEORNOT_HOST,
    FakeAccount,
    FakeOnlineOrNot,
    api_calls,
    fail_path,
    trigger_incremental,
)

STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}
PAGES = ("p1", "p2")
# Every list an incremental run reads per page: groups, components, the open incidents, the
# upcoming and the running maintenance, and the newest incidents.
LISTS_PER_PAGE = 6
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def account_with_history(incidents: int) -> FakeAccount:
    """Two pages of `incidents` incidents each, newest first and all long past, the second
    one of each page still open (identified)."""
    account = FakeAccount.generate(page_ids=PAGES, incidents=incidents, updates=2)
    for listed in account.incidents.values():
        for age, incident in enumerate(listed):
            stamp = (LONG_AGO - timedelta(hours=age)).isoformat()
            incident["created_at"] = incident["updated_at"] = stamp
        listed[1]["status"] = "identified"
    return account


def change_a_component_and_post_an_update(account: FakeAccount) -> None:
    """What changed upstream since the last run: a component went down, and the open
    incident of p1 got an update."""
    now = datetime.now(UTC).isoformat()
    component = account.components["p1"][8]
    component.update(status="major_outage", updated_at=now)
    incident = account.incidents["p1"][1]
    update = {
        "id": "p1-i1-new",
        "incident_id": "p1-i1",
        "status": "monitoring",
        "body": "A fix is out; we are watching.",
        "affected_components": None,
    }
    incident.update(
        status="monitoring",
        updated_at=now,
        incident_updates=[update, *incident["incident_updates"]],
    )


def by_key(entities: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["blueprint"], e["identifier"]): e for e in entities}


@pytest.mark.parametrize("incidents", [50, 1000])
async def test_a_change_lands_in_1_plus_6_requests_a_page_whatever_the_history(
    api: respx.MockRouter, run_harness: Any, incidents: int
) -> None:
    account = account_with_history(incidents)
    change_a_component_and_post_an_update(account)
    account.serve(api)

    # Uptime is on, but read by full resyncs only.
    async with run_harness(
        host=HOST,
        port_entities=account.in_port(STALE),
        incremental=True,
        component_uptime=True,
    ) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    assert len(api_calls(api)) == 1 + LISTS_PER_PAGE * len(PAGES)
    landed = by_key(result.upserted_entities)
    component = landed[("statuspageComponent", "p1-c3")]
    assert component["properties"]["status"] == "major_outage"
    assert landed[("statuspageIncident", "p1-i1")]["properties"]["status"] == (
        "monitoring"
    )
    assert ("statuspageIncidentUpdate", "p1-i1-new") in landed
    # Only the open incidents and what changed, not the history.
    incidents_upserted = {i for bp, i in landed if bp == "statuspageIncident"}
    assert incidents_upserted == {"p1-i1", "p2-i1"}
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
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = account_with_history(350)
    recently = datetime.now(UTC) - timedelta(minutes=1)
    # 150 incidents opened and resolved since the cursor, newest first, ahead of history.
    for listed in account.incidents.values():
        for age, incident in enumerate(listed[:150]):
            stamp = (recently - timedelta(seconds=age)).isoformat()
            incident["created_at"] = incident["updated_at"] = stamp
    account.serve(api)

    async with run_harness(host=HOST, incremental=True) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    newest_pages = [
        call for call in api_calls(api) if call.url.path == "/v1/pages/p1/incidents"
    ]
    assert [call.url.params["page"] for call in newest_pages] == ["1", "2"]
    landed = {
        i for bp, i in by_key(result.upserted_entities) if bp.endswith("Incident")
    }
    assert landed == {f"{page}-i{n}" for page in PAGES for n in range(150)}


async def test_a_failed_kind_keeps_its_cursor_deletes_nothing_and_fails_the_run(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = account_with_history(50)
    account.serve(api, gate=fail_path("/v1/pages/p1/incidents/unresolved", 403))

    async with run_harness(
        host=HOST, port_entities=account.in_port(STALE), incremental=True
    ) as harness:
        result = await trigger_incremental(harness)

    # The kinds before it advanced; it, and the kinds Ocean did not run after it, did not.
    assert [kind for kind, _ in result.saved_cursors] == ["statuspage"]
    assert result.verdict is not None
    assert "statuspage page p1" in result.verdict
    assert "[incident]" in result.verdict
    assert result.deleted_entities == []
    # p2 was still read and landed.
    assert ("statuspageIncident", "p2-i1") in by_key(result.upserted_entities)


async def test_onlineornot_reads_in_detail_only_the_incidents_open_or_changed(
    api: respx.MockRouter, run_harness: Any
) -> None:
    onlineornot = FakeOnlineOrNot.generate(incidents=4, updates=2)
    incidents = onlineornot.incidents["p1"]
    incidents[1]["updated_at"] = datetime.now(UTC).isoformat()
    del incidents[2]["ended"]
    onlineornot.serve(api)

    async with run_harness(
        host=HOST,
        incremental=True,
        statuspage_api_key="",
        onlineornot_api_key="oon-token",
        onlineornot_host=ONLINEORNOT_HOST,
    ) as harness:
        result = await trigger_incremental(harness)

    assert result.verdict is None
    details = [
        call.request.url.path.rsplit("/", 1)[-1]
        for call in api.calls
        if "/incidents/" in call.request.url.path
    ]
    assert sorted(details) == ["p1-i1", "p1-i2"]
    landed = {
        i for bp, i in by_key(result.upserted_entities) if bp.endswith("Incident")
    }
    assert landed == {"onlineornot-p1-i1", "onlineornot-p1-i2"}


async def test_without_incremental_sync_enabled_no_incremental_handler_is_registered(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account_with_history(5).serve(api)

    async with run_harness(host=HOST) as harness:
        result = await trigger_incremental(harness)

    assert api.calls.call_count == 0
    assert result.saved_cursors == []
    assert result.upserted_entities == []


async def test_a_vendor_failing_on_its_page_list_fails_the_run(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = account_with_history(5)
    account.serve(api, gate=lambda _: httpx.Response(401, json={"error": "no"}))

    async with run_harness(host=HOST, incremental=True) as harness:
        result = await trigger_incremental(harness)

    assert result.saved_cursors == []
    assert result.verdict is not None
    assert "statuspageApiKey" in result.verdict
    assert result.upserted_entities == []
