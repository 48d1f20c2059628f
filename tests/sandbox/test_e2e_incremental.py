"""End to end: the real entry point (`sail.py`) run as Ocean's incremental sync
(`incrementalSyncEnabled` with the ONCE listener, as Port's Helm chart runs its incremental
CronJob) against the Statuspage emulator and the Port stand-in, which keeps the cursors.
"""

import subprocess
import sys
from collections.abc import Iterator

import pytest

from sandbox.change import (
    INCREMENTAL_ENVIRONMENT,
    INCREMENTAL_LISTS_PER_PAGE,
    make_change,
    missing_from_port,
)
from sandbox.ocean_process import (
    ROOT,
    FinishedRun,
    Sandbox,
    ocean_environment,
    run_once,
)
from sandbox.port.server import PortStub
from sandbox.statuspage.config import DEFAULT_API_KEY, DataConfig, EmulatorConfig
from sandbox.statuspage.server import StatuspageEmulator

PAGES = 2
SAMPLE_PAGE = "8m2l51279rpl"
VERDICT = "statuspage integration: "


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


@pytest.fixture
def statuspage() -> Iterator[StatuspageEmulator]:
    # Three pages of incidents a page: more history than the newest page holds.
    data = DataConfig(pages=PAGES, groups=2, components=6, incidents=250, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=data)) as running:
        yield running


def run(
    statuspage: StatuspageEmulator, port: PortStub, incremental: bool
) -> FinishedRun:
    sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
    extra = INCREMENTAL_ENVIRONMENT if incremental else None
    finished = run_once(ocean_environment(sandbox, extra=extra), timeout_seconds=180)
    assert DEFAULT_API_KEY not in finished.output
    return finished


def verdicts(finished: FinishedRun) -> list[str]:
    return [line for line in finished.output.splitlines() if line.startswith(VERDICT)]


def key_requests(statuspage: StatuspageEmulator) -> int:
    return sum(1 for entry in statuspage.log if entry.path.startswith("/v1/"))


def cursors(port: PortStub) -> dict[tuple[str, int], str]:
    return {(c["kind"], c["index"]): c["primary"] for c in port.cursors()}


def test_a_change_lands_in_1_plus_6_requests_a_page_and_the_cursor_lives_in_port(
    statuspage: StatuspageEmulator, port: PortStub
) -> None:
    assert run(statuspage, port, incremental=False).returncode == 0
    change = make_change(statuspage)
    statuspage.reset_observations()

    first = run(statuspage, port, incremental=True)

    assert first.returncode == 0, first.failure()
    assert verdicts(first) == [f"{VERDICT}incremental sync completed"]
    assert key_requests(statuspage) == 1 + INCREMENTAL_LISTS_PER_PAGE * PAGES
    assert missing_from_port(port, change) == []
    saved = cursors(port)
    # One per resource of the mapping, all at the run's start.
    assert sorted(index for _, index in saved) == list(range(6))
    assert len(set(saved.values())) == 1

    # The next run reads its cursor back from Port, and deletes nothing.
    (cursor,) = set(saved.values())
    second_change = make_change(statuspage)
    with statuspage.reading() as state:
        oldest = list(state.page(SAMPLE_PAGE).incidents)[-1]
    removed = statuspage.remove_incident(SAMPLE_PAGE, oldest)
    second = run(statuspage, port, incremental=True)

    assert second.returncode == 0, second.failure()
    assert f"changed since {cursor}" in second.output
    assert missing_from_port(port, second_change) == []
    assert removed["id"] in port.entity_identifiers("statuspageIncident")
    assert all(newer > cursor for newer in cursors(port).values())
    cursor_reads = [
        r for r in port.requests() if r["path"].endswith("/cursor") and r["run"] == 3
    ]
    assert {r["method"] for r in cursor_reads} == {"GET", "PUT"}
    assert all(r["status"] == 200 for r in cursor_reads)


def test_a_failing_incremental_run_exits_1_naming_it_and_advances_no_cursor_of_it(
    statuspage: StatuspageEmulator, port: PortStub
) -> None:
    assert run(statuspage, port, incremental=True).returncode == 0
    before = cursors(port)
    statuspage.inject_fault(
        f"/v1/pages/{SAMPLE_PAGE}/incidents/unresolved", "status", status=403, count=5
    )

    failed = run(statuspage, port, incremental=True)

    assert failed.returncode == 1, failed.failure()
    (verdict,) = verdicts(failed)
    assert verdict.startswith(f"{VERDICT}incremental sync failed: ")
    assert f"statuspage page {SAMPLE_PAGE}" in verdict
    assert "[incident]" in verdict
    after = cursors(port)
    # Only the page kind, which runs first, advanced; the failed kind and those Ocean did
    # not run after it will read the same changes again.
    advanced = {key for key in after if after[key] != before[key]}
    assert advanced == {("statuspage", 0)}


def test_the_demo_shows_an_incremental_sync_landing_a_change() -> None:
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox.demo",
            "--pages",
            "1",
            "--incidents",
            "5",
            "--incremental",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert demo.returncode == 0, demo.stderr[-2000:]
    after = demo.stdout.split("Then one change upstream:")[1]
    assert "Statuspage API requests: 7, and 1 to public status APIs\n" in after
    assert "The incremental sync landed the change." in after
