"""The console benchmark, tiny: it must keep running and print both figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_console_benchmark_runs(tmp_path):
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "console_bench.py"
    run = subprocess.run(
        [
            sys.executable,
            str(script),
            "--db",
            str(tmp_path / "b.db"),
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
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "start-up to first rows: zldesk" in run.stdout and "bare 1,000-row DataTable" in run.stdout
    assert "ticking with 60 open tickets" in run.stdout
