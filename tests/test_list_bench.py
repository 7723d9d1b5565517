"""The list benchmark stays runnable: a small store built by it, both commands and both floors run as
processes, zldesk and the floor listing the same tickets in the same order. Nothing is timed here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_list_benchmark_runs_small():
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "list_bench.py"
    run = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^(ticket list --open(?: --json)?) .*$", run.stdout, re.M)}
    assert set(lines) == {"ticket list --open", "ticket list --open --json"}, run.stdout
    for line in lines.values():
        assert re.search(r"ratio \d+\.\d\dx \(target <= 2\.0x; CPU time \d+\.\d\dx\)", line), line
        assert re.search(r"zldesk +\d+\.\d\d s +\d+ MiB +floor +\d+\.\d\d s +\d+ MiB", line), line
        assert line.endswith("60 tickets, same order: yes"), line
    assert "300 tickets, 60 open" in run.stdout
