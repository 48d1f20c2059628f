"""Runs the real integration (`ocean sail`, through the loopback launcher) against sandbox servers.

Shared by `make demo` and the end-to-end tests, so both exercise what the Docker image and the
Helm chart run: Ocean's CLI, our spec, config and mappings.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.run_ocean import free_loopback_port

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ["-m", "sandbox.run_ocean"]


@dataclass(frozen=True)
class Sandbox:
    """Where the integration under test finds the vendors and Port: the emulator serves
    Statuspage (with `api_key`) and, when their keys are set, OnlineOrNot, PingPong and
    incident.io too.
    """

    statuspage_url: str
    port_url: str
    # None: Statuspage is not configured.
    api_key: str | None
    identifier: str = "statuspage-sandbox"
    onlineornot_api_key: str | None = None
    pingpong_api_key: str | None = None
    incidentio_api_key: str | None = None


@dataclass(frozen=True)
class RunningOcean:
    url: str
    pid: int

    def resident_bytes(self) -> int:
        """The process's resident memory (Linux), to see what a load costs it."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")


@dataclass(frozen=True)
class FinishedRun:
    returncode: int
    seconds: float
    output: str

    def failure(self) -> str:
        """What a failed run said of why: its error lines and the tracebacks after them
        (which a tail of its output can miss), then the end of its output."""
        lines = self.output.splitlines()
        marks = [
            i for i, line in enumerate(lines) if "ERROR" in line or "Traceback" in line
        ]
        said = [line for i in marks[:5] for line in lines[i : i + 25]]
        return "\n".join([*said, "...", self.output[-2000:]])


def ocean_environment(
    sandbox: Sandbox,
    listener: Mapping[str, object] | None = None,
    config: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The OCEAN__* settings of a run: the caller's environment minus any OCEAN__ it had."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    environment.update(
        {
            "OCEAN__PORT__BASE_URL": sandbox.port_url,
            "OCEAN__PORT__CLIENT_ID": "sandbox-client",
            "OCEAN__PORT__CLIENT_SECRET": "sandbox-secret",
            "OCEAN__INTEGRATION__IDENTIFIER": sandbox.identifier,
            "OCEAN__INTEGRATION__TYPE": "statuspage",
            "OCEAN__EVENT_LISTENER": json.dumps(listener or {"type": "ONCE"}),
            "OCEAN__INITIALIZE_PORT_RESOURCES": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    config = {**_vendor_config(sandbox), **(config or {})}
    for name, value in config.items():
        environment[f"OCEAN__INTEGRATION__CONFIG__{name}"] = value
    environment.update(extra or {})
    return environment


def _vendor_config(sandbox: Sandbox) -> dict[str, str]:
    config = {}
    if sandbox.api_key is not None:
        config["STATUSPAGE_API_KEY"] = sandbox.api_key
        config["STATUSPAGE_HOST"] = sandbox.statuspage_url
        # The emulator serves the pages' public status on 127.0.0.1, over http.
        config["ALLOW_PRIVATE_STATUS_URLS"] = "true"
    if sandbox.onlineornot_api_key is not None:
        config["ONLINEORNOT_API_KEY"] = sandbox.onlineornot_api_key
        config["ONLINEORNOT_HOST"] = sandbox.statuspage_url
    if sandbox.pingpong_api_key is not None:
        config["PINGPONG_API_KEY"] = sandbox.pingpong_api_key
        config["PINGPONG_HOST"] = sandbox.statuspage_url
    if sandbox.incidentio_api_key is not None:
        config["INCIDENTIO_API_KEY"] = sandbox.incidentio_api_key
        config["INCIDENTIO_HOST"] = sandbox.statuspage_url
    return config


def run_once(
    environment: Mapping[str, str], timeout_seconds: float = 120
) -> FinishedRun:
    """One `ocean sail` with the ONCE listener, killed (with any process it started) if it
    outlives `timeout_seconds`."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *LAUNCHER],
        cwd=ROOT,
        env=dict(environment),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # Read on a thread, not with communicate(): that reaps the run, and its process group
    # must be stopped first (_stop_group).
    said: list[str] = []
    stdout = process.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: said.append(stdout.read()))
    reader.start()
    try:
        reader.join(timeout_seconds)
    finally:
        _stop_group(process)
        reader.join(10)
        stdout.close()
    output = "".join(said)
    return FinishedRun(process.returncode, time.monotonic() - started, output)


@contextmanager
def running(
    environment: Mapping[str, str], log_path: Path, ready_timeout_seconds: float = 60
) -> Iterator[RunningOcean]:
    """A long-lived `ocean sail` (a listener other than ONCE); yields it once it answers,
    and stops it on exit. Its output goes to `log_path`."""
    port = environment.get("APPLICATION__PORT") or str(free_loopback_port())
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, *LAUNCHER],
            cwd=ROOT,
            env={**environment, "APPLICATION__PORT": port},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_ready(url, process, ready_timeout_seconds)
            yield RunningOcean(url, process.pid)
        finally:
            _stop_group(process)


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether `condition` came true within `seconds`, asked ten times a second."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def exited_within(process: subprocess.Popen[Any], seconds: float) -> bool:
    """Whether the process ended within `seconds`, leaving it unreaped: until it is reaped its
    pid, and so its process group's id, cannot be given to another process. PIDs wrap quickly
    here (pid_max can be 32,768, and a resync forks pools of workers), so a group id signalled
    after its leader was reaped may name a stranger's group, a test runner's among them.
    """
    deadline = time.monotonic() + seconds
    while _exit_status(process) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _exit_status(process: subprocess.Popen[Any]) -> int | None:
    """The ended process's exit status (or the signal that ended it), left unreaped."""
    ended = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return None if ended is None else ended.si_status


def _stop_group(process: subprocess.Popen[Any]) -> None:
    """Stops the process and every process of its group (Ocean's worker pools would otherwise
    outlive it): SIGTERM, then SIGKILL after a grace period; what is left of the group is
    killed while its leader, ended but unreaped, still holds the group's id. Then reaps it.
    """
    for stop, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        if exited_within(process, 0):
            break
        os.killpg(process.pid, stop)
        if exited_within(process, grace):
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_until_ready(
    url: str, process: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _exit_status(process)
        if status is not None:
            raise RuntimeError(f"ocean sail exited with {status} before it was ready")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"ocean sail did not answer on {url} within {timeout:.0f}s")
