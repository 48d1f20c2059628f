"""End to end with incident.io: the integration's real entry point (`ocean sail`) as a process,
against the emulator's incident.io dialect and the Port stand-in. Its pages land at their
measured cost, with components' status derived from incidents as they open and resolve; a
failing page fails the run and deletes nothing of any vendor."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.expected import BLUEPRINTS, expected_identifiers
from sandbox.ocean_process import Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_INCIDENTIO_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.server import StatuspageEmulator

SAMPLE_PAGE = "8m2l51279rpl"
PAGE = f"incidentio-{SAMPLE_PAGE}"


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


@pytest.fixture
def served() -> Iterator[StatuspageEmulator]:
    # Only the docs' sample incident (resolved), so what opens here is all that is open.
    data = DataConfig(pages=2, groups=3, components=6, incidents=1, updates=2)
    config = EmulatorConfig(data=data, rate_limit=RateLimitConfig(limit=0))
    with StatuspageEmulator(config) as emulator:
        yield emulator


def sync(
    served: StatuspageEmulator,
    port: PortStub,
    exit_code: int = 0,
    statuspage: bool = False,
) -> str:
    """One run reading the emulator as incident.io (and Statuspage, if asked); checks its
    exit status and that no key reached its output, and returns that output."""
    sandbox = Sandbox(
        served.base_url,
        port.base_url,
        DEFAULT_API_KEY if statuspage else None,
        incidentio_api_key=DEFAULT_INCIDENTIO_API_KEY,
    )
    run = run_once(ocean_environment(sandbox), timeout_seconds=120)
    assert DEFAULT_INCIDENTIO_API_KEY not in run.output
    assert DEFAULT_API_KEY not in run.output
    assert run.returncode == exit_code, run.failure()
    return run.output


def landed(port: PortStub) -> dict[str, set[str]]:
    return {blueprint: port.entity_identifiers(blueprint) for blueprint in BLUEPRINTS}


def properties(port: PortStub, blueprint: str, identifier: str) -> dict[str, Any]:
    (entity,) = [e for e in port.entities(blueprint) if e["identifier"] == identifier]
    found: dict[str, Any] = entity["properties"]
    return found


def incidentio_requests(served: StatuspageEmulator) -> Counter[str]:
    return Counter(str(e.route) for e in served.log if e.path.startswith("/v2/"))


def test_incident_io_lands_at_its_cost_and_components_follow_their_incidents(
    served: StatuspageEmulator, port: PortStub
) -> None:
    component = next(
        cid
        for cid, c in served.state.page(SAMPLE_PAGE).components.items()
        if not c["group"]
    )
    opened = served.add_incident(
        SAMPLE_PAGE,
        name="Checkout is down",
        impact="critical",
        component_ids=(component,),
    )
    placed = f"{PAGE}-{component}"

    sync(served, port)
    first, served_then = landed(port), expected_identifiers(served, ["incidentio"])
    during = {
        "component": properties(port, "statuspageComponent", placed)["status"],
        "incident": properties(
            port, "statuspageIncident", f"incidentio-{opened['id']}"
        ),
        "page": properties(port, "statuspage", PAGE),
    }
    cost = incidentio_requests(served)

    served.add_incident_update(SAMPLE_PAGE, opened["id"], "resolved")
    sync(served, port)

    assert first == served_then
    # 1 + per page its structure, its incidents and its maintenance.
    assert cost == {
        "/v2/status_pages": 1,
        "/v2/status_page_structures/{page_id}": 2,
        "/v2/status_page_incidents": 2,
        "/v2/status_page_maintenances": 2,
    }
    assert during["component"] == "major_outage"
    assert (during["incident"]["status"], during["incident"]["impact"]) == (
        "investigating",
        "critical",
    )
    assert during["incident"]["provider"] == "incidentio"
    assert (during["page"]["status_indicator"], during["page"]["status_source"]) == (
        "critical",
        "derived",
    )
    assert properties(port, "statuspageComponent", placed)["status"] == "operational"
    resolved = properties(port, "statuspageIncident", f"incidentio-{opened['id']}")
    assert resolved["status"] == "resolved"
    assert resolved["resolvedAt"] is not None
    assert properties(port, "statuspage", PAGE)["status_indicator"] == "none"


def test_a_failing_incident_io_page_fails_the_run_and_deletes_nothing(
    served: StatuspageEmulator, port: PortStub
) -> None:
    sync(served, port, statuspage=True)
    before = landed(port)
    # A successful run would now delete this incident (and its updates), of both vendors.
    served.remove_incident(SAMPLE_PAGE, "f5v3b6dr7k53")
    served.inject_fault(
        f"/v2/status_page_structures/{SAMPLE_PAGE}", "status", status=500, count=1000
    )

    output = sync(served, port, exit_code=1, statuspage=True)

    assert landed(port) == before
    assert "f5v3b6dr7k53" in before["statuspageIncident"]
    assert "incidentio-f5v3b6dr7k53" in before["statuspageIncident"]
    assert f"incidentio page {PAGE}" in output
    # Statuspage and incident.io's other page were read in full all the same.
    assert any(e.path == f"/v1/pages/{SAMPLE_PAGE}/incidents" for e in served.log)
    other = next(p for p in served.state.pages if p != SAMPLE_PAGE)
    assert any(
        e.path == f"/v2/status_page_structures/{other}" and e.status == 200
        for e in served.log
    )
