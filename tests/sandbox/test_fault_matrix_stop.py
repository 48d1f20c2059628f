"""The fault matrix, a run stopped from outside: SIGTERM (a CronJob's deadline, a cancelled CI job)
or SIGINT (Ctrl-C) sent to the real entry point (`sail.py`) alone, not to its process group,
while Ocean maps a large resync in its forked workers.

The run must stop within a few seconds, with every worker, and exit 128 + the signal's number.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sail import STOP_GRACE_SECONDS
from sandbox.ocean_process import (
    LAUNCHER,
    ROOT,
    Sandbox,
    exited_within,
    ocean_environment,
)
from sandbox.port.server import PortStub
from sandbox.statuspage.config import DEFAULT_API_KEY, DataConfig, EmulatorConfig
from sandbox.statuspage.server import StatuspageEmulator

# Long enough for the sync to reach the mapping of incidents, bounded all the same.
MAPPING_STARTS_WITHIN_SECONDS = 120.0


@pytest.fixture(scope="module")
def statuspage() -> Iterator[StatuspageEmulator]:
    # 3,000 incidents and 9,000 updates: Ocean maps them 100 at a time, each batch in a
    # freshly forked pool of workers.
    data = DataConfig(pages=1, groups=2, components=10, incidents=3000, updates=3)
    with StatuspageEmulator(EmulatorConfig(data=data)) as running:
        yield running


# Fields of /proc/<pid>/stat after the command's closing parenthesis.
PARENT, GROUP = 1, 3


def processes_whose(field: int, value: int) -> list[int]:
    """The processes whose /proc stat `field` (PARENT, GROUP) is `value`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if int(stat.rsplit(")", 1)[1].split()[field]) == value:
            found.append(int(entry.name))
    return found


def others_in_group(leader: int) -> list[int]:
    """The processes of the leader's group besides the leader (read while the leader is
    unreaped: its group's id names no other group until then)."""
    return [pid for pid in processes_whose(GROUP, leader) if pid != leader]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_mid_mapping_stops_the_run_and_every_worker_within_seconds(
    statuspage: StatuspageEmulator, tmp_path: Path, stop: signal.Signals
) -> None:
    with PortStub() as port, (tmp_path / "run.log").open("w") as log:
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
        # A session of its own only so that the test can tell every process of the run
        # is gone (its workers would be in the group); the signal goes to sail.py alone.
        run = subprocess.Popen(
            [sys.executable, *LAUNCHER],
            cwd=ROOT,
            env=ocean_environment(sandbox),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + MAPPING_STARTS_WITHIN_SECONDS
            workers: list[int] = []
            while (
                not workers
                and time.monotonic() < deadline
                and not exited_within(run, 0)
            ):
                workers = processes_whose(PARENT, run.pid)
                time.sleep(0.02)
            assert workers, "the run never forked a mapping worker"

            os.kill(run.pid, stop)
            stopped_at = time.monotonic()
            exited_within(run, STOP_GRACE_SECONDS + 25)
            took = time.monotonic() - stopped_at
        finally:
            with_leftovers = bool(others_in_group(run.pid))
            if with_leftovers or not exited_within(run, 0):
                os.killpg(run.pid, signal.SIGKILL)
            returncode = run.wait(timeout=10)
    output = (tmp_path / "run.log").read_text()
    print(f"MEASURED {stop.name} {took:.2f}s")

    assert returncode == 128 + stop, output[-3000:]
    assert not with_leftovers, "processes of the run were left behind"
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert took < STOP_GRACE_SECONDS + 5, f"stopped {took:.1f}s after the signal"
    assert f"statuspage integration: stopped by {stop.name}" in output
