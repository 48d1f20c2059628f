"""`make bench`: what a full resync and an incremental run cost, against the sandbox.

For each size (by default 1 page of 50 incidents, and 10 pages of 1,000), at Statuspage's real
limit (60 requests in any 60 s) and with the limit lifted, it runs the real integration
(`ocean sail`, event listener ONCE) against a fresh emulator and Port stand-in: a full resync,
then one change upstream (sandbox/change.py), then an incremental run. Each tree's modules are
compiled to bytecode first, as the image's build compiles them. Each row says:

- the API requests made (against the key; the public status pages are counted apart), and the
  fewest that read every list the run must read: a list of n items takes n // 100 + 1
  requests (a full last page needs one more to show it is the last), and an incremental run
  reads 6 lists a page, each of one request when little changed;
- the seconds the process took, and the rolling-window floor for N requests under a limit of
  L per W seconds, W * floor((N - 1) / L): no client can be faster;
- the CPU seconds of the process and its mapping workers, for a full resync also per 1,000
  entities it landed, and the process's peak resident memory (the workers are forks of it,
  sharing its memory).

The full resync at the limit must end within 10% of max(floor, the wall time of the full resync
with the limit lifted, in the same bench run): the requests wait for their window while Ocean
maps what came before, so the limit should cost little beyond the floor. (CPU seconds are not
the bound: they add up both cores, so they can be twice the time the work forces.) Every run
must complete and land what it should, or the bench fails.

With `--baseline REVISION` (`make bench BASELINE=main`), the same cases also run on that
revision, checked out into a temporary directory and run with this tree's virtualenv and
sandbox, in the same bench run, taking turns with this tree's; both tables print, then the two
side by side. Only this tree is judged.
"""

import argparse
import io
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from sandbox.change import (
    INCREMENTAL_ENVIRONMENT,
    INCREMENTAL_LISTS_PER_PAGE,
    make_change,
    missing_from_port,
)
from sandbox.expected import BLUEPRINTS, Identifiers, expected_identifiers
from sandbox.ocean_process import ROOT, Sandbox, ocean_environment
from sandbox.port.server import PortStub
from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.core import EmulatorCore
from sandbox.statuspage.server import StatuspageEmulator

PAGE_SIZE: Final = 100
LIMIT: Final = 60
WINDOW_SECONDS: Final = 60
# The integration's own limit when the emulator's is lifted: its highest setting.
LIFTED: Final = 10_000
# How much over max(floor, the lifted run's seconds) a full resync at the limit may take.
TOLERANCE: Final = 0.10
FULL: Final = "full resync"
# The launcher as a script, run from the tree under test: `ocean sail` then reads that tree's
# integration and .port/, whichever revision it holds.
LAUNCHER_SCRIPT: Final = ROOT / "sandbox" / "run_ocean.py"
# A bound on one run, not a target: on the shared 2-core machine a 10 x 1,000 full resync has
# taken 6 minutes when others were busy, and a run killed at 7 left its BASELINE row empty.
RUN_TIMEOUT_SECONDS: Final = 900.0
# The sizes of issue 11: the foundation's one page, and an account with history.
DEFAULT_SIZES: Final = ("1x50", "10x1000")
SIZES: Final = {
    "1x50": DataConfig(pages=1, groups=5, components=20, incidents=50),
    "10x1000": DataConfig(pages=10, groups=10, components=50, incidents=1000),
}
LIMITS: Final = ("at", "lifted")


@dataclass(frozen=True)
class Measured:
    """One `ocean sail` run: its exit, and what it cost."""

    returncode: int
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    requests: int
    public_requests: int
    refused: int
    output: str


@dataclass(frozen=True)
class Tree:
    """A source tree of the integration that the bench runs: this one, or a baseline's."""

    label: str
    root: Path


@dataclass(frozen=True)
class Row:
    run: str
    limited: bool
    measured: Measured
    minimum: int
    # What a full resync landed in Port, to put its CPU per 1,000 entities; None otherwise.
    entities: int | None = None
    tree: str = "this tree"

    @property
    def floor_seconds(self) -> float | None:
        if not self.limited:
            return None
        return WINDOW_SECONDS * ((self.measured.requests - 1) // LIMIT)

    @property
    def cpu_per_thousand(self) -> float | None:
        """CPU seconds per 1,000 entities landed."""
        if not self.entities:
            return None
        return self.measured.cpu_seconds * 1000 / self.entities


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    failures: list[str] = []
    with _baseline(args.baseline) as baseline:
        trees = [Tree("this tree", ROOT), *([baseline] if baseline else [])]
        for tree in trees:
            compile_like_the_image(tree)
        for size in args.size or DEFAULT_SIZES:
            data = _size(size, args.updates)
            rows: list[Row] = []
            for limit in args.limit or LIMITS:
                # The trees take turns, so a change in the machine's load falls on both.
                for tree in trees:
                    rows += _bench(tree, data, limit == "at", failures)
            for tree in trees:
                _print_table(size, data, tree, _of(rows, tree))
            if baseline is not None:
                _print_side_by_side(rows, trees[0], baseline)
            failures += judge(_of(rows, trees[0]))
            if baseline is not None:
                judge(_of(rows, baseline))  # shown, not held against this tree
    print(f"\nBench took {time.monotonic() - started:.0f} s in all.")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _of(rows: list[Row], tree: Tree) -> list[Row]:
    return [row for row in rows if row.tree == tree.label]


@contextmanager
def _baseline(revision: str | None) -> Iterator[Tree | None]:
    """REVISION's tree, exported from this repository into a temporary directory that is
    removed afterwards; None without a revision."""
    if revision is None:
        yield None
        return
    resolved = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if resolved.returncode != 0:
        raise SystemExit(
            f"--baseline {revision!r} names no commit of this repository; give a branch, "
            "tag or commit, e.g. BASELINE=main"
        )
    commit = resolved.stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-baseline-") as directory:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(directory, filter="data")
        yield Tree(f"{revision} at {commit[:7]}", Path(directory))


def compile_like_the_image(tree: Tree) -> None:
    """Compiles the tree's modules to bytecode, as the image's build does (Dockerfile), so its
    runs load them instead of compiling each from source. Compiling costs a run CPU and about
    1 MiB of peak memory that the image's runs do not pay; and with PYTHONDONTWRITEBYTECODE
    set, as the image sets it, no run would save its bytecode for the next."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"/\.", str(tree.root)],
        check=True,
    )


def _bench(
    tree: Tree, data: DataConfig, limited: bool, failures: list[str]
) -> list[Row]:
    """A full resync, one change, and an incremental run, on a fresh emulator and Port."""
    rate = RateLimitConfig(limit=LIMIT if limited else 0, window_seconds=WINDOW_SECONDS)
    mode = f"{tree.label}, {'at the limit' if limited else 'limit lifted'}"
    with (
        StatuspageEmulator(EmulatorConfig(data=data, rate_limit=rate)) as emulator,
        PortStub() as port,
    ):
        sandbox = Sandbox(emulator.base_url, port.base_url, DEFAULT_API_KEY)
        config = {
            "RATE_LIMIT_REQUESTS": str(LIMIT if limited else LIFTED),
            "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS),
        }
        full = _run(tree, emulator, ocean_environment(sandbox, config=config))
        expected = expected_identifiers(emulator)
        if full.returncode != 0 or _missing(expected, port):
            failures.append(f"the full resync ({mode}) did not land everything")
            _keep_output(full)
        change = make_change(emulator)
        # A fresh window, as for a scheduled run a while later; only its requests count.
        emulator.reset_observations()
        environment = ocean_environment(
            sandbox, config=config, extra=INCREMENTAL_ENVIRONMENT
        )
        incremental = _run(tree, emulator, environment)
        if incremental.returncode != 0 or missing_from_port(port, change):
            failures.append(f"the incremental run ({mode}) did not land the change")
            _keep_output(incremental)
        return [
            Row(
                FULL,
                limited,
                full,
                _full_minimum(emulator),
                entities=sum(len(identifiers) for identifiers in expected.values()),
                tree=tree.label,
            ),
            Row(
                "incremental, 1 change",
                limited,
                incremental,
                1 + INCREMENTAL_LISTS_PER_PAGE * data.pages,
                tree=tree.label,
            ),
        ]


def _run(
    tree: Tree, emulator: EmulatorCore, environment: Mapping[str, str]
) -> Measured:
    """One `ocean sail` of the tree, with the CPU time of it and its workers, and its peak
    memory."""
    before = len(emulator.log)
    with tempfile.TemporaryFile("w+") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(LAUNCHER_SCRIPT)],
            cwd=tree.root,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        status, usage, peak_rss = _wait(process, RUN_TIMEOUT_SECONDS)
        seconds = time.monotonic() - started
        output.seek(0)
        text = output.read()
    log = emulator.log[before:]
    public = sum(1 for entry in log if entry.path.startswith(f"{PUBLIC_PREFIX}/"))
    return Measured(
        returncode=os.waitstatus_to_exitcode(status),
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=peak_rss,
        requests=len(log) - public,
        public_requests=public,
        refused=sum(1 for entry in log if entry.status in (420, 429)),
        output=text,
    )


def _wait(
    process: subprocess.Popen[str], timeout: float
) -> tuple[int, resource.struct_rusage, int]:
    """Its exit status, its and its waited-for workers' resource usage, and its peak
    resident memory. The peak is read from the process while it runs (VmHWM only grows):
    the usage's own maximum would count the bench's memory, which the process was forked
    from before it started the integration."""
    deadline = time.monotonic() + timeout
    peak = 0
    while True:
        peak = max(peak, _high_water_mark(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            # The run is reaped here, so Popen must not wait for it again.
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, peak
        if time.monotonic() > deadline:
            process.kill()
        time.sleep(0.05)


def _high_water_mark(pid: int) -> int:
    """The peak resident memory of a running process (Linux), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _full_minimum(emulator: EmulatorCore) -> int:
    """The page list, and each page's groups, components (groups listed among them too)
    and incidents, each list of n items in n // 100 + 1 requests."""
    with emulator.reading() as state:
        sizes = [
            size
            for page in state.pages.values()
            for size in (len(page.groups), len(page.components), len(page.incidents))
        ]
    return 1 + sum(size // PAGE_SIZE + 1 for size in sizes)


def _missing(expected: Identifiers, port: PortStub) -> bool:
    return any(
        port.entity_identifiers(blueprint) != expected[blueprint]
        for blueprint in BLUEPRINTS
    )


def judge(rows: list[Row]) -> list[str]:
    """The full resync at the limit must end within TOLERANCE of max(floor, the seconds of the
    full resync with the limit lifted): what the limit forces, or what the work takes without
    it. A run the limit never held back (a floor of 0), or one without a lifted run to compare
    with, is only shown."""
    full = {row.limited: row for row in rows if row.run == FULL}
    limited, lifted = full.get(True), full.get(False)
    if limited is None:
        return []
    seconds = limited.measured.seconds
    floor = limited.floor_seconds or 0.0
    where = f"  Full resync at the limit ({limited.tree}): {seconds:.1f} s"
    if lifted is None:
        print(f"{where}, floor {floor:.0f} s; not judged: no run with the limit lifted")
        return []
    bound = max(floor, lifted.measured.seconds)
    ratio = seconds / bound
    judged = floor > 0
    verdict = (
        ("within" if ratio - 1 <= TOLERANCE else "NOT within") + f" {TOLERANCE:.0%}"
        if judged
        else "not judged: the limit never held it back"
    )
    print(
        f"{where} = {ratio:.2f} x max(floor {floor:.0f} s, lifted "
        f"{lifted.measured.seconds:.1f} s), {verdict}"
    )
    if judged and ratio - 1 > TOLERANCE:
        return [
            f"a full resync at the limit ({limited.tree}) took {ratio - 1:.1%} over "
            "max(floor, the lifted run's seconds)"
        ]
    return []


def _print_table(size: str, data: DataConfig, tree: Tree, rows: list[Row]) -> None:
    pages, incidents = size.split("x")
    print(
        f"\n{pages} page(s) x {incidents} incidents ({data.components} components, "
        f"{data.groups} groups, {data.updates} updates an incident, per page), {tree.label}"
    )
    header = (
        f"  {'run':<22}{'limit':<9}{'requests':>9}{'minimum':>9}{'seconds':>9}"
        f"{'floor':>8}{'CPU s':>8}{'CPU s/1k':>10}{'peak RSS':>10}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in rows:
        floor = "-" if row.floor_seconds is None else f"{row.floor_seconds:.0f}"
        measured = row.measured
        print(
            f"  {row.run:<22}{_limit(row):<9}"
            f"{measured.requests:>9}{row.minimum:>9}{measured.seconds:>9.1f}"
            f"{floor:>8}{measured.cpu_seconds:>8.1f}{_per_thousand(row):>10}"
            f"{measured.peak_rss_bytes / 2**20:>6.1f} MiB"
        )
    extra = {r.measured.public_requests for r in rows}
    refused = sum(r.measured.refused for r in rows)
    print(
        f"  (plus {'/'.join(str(n) for n in sorted(extra))} request(s) to the pages' "
        f"public status APIs, another host; {refused} answered 420/429; CPU s/1k: CPU "
        "seconds per 1,000 entities landed)"
    )


def _print_side_by_side(rows: list[Row], this: Tree, baseline: Tree) -> None:
    print(f"\n  {this.label} | {baseline.label}, the same cases in turn:")
    header = (
        f"  {'run':<22}{'limit':<9}{'seconds':>16}{'CPU s':>16}{'change':>8}"
        f"{'CPU s/1k':>16}{'peak MiB':>15}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    theirs = {(row.run, row.limited): row for row in _of(rows, baseline)}
    for row in _of(rows, this):
        other = theirs.get((row.run, row.limited))
        if other is None:
            continue
        mine, base = row.measured, other.measured
        change = mine.cpu_seconds / base.cpu_seconds - 1 if base.cpu_seconds else 0.0
        print(
            f"  {row.run:<22}{_limit(row):<9}"
            f"{mine.seconds:>8.1f} |{base.seconds:>6.1f}"
            f"{mine.cpu_seconds:>8.1f} |{base.cpu_seconds:>6.1f}{change:>+8.0%}"
            f"{_per_thousand(row):>8} |{_per_thousand(other):>6}"
            f"{mine.peak_rss_bytes / 2**20:>7.1f} |{base.peak_rss_bytes / 2**20:>6.1f}"
        )


def _limit(row: Row) -> str:
    return "60/60 s" if row.limited else "lifted"


def _per_thousand(row: Row) -> str:
    per_thousand = row.cpu_per_thousand
    return "-" if per_thousand is None else f"{per_thousand:.2f}"


def _keep_output(run: Measured) -> None:
    log = Path(tempfile.gettempdir()) / "statuspage-bench-ocean.log"
    log.write_text(run.output)
    print(f"  (exit {run.returncode}; the integration's output is in {log})")


def _size(size: str, updates: int) -> DataConfig:
    if size in SIZES:
        return replace(SIZES[size], updates=updates)
    try:
        pages, incidents = (int(part) for part in size.split("x"))
    except ValueError:
        raise SystemExit(
            f"--size takes PAGESxINCIDENTS, e.g. 2x100, not {size!r}"
        ) from None
    return DataConfig(
        pages=pages, groups=5, components=20, incidents=incidents, updates=updates
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--size",
        action="append",
        help="PAGESxINCIDENTS, repeatable (default: 1x50 and 10x1000)",
    )
    parser.add_argument(
        "--limit",
        action="append",
        choices=LIMITS,
        help="at Statuspage's 60/60 s, or lifted; repeatable (default: both)",
    )
    parser.add_argument("--updates", type=int, default=3, help="per incident")
    parser.add_argument(
        "--baseline",
        metavar="REVISION",
        help="also run the same cases on this git revision (e.g. main), side by side",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
