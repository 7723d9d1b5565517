"""Every read command's text and JSON, byte for byte, against tests/golden/ (issue 15: the read paths are
rewritten for speed; what a user reads must not change by one byte). The store is tests/golden_scene.py's:
two contracts, the demo roster, a dozen tickets in every state, made through the CLI at fixed times.

ZLDESK_GOLDEN_UPDATE=1 rewrites the files from the code as it is (then read the diff before committing).
Normalised, and only this: the temporary directory's path (<TMP>) and the tree's and the home directory's (<ROOT>, <HOME>, `paths`); in the
audit commands the SHA-256 digests (<sha256:N>, numbered by first appearance: which chains and heads are
equal is kept, the bytes are not, since a change of what is stored, issue 15's goal 6, changes them
legitimately) and the schema's version number (a migration adds one).
"""

from __future__ import annotations

import shutil

import pytest

from . import golden_scene as g

L = ("--contract", "leishan")
Q = ("--contract", "qianxi")
SEVEN = ("--from", "2026-09-28", "--to", "2026-10-04")

# name: (arguments, exit code)
READS: dict[str, tuple[tuple[str, ...], int]] = {
    "contracts": (("contracts",), 0),
    "contracts.json": (("contracts", "--json"), 0),
    "covered-mzsf": (("covered", "mzsf"), 0),
    "covered-mzsf.json": (("covered", "mzsf", "--json"), 0),
    "covered-menzhen-leishan": (("covered", "门诊", *L), 0),
    "covered-menzhen-leishan.json": (("covered", "门诊", *L, "--json"), 0),
    "covered-unselected": (("covered", "血库", *Q), 1),
    "covered-exclusion.json": (("covered", "支付宝", "--json"), 1),
    "covered-nothing": (("covered", "挖掘机"), 3),
    "covered-nothing.json": (("covered", "挖掘机", "--json"), 3),
    "ticket-list": (("ticket", "list"), 0),
    "ticket-list.json": (("ticket", "list", "--json"), 0),
    "ticket-list-open": (("ticket", "list", "--open"), 0),
    "ticket-list-open.json": (("ticket", "list", "--open", "--json"), 0),
    "ticket-list-qianxi": (("ticket", "list", *Q), 0),
    "ticket-list-qianxi.json": (("ticket", "list", *Q, "--json"), 0),
    "ticket-list-open-leishan.json": (("ticket", "list", "--open", *L, "--json"), 0),
    "ticket-list-open-qianxi": (("ticket", "list", "--open", *Q), 0),
    "ticket-show-missing": (("ticket", "show", "99"), 3),
    "ticket-search-shoufei": (("ticket", "search", "收费"), 0),
    "ticket-search-shoufei.json": (("ticket", "search", "收费", "--json"), 0),
    "ticket-search-note.json": (("ticket", "search", "点我", "--json"), 0),
    "ticket-search-ora": (("ticket", "search", "ORA"), 0),
    "ticket-search-nothing": (("ticket", "search", "挖掘机"), 0),
    "sla-deadline-1": (("sla", "deadline", *L, "--severity", "1", "--opened", "2026-09-30 08:10"), 0),
    "sla-deadline-1.json": (("sla", "deadline", *L, "--severity", "1", "--opened", "2026-09-30 08:10", "--json"), 0),
    "sla-deadline-3-paused": (
        (
            "sla",
            "deadline",
            *L,
            "--severity",
            "3",
            "--opened",
            "2026-09-29 17:00",
            "--pause",
            "2026-09-30 09:00/2026-09-30 10:00",
        ),
        0,
    ),  # fmt: skip
    "sla-deadline-4-holiday.json": (
        ("sla", "deadline", *L, "--severity", "4", "--opened", "2026-09-30 17:00", "--json"),
        0,
    ),
    "sla-deadline-open-pause.json": (
        (
            "sla",
            "deadline",
            *Q,
            "--severity",
            "3",
            "--opened",
            "2026-09-30 09:00",
            "--pause",
            "2026-09-30 09:30/",
            "--json",
        ),
        0,
    ),  # fmt: skip
    "sla-calendar-2026": (("sla", "calendar", "2026"), 0),
    "sla-calendar-2026.json": (("sla", "calendar", "2026", "--json"), 0),
    "roster-now": (("roster", "now", *L), 0),
    "roster-now.json": (("roster", "now", *L, "--json"), 0),
    "roster-now-at-holiday": (("roster", "now", *L, "--at", "2026-10-03T12:00"), 0),
    "roster-now-at-holiday.json": (("roster", "now", *L, "--at", "2026-10-03T12:00", "--json"), 0),
    "roster-gaps": (("roster", "gaps", *L, "--days", "14"), 0),
    "roster-gaps.json": (("roster", "gaps", *L, "--days", "14", "--json"), 0),
    "roster-gaps-qianxi": (("roster", "gaps", *Q, "--days", "3"), 1),
    "roster-notice": (("roster", "notice", *L, "--holiday", "国庆节"), 0),
    "roster-notice-2027": (("roster", "notice", *L, "--holiday", "春节", "--year", "2027"), 0),
    "roster-hours": (("roster", "hours", *L), 0),
    "roster-hours-week.json": (("roster", "hours", *L, *SEVEN, "--json"), 0),
    "roster-export.csv": (("roster", "export", *L, *SEVEN), 0),
    "roster-export.ics": (("roster", "export", *L, *SEVEN, "--format", "ics"), 0),
    "roster-export.json": (
        ("roster", "export", *L, "--from", "2026-10-01", "--to", "2026-10-02", "--format", "json"),
        0,
    ),
    "roster-log": (("roster", "log", *L), 0),
    "roster-log.json": (("roster", "log", *L, "--json"), 0),
    "export-contract.toml": (("export", "contract", "leishan"), 0),
    "export-contract.json": (("export", "contract", "leishan", "--format", "json"), 0),
    "export-contract-qianxi.toml": (("export", "contract", "qianxi", "--format", "toml"), 0),
    "export-modules.csv": (("export", "modules", "leishan"), 0),
    "export-modules.json": (("export", "modules", "leishan", "--format", "json"), 0),
    "export-modules-bad-format": (("export", "modules", "leishan", "--format", "xlsx"), 2),
    "audit-head": (("audit", "head"), 0),
    "audit-head.json": (("audit", "head", "--json"), 0),
    "audit-verify": (("audit", "verify"), 0),
    "audit-verify.json": (("audit", "verify", "--json"), 0),
    "paths.json": (("paths", "--json"), 0),
}
READS |= {f"ticket-show-{n}": (("ticket", "show", str(n)), 0) for n in range(1, 14)}
READS |= {f"ticket-show-{n}.json": (("ticket", "show", str(n), "--json"), 0) for n in range(1, 14)}


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return g.scene(tmp_path_factory)


@pytest.fixture
def at_now(scene, monkeypatch):
    g.environment(monkeypatch, scene)
    g.freeze(monkeypatch)
    return scene


@pytest.mark.parametrize("name", sorted(READS))
def test_read_command_output_is_unchanged(at_now, name):
    args, code = READS[name]
    ran = g.invoke(*args)
    assert ran.exit_code == code, (ran.stdout, ran.stderr)
    g.check(name, g.normalise(ran.stdout, at_now, name), g.normalise(ran.stderr, at_now, name))


def test_the_scene_is_what_the_goldens_were_made_from(at_now):
    """Every state and every awkward text is there, so a golden file cannot quietly lose its subject."""
    import json

    tickets = json.loads(g.invoke("ticket", "list", "--json").stdout)
    assert {t["state"] for t in tickets} >= {"new", "acknowledged", "on_site", "pending", "resolved", "closed"}
    shown = [json.loads(g.invoke("ticket", "show", str(t["id"]), "--json").stdout) for t in tickets]
    assert len(tickets) == 13 and any("\x1b" in t["title"] for t in shown)
    kinds = {e["kind"] for t in shown for e in t["history"]}
    assert kinds >= {"negotiate", "severity", "pause", "reopen", "remote", "remote_session", "note"}


MODULE_IMPORTS = {
    "import-modules-dry-run": ("modules.csv", "--dry-run"),
    "import-modules": ("modules.csv",),
    "import-modules-many-dry-run": ("many.csv", "--dry-run"),
    "import-modules-many": ("many.csv",),
    # --verbose lists every change as the import did before it summarised: these are 871fdcf's bytes
    "import-modules-many-verbose": ("many.csv", "--verbose"),
    "import-modules-many-dry-run-verbose": ("many.csv", "--dry-run", "--verbose"),
}


@pytest.mark.parametrize("name", sorted(MODULE_IMPORTS))
def test_import_modules_output_is_unchanged(at_now, tmp_path, monkeypatch, name):
    """The import's report and the store it leaves, as `export modules` and `covered` read it: a small
    change (four lines) and one longer than a screen (34 lines, most rows dropped: summarised past 20
    lines since issue 15, in full with --verbose)."""
    copy = tmp_path / "copy"
    shutil.copytree(at_now, copy)
    g.environment(monkeypatch, copy)
    ran = g.invoke("import", "modules", *MODULE_IMPORTS[name], *L)
    assert ran.exit_code == 0, (ran.stdout, ran.stderr)
    after = g.invoke("export", "modules", "leishan").stdout + g.invoke("covered", "院感", *L).stdout
    g.check(name, g.normalise(ran.stdout, copy) + "---\n" + after, g.normalise(ran.stderr, copy))
