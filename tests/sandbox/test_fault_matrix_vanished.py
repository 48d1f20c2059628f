"""The fault matrix, a vanished object: a vendor lists an object whose own read answers 404. The
real entry point (`sail.py`) against the emulator, read as OnlineOrNot (whose incidents are each
read by id), and the Port stand-in.

The object fails only itself: the rest of its page lands, the run completes, and the object is
kept in Port as it is, with a warning naming it, until the vendor stops listing it too.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.expected import expected_identifiers
from sandbox.ocean_process import FinishedRun, Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_ONLINEORNOT_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.server import StatuspageEmulator

PAGE = "8m2l51279rpl"
INCIDENTS = "statuspageIncident"
UPDATES = "statuspageIncidentUpdate"


@pytest.fixture
def served() -> Iterator[StatuspageEmulator]:
    data = DataConfig(pages=2, groups=2, components=4, incidents=6, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=data)) as running:
        yield running


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


def run(served: StatuspageEmulator, port: PortStub) -> FinishedRun:
    sandbox = Sandbox(
        served.base_url,
        port.base_url,
        api_key=None,
        onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY,
    )
    finished = run_once(ocean_environment(sandbox), timeout_seconds=180)
    assert DEFAULT_ONLINEORNOT_API_KEY not in finished.output
    return finished


def by_id(port: PortStub, blueprint: str) -> dict[str, dict[str, Any]]:
    """The entities of `blueprint` by identifier, as written (when aside)."""
    return {
        entity["identifier"]: {k: v for k, v in entity.items() if k != "updatedAt"}
        for entity in port.entities(blueprint)
    }


def test_an_incident_whose_detail_answers_404_is_kept_as_it_is_and_the_rest_lands(
    served: StatuspageEmulator, port: PortStub
) -> None:
    assert run(served, port).returncode == 0
    with served.reading() as state:
        page = state.page(PAGE)
        vanishing, changing = list(page.incidents)[:2]
    kept_incident = by_id(port, INCIDENTS)[f"onlineornot-{vanishing}"]
    kept_updates = {
        identifier: entity
        for identifier, entity in by_id(port, UPDATES).items()
        if entity["relations"]["incident"] == f"onlineornot-{vanishing}"
    }
    assert kept_updates
    # Upstream: another incident of the page moves on, and one answers 404 when read.
    served.add_incident_update(PAGE, changing, "resolved", "Fixed.")
    served.inject_fault(
        f"/v1/status_pages/{PAGE}/incidents/{vanishing}",
        "status",
        status=404,
        count=1000,
    )

    second = run(served, port)

    assert second.returncode == 0, second.failure()
    assert (
        f"onlineornot page onlineornot-{PAGE}: incident onlineornot-{vanishing} is "
        "listed but answered 404 when read; it is skipped in this resync, and kept in "
        "Port as it is" in second.output
    )
    assert by_id(port, INCIDENTS)[f"onlineornot-{vanishing}"] == kept_incident
    assert {
        identifier: by_id(port, UPDATES)[identifier] for identifier in kept_updates
    } == kept_updates
    # The rest of the page landed, the change included.
    changed = by_id(port, INCIDENTS)[f"onlineornot-{changing}"]
    assert changed["properties"]["status"] == "resolved"
    expected = expected_identifiers(served, ("onlineornot",))
    assert {
        blueprint: port.entity_identifiers(blueprint) for blueprint in expected
    } == expected

    # Once the vendor no longer lists it, stale deletion removes it as usual.
    served.remove_incident(PAGE, vanishing)
    assert run(served, port).returncode == 0
    assert f"onlineornot-{vanishing}" not in port.entity_identifiers(INCIDENTS)
    assert not set(kept_updates) & port.entity_identifiers(UPDATES)
