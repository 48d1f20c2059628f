"""End to end with PingPong: the integration's real entry point (`ocean sail`) as a process,
against the emulator's PingPong dialect and the Port stand-in. An incident that resolves
between runs stays in Port, resolved; a wrong path deletes nothing and names itself."""

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.expected import (
    BLUEPRINTS,
    expected_identifiers,
    pingpong_may_keep,
    pingpong_page_id,
)
from sandbox.ocean_process import Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.server import StatuspageEmulator

SAMPLE_PAGE = "8m2l51279rpl"
# What an entity says, Port's own timestamps aside.
FIELDS = ("title", "properties", "relations")


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


@pytest.fixture
def served() -> Iterator[StatuspageEmulator]:
    data = DataConfig(groups=3, components=8, incidents=6, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=data)) as emulator:
        yield emulator


def sync(
    served: StatuspageEmulator,
    port: PortStub,
    exit_code: int = 0,
    statuspage: bool = False,
) -> str:
    """One run reading the emulator as PingPong (and Statuspage, if asked); checks its exit
    status and that no key reached its output, and returns that output."""
    sandbox = Sandbox(
        served.base_url,
        port.base_url,
        DEFAULT_API_KEY if statuspage else None,
        pingpong_api_key=DEFAULT_PINGPONG_API_KEY,
    )
    run = run_once(ocean_environment(sandbox), timeout_seconds=120)
    assert DEFAULT_PINGPONG_API_KEY not in run.output
    assert DEFAULT_API_KEY not in run.output
    assert run.returncode == exit_code, run.failure()
    states = port.resync_states(sandbox.identifier)
    assert states[-1].get("status") == ("completed" if exit_code == 0 else "failed")
    return run.output


def landed(port: PortStub) -> dict[str, set[str]]:
    return {blueprint: port.entity_identifiers(blueprint) for blueprint in BLUEPRINTS}


def by_id(port: PortStub, blueprint: str) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity for entity in port.entities(blueprint)}


def reads_by_id(served: StatuspageEmulator) -> list[str]:
    return [e.path for e in served.log if e.path.startswith("/rest/v1/incidents/")]


def test_an_incident_resolved_between_runs_stays_in_port_resolved(
    served: StatuspageEmulator, port: PortStub
) -> None:
    component = next(
        c for c in served.state.page(SAMPLE_PAGE).components.values() if not c["group"]
    )
    served.set_component_status(SAMPLE_PAGE, component["id"], "major_outage")
    opened = served.add_incident(
        SAMPLE_PAGE,
        name="Checkout is down",
        impact="critical",
        component_ids=(component["id"],),
    )
    port_id = f"pingpong-{opened['id']}"

    sync(served, port)
    assert landed(port) == expected_identifiers(served, ["pingpong"])
    ongoing = by_id(port, "statuspageIncident")[port_id]["properties"]
    assert (ongoing["status"], ongoing["impact"]) == ("investigating", "critical")

    served.add_incident_update(SAMPLE_PAGE, opened["id"], "resolved")
    served.set_component_status(SAMPLE_PAGE, component["id"], "operational")
    served.reset_observations()
    sync(served, port)
    second_reads = reads_by_id(served)
    resolved = by_id(port, "statuspageIncident")[port_id]
    updates = {
        u["identifier"]: u
        for u in port.entities("statuspageIncidentUpdate")
        if u["relations"]["incident"] == port_id
    }

    served.reset_observations()
    sync(served, port)
    third_reads = reads_by_id(served)

    # Read by id once, at the run after it resolved, and kept from then on for free.
    assert second_reads == [f"/rest/v1/incidents/{opened['id']}"]
    assert third_reads == []
    props = resolved["properties"]
    assert props["status"] == "resolved"
    assert props["resolvedAt"] is not None
    assert props["impact"] == "critical"
    assert [u["properties"]["status"] for u in updates.values()].count("resolved") == 1
    again = by_id(port, "statuspageIncident")[port_id]
    assert [again[k] for k in FIELDS] == [resolved[k] for k in FIELDS]
    # Port holds what PingPong serves, and the resolved incident it saw ongoing.
    expected = expected_identifiers(served, ["pingpong"])
    kept = pingpong_may_keep(served)
    assert port_id not in expected["statuspageIncident"]
    assert port_id in kept["statuspageIncident"]
    for blueprint, identifiers in landed(port).items():
        assert (
            expected[blueprint] <= identifiers <= expected[blueprint] | kept[blueprint]
        )


def test_a_wrong_path_fails_the_run_naming_it_and_deletes_nothing(
    served: StatuspageEmulator, port: PortStub
) -> None:
    sync(served, port, statuspage=True)
    before = landed(port)
    # A successful run would now delete this incident (and its updates).
    served.remove_incident(SAMPLE_PAGE, "f5v3b6dr7k53")
    # As if /groups were not where this account's groups are.
    served.inject_fault("/rest/v1/groups", "status", status=404, count=1000)

    output = sync(served, port, exit_code=1, statuspage=True)

    assert landed(port) == before
    assert "GET /groups" in output
    assert "may differ for this account" in output
    assert pingpong_page_id(served) in before["statuspage"]
    # Statuspage was read in full all the same.
    assert any(e.path == f"/v1/pages/{SAMPLE_PAGE}/incidents" for e in served.log)
