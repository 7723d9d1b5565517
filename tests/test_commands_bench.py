"""The read-only commands' benchmark stays runnable: a small store, each command and its floor, a ratio each."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_commands_benchmark_runs_quick():
    """Each of the seven lookups is run (and must exit as expected, with output), then printed with its
    floor and ratio. Nothing here times anything: the figures are the benchmark's to report."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "commands_bench.py"
    run = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    names = (
        "covered mzsf",
        "ticket show 1",
        "roster now",
        "sla deadline",
        "contracts",
        "who 0855-3300002",
        "handover backup",
    )
    rows = {}
    for line in run.stdout.splitlines():
        for name in names:
            figures = r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+([\d.]+)\s+(?:met|OVER)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x"
            m = re.fullmatch(figures, line[len(name) :])
            if line.startswith(name) and m:
                rows[name] = [float(x) for x in m.groups()]
    assert set(rows) == set(names), run.stdout
    for wall, floor, ratio, mib, cpu, floor_cpu, cpu_ratio in rows.values():
        assert wall > 0 and floor > 0 and mib > 0 and cpu > 0 and floor_cpu > 0
        assert abs(ratio - wall / floor) <= 0.1 * ratio + 0.1  # the ratio printed is of the two figures printed
        assert abs(cpu_ratio - cpu / floor_cpu) <= 0.1 * cpu_ratio + 0.1
