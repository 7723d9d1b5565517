"""The console benchmark, tiny: it must keep running and print both figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_console_benchmark_runs(tmp_path):
    """Its store comes from benchmarks/bigstore.py's cache, here a folder of the test's own."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "console_bench.py"
    run = subprocess.run(
        [
            sys.executable,
            str(script),
            "--tickets",
            "300",
            "--open",
            "60",
            "--runs",
            "1",
            "--ticks",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ZLDESK_BENCH_STORES": str(tmp_path / "stores")},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "start-up to first rows, 300 tickets (60 open" in run.stdout and "bare 1,000-row DataTable" in run.stdout
    assert "ticking with 60 open tickets" in run.stdout
    assert len(list((tmp_path / "stores").glob("*.db"))) == 1  # built there once, through zldesk import tickets
