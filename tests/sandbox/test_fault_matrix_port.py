"""The fault matrix, Port's side: the real entry point (`sail.py`) against the Statuspage
emulator and a Port stand-in that refuses upserts and entity searches on purpose.

Each faulted run follows a good one, and comes after a change upstream: a new incident update
(so there is something to upsert) and an incident deleted (so a run that completed would
delete it and its updates). Port failing any upsert must fail the run, exit 1 naming Port, and
delete nothing; an incremental run must keep the failed kind's cursor.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.change import INCREMENTAL_ENVIRONMENT
from sandbox.expected import BLUEPRINTS
from sandbox.ocean_process import FinishedRun, Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.config import DEFAULT_API_KEY, DataConfig, EmulatorConfig
from sandbox.statuspage.server import StatuspageEmulator

UPDATES = "statuspageIncidentUpdate"
VERDICT = "statuspage integration: "


@pytest.fixture(scope="module")
def statuspage() -> Iterator[StatuspageEmulator]:
    # Twelve updates a page: Ocean compares batches of more than ten with Port (a search)
    # before it upserts them.
    data = DataConfig(pages=2, groups=2, components=4, incidents=6, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=data)) as running:
        yield running


@pytest.fixture(scope="module")
def port(statuspage: StatuspageEmulator) -> Iterator[PortStub]:
    with PortStub() as stub:
        good = run(statuspage, stub)
        assert good.returncode == 0, good.failure()
        yield stub


@pytest.fixture
def held(
    statuspage: StatuspageEmulator, port: PortStub
) -> Iterator[dict[str, set[str]]]:
    """What Port holds before the faulted run, after changes upstream that a completed run
    would land (an incident opened) and delete (the page's oldest incident deleted)."""
    before = {blueprint: port.entity_identifiers(blueprint) for blueprint in BLUEPRINTS}
    with statuspage.reading() as state:
        page_id, page = next(iter(state.pages.items()))
        oldest = list(page.incidents)[-1]
    statuspage.add_incident(page_id, name="Opened after the last run")
    statuspage.remove_incident(page_id, oldest)
    yield before
    port.clear_faults()


def run(
    statuspage: StatuspageEmulator,
    port: PortStub,
    extra: dict[str, str] | None = None,
) -> FinishedRun:
    sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
    finished = run_once(ocean_environment(sandbox, extra=extra), timeout_seconds=180)
    assert DEFAULT_API_KEY not in finished.output
    return finished


def verdict(finished: FinishedRun) -> str:
    (line,) = [n for n in finished.output.splitlines() if n.startswith(VERDICT)]
    return line.removeprefix(VERDICT)


UPSERT_FAULTS: dict[str, list[dict[str, Any]]] = {
    "500 once": [{"route": "upsert", "status": 500, "blueprint": UPDATES, "times": 1}],
    "500 always": [{"route": "upsert", "status": 500, "blueprint": UPDATES}],
    "500 once, its search failing": [
        {"route": "upsert", "status": 500, "blueprint": UPDATES, "times": 1},
        {"route": "search", "status": 500, "blueprint": UPDATES},
    ],
    "500 always, its search failing": [
        {"route": "upsert", "status": 500, "blueprint": UPDATES},
        {"route": "search", "status": 500, "blueprint": UPDATES},
    ],
}


@pytest.mark.parametrize("faults", UPSERT_FAULTS.values(), ids=UPSERT_FAULTS.keys())
def test_port_failing_a_blueprints_upserts_fails_the_run_and_deletes_nothing(
    statuspage: StatuspageEmulator,
    port: PortStub,
    held: dict[str, set[str]],
    faults: list[dict[str, Any]],
) -> None:
    for fault in faults:
        port.inject_fault(**fault)

    failed = run(statuspage, port)

    assert failed.returncode == 1, failed.failure()
    assert verdict(failed).startswith("sync failed: Port failed to upsert ")
    assert f" {UPDATES} entities" in verdict(failed)
    assert verdict(failed).endswith("[incident_update]")
    for blueprint, identifiers in held.items():
        assert identifiers <= port.entity_identifiers(blueprint), blueprint


def test_port_rate_limiting_every_upsert_for_ever_fails_the_run(
    statuspage: StatuspageEmulator, port: PortStub, held: dict[str, set[str]]
) -> None:
    port.inject_fault("upsert", 429)

    failed = run(statuspage, port)

    assert failed.returncode == 1, failed.failure()
    assert verdict(failed).startswith("sync failed: Port failed to upsert ")
    for blueprint, identifiers in held.items():
        assert identifiers <= port.entity_identifiers(blueprint), blueprint


def test_an_incremental_run_whose_upserts_port_failed_keeps_the_kinds_cursor(
    statuspage: StatuspageEmulator, port: PortStub, held: dict[str, set[str]]
) -> None:
    first = run(statuspage, port, INCREMENTAL_ENVIRONMENT)
    assert first.returncode == 0, first.failure()
    before = {(c["kind"], c["index"]): c["primary"] for c in port.cursors()}
    statuspage.add_incident(next(iter(held["statuspage"])), name="Opened since")
    port.inject_fault("upsert", 500, blueprint=UPDATES)

    failed = run(statuspage, port, INCREMENTAL_ENVIRONMENT)

    assert failed.returncode == 1, failed.failure()
    assert verdict(failed).startswith("incremental sync failed: Port failed to upsert")
    after = {(c["kind"], c["index"]): c["primary"] for c in port.cursors()}
    # The kinds before it in the mapping advanced; it kept its cursor, and Ocean ran none
    # after it: all of them read the same changes again next time.
    advanced = {key for key in after if after[key] != before[key]}
    assert advanced == {("statuspage", 0), ("incident", 1)}
