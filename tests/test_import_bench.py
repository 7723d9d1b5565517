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
        from measure import counts
    finally:
        sys.path.remove(str(BENCH))
    path = build(tmp_path / "big.db", tickets=300, open=60, seed=7)
    assert counts(path) == (300, 60)
    stamp = path.stat().st_mtime_ns
    assert build(path, tickets=300, open=60, seed=7) == path and path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.csv"))  # the register is removed after the import


def _bench_module(name):
    sys.path.insert(0, str(BENCH))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BENCH))


def test_cached_store_is_built_once_in_its_folder_and_rebuilt_only_when_asked(tmp_path, monkeypatch):
    """One folder (ZLDESK_BENCH_STORES), a name per sizes, seed and schema; a second call reuses the file,
    `rebuild` replaces it whole; nothing half-built or the register is left behind."""
    bigstore, measure = _bench_module("bigstore"), _bench_module("measure")
    from zldesk.store.schema import LATEST
    from zldesk.text import SEARCH_TOKENS

    monkeypatch.setenv("ZLDESK_BENCH_STORES", str(tmp_path / "stores"))
    path = bigstore.cached(200, 40, seed=3)
    assert path.parent == tmp_path / "stores" and f"v{LATEST}-" in path.name and "-200-40-3" in path.name
    assert measure.counts(path) == (200, 40)
    assert bigstore.built(path)["tickets"] == 200 and bigstore.built(path)["import_seconds"] > 0
    stamp = path.stat().st_mtime_ns
    assert bigstore.cached(200, 40, seed=3) == path and path.stat().st_mtime_ns == stamp
    assert bigstore.cached(200, 40, seed=4) != path  # another seed, another store
    inode = path.stat().st_ino
    assert bigstore.cached(200, 40, seed=3, rebuild=True) == path and path.stat().st_ino != inode
    assert measure.counts(path) == (200, 40)
    names = [p.name for p in (tmp_path / "stores").iterdir()]  # besides a reader's -wal/-shm
    assert sorted(n for n in names if n.endswith((".db", ".json"))) == sorted(
        f"v{LATEST}-s{SEARCH_TOKENS}-f{bigstore.FORM}-200-40-{seed}{suffix}"
        for seed in (3, 4)
        for suffix in (".db", ".json")
    )
    assert not [n for n in names if "building" in n or n.endswith(".csv")]


def test_figures_recorded_by_the_benches_make_one_summary_table(tmp_path, monkeypatch):
    measure = _bench_module("measure")
    monkeypatch.delenv(measure.FIGURES_ENV, raising=False)
    measure.record("not kept", "1 s")  # no file named: nothing written
    figures = tmp_path / "figures.jsonl"
    monkeypatch.setenv(measure.FIGURES_ENV, str(figures))
    measure.record("`ticket list --open --json`, 20,000 open", "2.10 s, 34 MiB", "1.00 s", "2.10x", "<= 2.0x", False)
    measure.record("building | 1,000,000", "3.0 min", target="in minutes")
    assert measure.table(figures).splitlines() == [
        "| figure | measured | floor (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
        "| `ticket list --open --json`, 20,000 open | 2.10 s, 34 MiB | 1.00 s | 2.10x | <= 2.0x | **no** |",
        "| building \\| 1,000,000 | 3.0 min |  |  | in minutes |  |",
    ]
