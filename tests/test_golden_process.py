"""The same golden files, read by `python -m zldesk` as its own process: what a user's terminal gets
(the real entry point, its logging set-up, stdout not a terminal), not only what CliRunner catches.

A process has no way to fix the clock, so only the commands whose output does not depend on it run here:
those that take --at, and those that read what was stored (the store is made in-process at fixed times,
tests/golden_scene.py). Same normalisation (golden_scene.normalise).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from . import golden_scene as g
from .test_golden_cli import READS

IN_A_PROCESS = [
    "contracts",
    "contracts.json",
    "covered-mzsf",
    "covered-exclusion.json",
    "covered-nothing",
    "export-contract.toml",
    "export-contract.json",
    "export-modules.csv",
    "export-modules.json",
    "roster-now-at-holiday",
    "roster-now-at-holiday.json",
    "roster-export.json",
    "roster-log",
    "sla-deadline-1.json",
    "sla-deadline-3-paused",
    "ticket-search-shoufei",
    "ticket-search-note.json",
    "ticket-show-missing",
    "audit-head",
    "audit-verify",
]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return g.scene(tmp_path_factory)


def test_every_process_case_is_a_golden_one():
    assert set(IN_A_PROCESS) <= set(READS)


@pytest.mark.parametrize("name", IN_A_PROCESS)
def test_a_process_prints_the_golden_bytes(scene, name):
    args, code = READS[name]
    env = {k: v for k, v in os.environ.items() if k not in g.UNSET}
    env |= g.ENV | {"ZLDESK_DB": str(scene / "zldesk.db"), "ZLDESK_CONFIG": str(scene / "no-config.toml")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(g.ROOT), env.get("PYTHONPATH")]))
    env["ZLDESK_LOG_FILE"] = str(scene / "zldesk.log")
    ran = subprocess.run([sys.executable, "-m", "zldesk", *args], cwd=scene, env=env, capture_output=True, timeout=120)
    assert ran.returncode == code, ran.stderr.decode()
    stdout, stderr = ran.stdout.decode("utf-8"), ran.stderr.decode("utf-8")
    if g.UPDATE:
        return  # the CliRunner test writes the files; a process must agree with them as they are
    g.check(name, g.normalise(stdout, scene, name), g.normalise(stderr, scene, name))
