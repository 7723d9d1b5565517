"""The ticket benchmark stays runnable: a tiny store, every query timed, zldesk and sqlite3 agreeing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def test_tickets_benchmark_runs_small(tmp_path):
    """600 tickets, 150 open, in bigstore's cache (here the test's own folder): the board lists exactly the
    open ones, show and both searches agree with sqlite3; the store is only read."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "tickets_bench.py"
    env = {**os.environ, "ZLDESK_BENCH_STORES": str(tmp_path)}
    argv = [sys.executable, str(script), "--tickets", "600", "--open", "150", "--runs", "3"]
    run = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    rows = {}
    for line in run.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in ("list", "show", "search") and parts[-1] in ("yes", "NO"):
            rows[" ".join(parts[:2])] = parts
    assert set(rows) == {"list open", "show +", "search 收费", "search 乱码"}, run.stdout
    assert all(parts[-1] == "yes" for parts in rows.values()), run.stdout
    assert int(rows["list open"][-2]) == 150
    assert int(rows["show +"][-2]) >= 1
    frequent, rare = int(rows["search 收费"][-2]), int(rows["search 乱码"][-2])
    assert 0 < frequent <= 200 and 0 <= rare < frequent
    assert "built through zldesk import tickets" in run.stdout and "targets (" in run.stdout
    (store,) = tmp_path.glob("*.db")
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    again = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0, again.stderr
    assert not [line for line in again.stdout.splitlines() if line.startswith("built ")]  # reused, not rebuilt
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest  # and not written
