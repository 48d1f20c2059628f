"""`make bench`: its table, from a real run at a tiny size, and how it judges a resync."""

import subprocess
import sys

from sandbox.bench import Measured, Row, judge
from sandbox.ocean_process import ROOT


def measured(requests: int, seconds: float, cpu_seconds: float) -> Measured:
    return Measured(
        returncode=0,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        peak_rss_bytes=100 * 2**20,
        requests=requests,
        public_requests=0,
        refused=0,
        output="",
    )


def test_the_bench_prints_its_table_at_a_tiny_size() -> None:
    bench = subprocess.run(
        [sys.executable, "-m", "sandbox.bench", "--size", "1x5", "--limit", "lifted"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert bench.returncode == 0, bench.stdout[-2000:] + bench.stderr[-2000:]
    lines = bench.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("run"))
    assert header.split() == [
        "run",
        "limit",
        "requests",
        "minimum",
        "seconds",
        "floor",
        "CPU",
        "s",
        "peak",
        "RSS",
    ]
    full = next(line for line in lines if line.strip().startswith("full resync"))
    incremental = next(line for line in lines if line.strip().startswith("incremental"))
    # Requests made, and the minimum: 4 lists in full; 1 + 6 lists incrementally.
    assert full.split()[3:5] == ["4", "4"]
    assert incremental.split()[4:6] == ["7", "7"]


def test_a_full_resync_is_judged_against_the_floor_or_its_cpu_whichever_is_more() -> (
    None
):
    # 131 requests at 60 per 60 s: the floor is 120 s.
    waited = Row("full resync", True, measured(131, 130.0, 50.0), 131)
    busy = Row("full resync", True, measured(131, 185.0, 170.0), 131)
    slow = Row("full resync", True, measured(131, 140.0, 50.0), 131)
    unlimited = Row("full resync", False, measured(131, 500.0, 50.0), 131)

    assert waited.floor_seconds == 120
    assert judge([waited, busy, unlimited]) == []
    assert len(judge([slow])) == 1
