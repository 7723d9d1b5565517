"""The import benchmark and the big-store builder stay runnable: small sizes, nothing timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def test_import_benchmark_runs_quick():
    """2,000 tickets: imported by the CLI, the floor store gets the same rows, audit verify passes, ratio printed."""
    run = subprocess.run(
        [sys.executable, str(BENCH / "import_bench.py"), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ratio to the floor:" in run.stdout and "target 5,000 tickets/s" in run.stdout
    assert "'ticket': 2000" in run.stdout and "same in both stores: yes" in run.stdout
    assert "audit verify: passes" in run.stdout


def test_bigstore_builds_through_the_cli_and_reuses_a_store_of_its_sizes(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from bigstore import build
        from tickets_bench import counts
    finally:
        sys.path.remove(str(BENCH))
    path = build(tmp_path / "big.db", tickets=300, open=60, seed=7)
    assert counts(path) == (300, 60)
    stamp = path.stat().st_mtime_ns
    assert build(path, tickets=300, open=60, seed=7) == path and path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.csv"))  # the register is removed after the import
