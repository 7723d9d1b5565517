"""`zldesk --demo`'s three hospitals (issue 16, the demo): the bundled contract and two fictional ones of the
same template on one board, each with its service period around today, its site, its people and a roster;
the demo tickets the file names go to their hospital, with the caller's number from its people. Built by
`fill_demo(..., hospitals=True)` (what `zldesk --demo` runs) on a real SQLite file, read back by the CLI."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zldesk.demo import _TICKETS, fill_demo
from zldesk.demo_hospitals import hospitals_path
from zldesk.store import open_store

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 2, 10, tzinfo=ZONE)


@pytest.fixture
def demo(db_path, cli, monkeypatch):
    import zldesk.commands.tickets as ticket_commands

    monkeypatch.setattr(ticket_commands, "_now", lambda: NOW)
    assert fill_demo(open_store(f"sqlite:///{db_path}"), now=NOW, hospitals=True) == len(_TICKETS)
    return cli


def _file() -> list[dict]:
    return tomllib.loads(hospitals_path().read_text(encoding="utf-8"))["hospitals"]


def test_three_hospitals_each_with_its_period_people_and_roster(demo):
    listed = json.loads(demo("contracts", "--json").stdout)
    assert [c["code"] for c in listed] == ["danzhai", "leishan", "rongjiang"]
    for entry in _file():
        shown = json.loads(demo("export", "contract", entry["code"], "--format", "json").stdout)
        assert shown["customer"] == entry["customer"]
        today = NOW.date()
        assert shown["period"] == {
            "start": (today + timedelta(days=entry["period"]["start_days"])).isoformat(),
            "end": (today + timedelta(days=entry["period"]["end_days"])).isoformat(),
        }
        if entry.get("template"):  # the template's words, under the hospital's own name
            assert "雷山县人民医院" not in json.dumps(shown, ensure_ascii=False)
            assert entry["customer"] in shown["severities"][0]["description"]
        people = demo("export", "contacts", entry["code"], "--format", "json")
        assert [p["name"] for p in json.loads(people.stdout)] == [p["name"] for p in entry["contacts"]]
        roster = demo("roster", "now", "--contract", entry["code"], "--json")
        assert roster.exit_code == 0 and json.loads(roster.stdout), roster.stderr


def test_the_tickets_go_to_the_hospitals_the_file_names(demo):
    tickets = json.loads(demo("ticket", "list", "--json").stdout)
    by_title = {t["title"]: t["contract"] for t in tickets}
    for entry in _file():
        for title in entry.get("tickets", []):
            assert by_title.pop(title) == entry["code"]
    assert set(by_title.values()) == {"leishan"}  # the rest: the bundled contract's


def test_a_caller_of_the_demo_is_known_by_the_number_on_their_ticket(demo):
    """吴药师 of 榕江 called about the stock count: `who` on the number the ticket holds says so."""
    (ticket,) = [
        t for t in json.loads(demo("ticket", "list", "--json").stdout) if t["title"] == "药库月末盘点报表需要调整"
    ]
    shown = json.loads(demo("ticket", "show", str(ticket["id"]), "--json").stdout)
    who = json.loads(demo("who", shown["phone"], "--json").stdout)
    assert {(k["contract"], k["name"], k["source"]) for k in who} == {
        ("rongjiang", "吴药师", "contacts"),
        ("rongjiang", "吴药师", "ticket"),
    }
