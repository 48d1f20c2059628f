"""End to end: the integration's real entry point (`sail.py`, Ocean's `ocean sail`) as a process,
against the Statuspage emulator and the Port stand-in.

Each run is judged by its exit status, by what reached Port and by the resync state the
integration reported there.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.expected import BLUEPRINTS, expected_identifiers
from sandbox.ocean_process import ROOT, Sandbox, ocean_environment, run_once, running
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.server import StatuspageEmulator
from tests.support import most_in_any_window

SAMPLE_PAGE = "8m2l51279rpl"


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


def emulator(pages: int = 1, **data: int) -> StatuspageEmulator:
    sizes = {"groups": 3, "components": 8, "incidents": 6, "updates": 2, **data}
    return StatuspageEmulator(EmulatorConfig(data=DataConfig(pages=pages, **sizes)))


def sync(
    statuspage: StatuspageEmulator,
    port: PortStub,
    exit_code: int = 0,
    onlineornot_api_key: str | None = None,
) -> str | None:
    """Runs the integration once (reading the emulator as OnlineOrNot too when given its
    key), checks it exited with `exit_code`, and returns the last resync state it reported
    to Port."""
    sandbox = Sandbox(
        statuspage.base_url,
        port.base_url,
        DEFAULT_API_KEY,
        onlineornot_api_key=onlineornot_api_key,
    )
    run = run_once(ocean_environment(sandbox), timeout_seconds=120)
    assert DEFAULT_API_KEY not in run.output
    assert DEFAULT_ONLINEORNOT_API_KEY not in run.output
    assert run.returncode == exit_code, run.failure()
    states = port.resync_states(sandbox.identifier)
    return states[-1].get("status") if states else None


def landed(port: PortStub) -> dict[str, set[str]]:
    return {blueprint: port.entity_identifiers(blueprint) for blueprint in BLUEPRINTS}


def by_id(port: PortStub, blueprint: str) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity for entity in port.entities(blueprint)}


def test_all_five_kinds_land_with_the_docs_blueprints_and_relations(
    port: PortStub,
) -> None:
    with emulator(pages=2) as statuspage:
        assert sync(statuspage, port) == "completed"
        expected = expected_identifiers(statuspage)
        with statuspage.reading() as state:
            pages = dict(state.pages)
            incidents = {
                incident_id: record
                for page in pages.values()
                for incident_id, record in page.incidents.items()
            }

    assert landed(port) == expected
    shipped = json.loads((ROOT / ".port/resources/blueprints.json").read_text())
    in_port = {blueprint["identifier"]: blueprint for blueprint in port.blueprints()}
    for blueprint in shipped:
        created = in_port[blueprint["identifier"]]
        assert (
            created["schema"]["properties"].keys()
            == blueprint["schema"]["properties"].keys()
        )
        assert (
            created.get("relations", {}).keys() == blueprint.get("relations", {}).keys()
        )

    for component_id, entity in by_id(port, "statuspageComponent").items():
        page_id = entity["relations"]["statuspage"]
        component = pages[page_id].components[component_id]
        assert entity["relations"]["componentGroup"] == component["group_id"]
    for group_id, entity in by_id(port, "statuspageComponentGroup").items():
        assert group_id in pages[entity["relations"]["statuspage"]].groups
    for incident_id, entity in by_id(port, "statuspageIncident").items():
        assert (
            entity["relations"]["statuspage"]
            == incidents[incident_id].fields["page_id"]
        )
        assert set(entity["relations"]["components"]) == set(
            incidents[incident_id].component_ids
        )
    for update_id, entity in by_id(port, "statuspageIncidentUpdate").items():
        record = incidents[entity["relations"]["incident"]]
        assert update_id in {u["id"] for u in record.fields["incident_updates"]}
    docs_incident = by_id(port, "statuspageIncident")["f5v3b6dr7k53"]
    assert docs_incident["properties"]["impact_override"] == "major"


def test_an_incident_removed_between_runs_is_deleted_and_nothing_else(
    port: PortStub,
) -> None:
    with emulator(pages=2) as statuspage:
        assert sync(statuspage, port) == "completed"
        before = landed(port)
        removed = statuspage.remove_incident(SAMPLE_PAGE, "f5v3b6dr7k53")
        removed_updates = {update["id"] for update in removed["incident_updates"]}

        assert sync(statuspage, port) == "completed"

    after = landed(port)
    assert before["statuspageIncident"] - after["statuspageIncident"] == {
        "f5v3b6dr7k53"
    }
    assert (
        before["statuspageIncidentUpdate"] - after["statuspageIncidentUpdate"]
        == removed_updates
    )
    for blueprint in ("statuspage", "statuspageComponentGroup", "statuspageComponent"):
        assert after[blueprint] == before[blueprint]
    assert after["statuspageIncident"] <= before["statuspageIncident"]


def test_a_page_whose_incidents_fail_past_every_retry_deletes_nothing(
    port: PortStub,
) -> None:
    with emulator(pages=2) as statuspage:
        assert sync(statuspage, port) == "completed"
        before = landed(port)
        # A successful run would now delete this incident: the failing one must not.
        statuspage.remove_incident(SAMPLE_PAGE, "f5v3b6dr7k53")
        statuspage.inject_fault(
            f"/v1/pages/{SAMPLE_PAGE}/incidents", "status", count=1000
        )

        assert sync(statuspage, port, exit_code=1) == "failed"
        failed_calls = [
            entry
            for entry in statuspage.log
            if entry.path == f"/v1/pages/{SAMPLE_PAGE}/incidents"
            and entry.status == 500
        ]

    assert landed(port) == before
    # Retried within bounds, and once per resync, not once per kind.
    assert 2 <= len(failed_calls) <= 5


def test_a_run_under_6_requests_per_6_seconds_answering_420_lands_everything(
    port: PortStub,
) -> None:
    with emulator(pages=2) as statuspage:
        statuspage.set_rate_limit(6, 6, status=420)
        assert sync(statuspage, port) == "completed"
        expected = expected_identifiers(statuspage)
        # The pages' public status APIs do not count against the key's limit.
        admitted = [
            entry.timestamp
            for entry in statuspage.log
            if entry.status != 420 and entry.path.startswith("/v1/")
        ]
        refused = [entry for entry in statuspage.log if entry.status == 420]

    assert landed(port) == expected
    assert refused, "the run should have met the limit at least once"
    assert most_in_any_window(admitted, 6) <= 6


def test_both_vendors_land_side_by_side_and_a_failing_onlineornot_deletes_nothing(
    port: PortStub,
) -> None:
    both = ("statuspage", "onlineornot")
    with emulator(pages=2) as served:
        assert sync(served, port, onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY) == (
            "completed"
        )
        assert landed(port) == expected_identifiers(served, both)
        before = landed(port)
        # A successful run would now delete this incident at both vendors.
        served.remove_incident(SAMPLE_PAGE, "f5v3b6dr7k53")
        served.inject_fault(
            f"/v1/status_pages/{SAMPLE_PAGE}/incidents", "status", count=1000
        )

        assert (
            sync(
                served,
                port,
                exit_code=1,
                onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY,
            )
            == "failed"
        )
        statuspage_incident_lists = [
            entry
            for entry in served.log
            if entry.path == f"/v1/pages/{SAMPLE_PAGE}/incidents"
        ]

    assert landed(port) == before
    # Statuspage was read in full all the same.
    assert [entry.status for entry in statuspage_incident_lists] == [200, 200]
    providers = {
        (
            entity["identifier"].startswith("onlineornot-"),
            entity["properties"]["provider"],
        )
        for entity in port.entities()
    }
    assert providers == {(False, "statuspage"), (True, "onlineornot")}


def test_the_demo_prints_the_catalog_and_exits_0(tmp_path: Path) -> None:
    import subprocess
    import sys

    demo = subprocess.run(
        [sys.executable, "-m", "sandbox.demo", "--pages", "1", "--incidents", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Sync succeeded" in demo.stdout
    assert "of Statuspage, OnlineOrNot, PingPong and incident.io" in demo.stdout
    assert "statuspageIncidentUpdate" in demo.stdout
    assert "=== Statuspage ===" in demo.stdout
    assert "=== OnlineOrNot ===" in demo.stdout
    assert "=== PingPong ===" in demo.stdout
    assert "=== incident.io ===" in demo.stdout
    assert f"(page onlineornot-{SAMPLE_PAGE})" in demo.stdout
    assert "(page pingpong-ctrlv-solutions)" in demo.stdout
    assert "Statuspage API requests: 4, and 1 to public status APIs\n" in demo.stdout
    # Its four lists, and one detail per incident.
    assert "OnlineOrNot API requests: 9\n" in demo.stdout
    # /live, /status and its four lists; nothing by id on a first run.
    assert "PingPong API requests: 6\n" in demo.stdout
    # Its page list, and the page's structure, incidents and maintenance.
    assert "incident.io API requests: 4\n" in demo.stdout


def test_a_bad_setting_fails_the_run_naming_it_and_touches_nothing(
    port: PortStub,
) -> None:
    with emulator() as statuspage:
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
        run = run_once(
            ocean_environment(sandbox, config={"RATE_LIMIT_REQUESTS": "0"}),
            timeout_seconds=120,
        )
        requests_made = statuspage.counters.total

    assert run.returncode == 2, run.failure()
    assert (
        "not started: Invalid setting 'rateLimitRequests': must be between 1 and 10000, "
        "got 0" in run.output
    )
    # Stopped before any resync: no resync state was ever reported, nothing synced.
    assert port.resync_states() == []
    assert port.entities() == []
    assert requests_made == 0


def test_a_refused_api_key_fails_the_run_with_one_line_naming_the_setting(
    port: PortStub,
) -> None:
    with emulator() as statuspage:
        sandbox = Sandbox(statuspage.base_url, port.base_url, "not-the-key")
        run = run_once(ocean_environment(sandbox), timeout_seconds=120)

    assert run.returncode == 1, run.failure()
    verdicts = [line for line in run.output.splitlines() if "sync failed:" in line]
    assert len(verdicts) == 1
    assert "Statuspage refused the API key" in verdicts[0]
    assert "statuspageApiKey" in verdicts[0]
    # Told once, with every kind it failed.
    assert verdicts[0].count("refused the API key") == 1
    assert "[statuspage, incident, incident_update, component_group, component]" in (
        verdicts[0]
    )
    assert "not-the-key" not in run.output
    assert port.resync_states()[-1].get("status") == "failed"


def test_an_always_on_run_with_a_bad_setting_exits_at_start_and_never_reports_ready(
    port: PortStub, tmp_path: Path
) -> None:
    with emulator() as statuspage:
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
        environment = ocean_environment(
            sandbox,
            listener={"type": "POLLING"},
            config={"STATUSPAGE_HOST": f"{statuspage.base_url}/some/path"},
        )
        log = tmp_path / "ocean.log"
        with (
            pytest.raises(RuntimeError, match="exited with 2 before it was ready"),
            running(environment, log, ready_timeout_seconds=60),
        ):
            pass
        requests_made = statuspage.counters.total

    assert "Invalid setting 'statuspageHost'" in log.read_text()
    assert port.resync_states() == []
    assert requests_made == 0
