"""`make bench`: its tables, from real runs at a tiny size, and how it judges a resync."""

import re
import subprocess
import sys
from pathlib import Path

from sandbox.bench import Measured, Row, Tree, compile_like_the_image, judge
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


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_bench_prints_both_trees_and_them_side_by_side_at_a_tiny_size() -> None:
    run = bench("--size", "1x5", "--limit", "lifted", "--baseline", "HEAD")

    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    lines = run.stdout.splitlines()
    titles = [line for line in lines if line.startswith("1 page(s) x 5 incidents")]
    assert titles[0].endswith(", this tree")
    assert re.search(r", HEAD at [0-9a-f]{7}$", titles[1])
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
        "CPU",
        "s/1k",
        "peak",
        "RSS",
    ]
    fulls = [line.split() for line in lines if line.strip().startswith("full resync")]
    incremental = next(line for line in lines if line.strip().startswith("incremental"))
    # Each tree's table, then the side-by-side line.
    assert len(fulls) == 3
    # Requests made, and the minimum: 4 lists in full; 1 + 6 lists incrementally.
    assert fulls[0][3:5] == ["4", "4"]
    assert incremental.split()[4:6] == ["7", "7"]
    # 1 page, 5 groups, 20 components, 5 incidents and 15 updates landed: 46 entities.
    cpu, per_thousand = float(fulls[0][7]), float(fulls[0][8])
    assert abs(per_thousand - cpu * 1000 / 46) < 0.02 * per_thousand + 0.01
    # This tree's seconds | the baseline's, then the CPU seconds likewise.
    side_by_side = fulls[2]
    assert side_by_side[4] == "|"
    assert side_by_side[7] == "|"


def test_a_baseline_that_names_no_commit_stops_the_bench_before_any_run() -> None:
    run = bench("--size", "1x5", "--baseline", "no-such-revision-anywhere")

    assert run.returncode != 0
    assert "names no commit" in run.stderr
    assert "full resync" not in run.stdout


def test_a_full_resync_at_the_limit_is_judged_against_the_floor_or_the_lifted_run() -> (
    None
):
    # 131 requests at 60 per 60 s: the floor is 120 s.
    at_floor = Row("full resync", True, measured(131, 131.0, 50.0), 131)
    slow = Row("full resync", True, measured(131, 140.0, 50.0), 131)
    quick_lifted = Row("full resync", False, measured(131, 90.0, 150.0), 131)
    slow_lifted = Row("full resync", False, measured(131, 135.0, 190.0), 131)

    assert at_floor.floor_seconds == 120
    # Within 10% of the floor when the lifted run is quicker than the floor...
    assert judge([at_floor, quick_lifted]) == []
    assert len(judge([slow, quick_lifted])) == 1
    # ...and of the lifted run's seconds when that is longer.
    assert judge([slow, slow_lifted]) == []


def test_cpu_seconds_summed_over_both_cores_never_excuse_a_slow_limited_run() -> None:
    # Its CPU seconds exceed its wall time (two cores): the bound is the floor, not the CPU.
    busy = Row("full resync", True, measured(131, 160.0, 180.0), 131)
    lifted = Row("full resync", False, measured(131, 100.0, 170.0), 131)

    assert len(judge([busy, lifted])) == 1


def test_a_limited_run_without_a_lifted_one_or_never_held_back_is_only_shown() -> None:
    slow = Row("full resync", True, measured(131, 500.0, 50.0), 131)
    unheld = Row("full resync", True, measured(4, 9.0, 4.0), 4)
    lifted = Row("full resync", False, measured(4, 5.0, 4.0), 4)

    assert unheld.floor_seconds == 0
    assert judge([slow]) == []
    assert judge([unheld, lifted]) == []


def test_cpu_is_put_per_thousand_entities_landed_by_a_full_resync() -> None:
    full = Row("full resync", False, measured(131, 100.0, 150.0), 131, entities=40_610)
    incremental = Row("incremental, 1 change", False, measured(61, 9.0, 11.0), 61)

    assert full.cpu_per_thousand is not None
    assert round(full.cpu_per_thousand, 2) == 3.69
    assert incremental.cpu_per_thousand is None


def test_a_tree_is_compiled_to_bytecode_as_the_image_compiles_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "sync").mkdir()
    (tmp_path / "sync" / "resync.py").write_text("ANSWER = 42\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "site.py").write_text("ANSWER = 42\n")

    compile_like_the_image(Tree("a tree", tmp_path))

    assert [p.name for p in (tmp_path / "sync" / "__pycache__").iterdir()] == [
        f"resync.{sys.implementation.cache_tag}.pyc"
    ]
    assert not (tmp_path / ".venv" / "__pycache__").exists()
