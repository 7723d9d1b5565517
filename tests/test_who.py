"""`zldesk who PHONE` (issue 16, who is calling): every hospital and person known for a number, from the
contact lists, the contracts' own contacts and the callers of past tickets, however the caller ID writes
the number; one indexed look-up (schema v11 keeps each ticket's phone keys, backfilled on upgrade), on the
quick read path, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from zldesk import phones
from zldesk.store.schema import LATEST

from .conftest import LEISHAN, store_checksum

CONTACTS = "name,phone,dept,role\n王芳,13812345678；0855-8231234转12,信息科,科长\n李强,8231299,药房,\n"


@pytest.mark.parametrize(
    "written, kind, key, local",
    [
        ("13812345678", "mobile", "13812345678", None),
        ("138 1234 5678", "mobile", "13812345678", None),
        ("138-1234-5678", "mobile", "13812345678", None),
        ("+86 138 1234 5678", "mobile", "13812345678", None),
        ("+8613812345678", "mobile", "13812345678", None),
        ("0086 138 1234 5678", "mobile", "13812345678", None),
        ("8613812345678", "mobile", "13812345678", None),
        ("013812345678", "mobile", "13812345678", None),  # dialled from another city
        ("１３８１２３４５６７８", "mobile", "13812345678", None),  # full-width
        ("0855-8231234", "landline", "08558231234", "8231234"),
        ("0855 823 1234", "landline", "08558231234", "8231234"),
        ("(0855)823.1234", "landline", "08558231234", "8231234"),
        ("（0855）8231234", "landline", "08558231234", "8231234"),
        ("855 8231234", "landline", "08558231234", "8231234"),  # area code without its 0
        ("+86 855 8231234", "landline", "08558231234", "8231234"),
        ("+86 (0)855 8231234", "landline", "08558231234", "8231234"),
        ("0086-855-8231234", "landline", "08558231234", "8231234"),
        ("0855-8231234转123", "landline", "08558231234", "8231234"),  # the extension is not the number
        ("0855-8231234 分机 8", "landline", "08558231234", "8231234"),
        ("0855-8231234 ext. 8", "landline", "08558231234", "8231234"),
        ("010-62751234", "landline", "01062751234", "62751234"),  # Beijing: a two-digit area code
        ("020 8888 1234", "landline", "02088881234", "88881234"),
        ("8231234", "local", None, "8231234"),
        ("6275 1234", "local", None, "62751234"),
        ("120", "other", "120", None),
        ("+1 415 555 0100", "other", "+14155550100", None),
    ],
)
def test_every_way_a_number_is_written_gives_its_one_key(written, kind, key, local):
    assert phones.parse(written) == phones.Phone(kind, key, local)


@pytest.mark.parametrize("written", ["", "  ", "急诊", "138-1234-567x", "12", "+", "1\x1b2"])
def test_what_is_no_number_has_no_key(written):
    assert phones.parse(written) is None


def test_a_cell_of_two_numbers_keys_the_first():
    assert phones.key("13812345678；0855-8231234") == "13812345678" and phones.split("a；b、c;d") == list("abcd")


@pytest.fixture
def known(cli, tmp_path, db_path):
    """Two hospitals: leishan (the bundled contract) with a contact list and a past caller, and `rongjiang`
    (a fictional one of the same template) whose caller shares 王芳's landline."""
    other = tmp_path / "rongjiang.toml"
    text = LEISHAN.read_text(encoding="utf-8").replace('code = "leishan"', 'code = "rongjiang"')
    other.write_text(text.replace("雷山县人民医院", "榕江县人民医院"), encoding="utf-8")
    assert cli("import", "contract", str(other)).exit_code == 0
    people = tmp_path / "people.csv"
    people.write_text(CONTACTS, encoding="utf-8")
    assert cli("import", "contacts", str(people), "--contract", "leishan").exit_code == 0
    for contract, at, caller, phone in [
        ("leishan", "2026-11-02T09:00", "王芳", "0855 8231234"),
        ("leishan", "2026-11-20T21:15", "王芳", "+86 855 8231234"),
        ("rongjiang", "2026-11-10T10:00", "陈静", "(0855)823-1234"),
        ("leishan", "2026-11-21T08:00", "赵敏", "13900001111"),
    ]:
        ran = cli(
            "ticket", "new", "--contract", contract, "--severity", "3", "--title", "打印机不出纸",
            "--caller", caller, "--dept", "门诊", "--phone", phone, "--at", at,
        )  # fmt: skip
        assert ran.exit_code == 0, ran
    return db_path


def who(cli, number: str) -> list[dict]:
    ran = cli("who", number, "--json")
    assert ran.exit_code == 0, ran
    return json.loads(ran.stdout)


@pytest.mark.parametrize(
    "number", ["0855-8231234", "08558231234", "855 8231234", "+86 855 823 1234", "0086 0855 8231234"]
)
def test_a_landline_is_found_in_every_form_with_people_contacts_and_callers_most_recent_first(known, cli, number):
    found = who(cli, number)
    assert [(k["source"], k["contract"], k["name"]) for k in found] == [
        ("contacts", "leishan", "王芳"),
        ("ticket", "leishan", "王芳"),  # 2026-11-20, the later of her two calls
        ("ticket", "rongjiang", "陈静"),
    ]
    assert found[0] | {"last_ticket": None} == {
        "contract": "leishan",
        "customer": "雷山县人民医院",
        "name": "王芳",
        "dept": "信息科",
        "role": "科长",
        "source": "contacts",
        "last_ticket": None,
        "phone": "0855-8231234转12",
        "match": "number",
        "tickets": None,
    }
    assert found[1]["last_ticket"] == {"id": 2, "received_at": "2026-11-20T21:15:00+08:00"}
    assert found[1]["tickets"] == 2 and found[1]["customer"] == "雷山县人民医院"
    assert found[2]["last_ticket"]["id"] == 3 and found[2]["customer"] == "榕江县人民医院"


def test_a_mobile_and_the_contracts_own_contacts(known, cli):
    assert [(k["source"], k["name"]) for k in who(cli, "+86 139-0000-1111")] == [("ticket", "赵敏")]
    hotline = who(cli, "13314486056")  # the contracts' backup mobile: both hospitals hold it
    assert [(k["source"], k["contract"], k["role"]) for k in hotline] == [
        ("contract", "leishan", "backup"),
        ("contract", "rongjiang", "backup"),
    ]
    assert who(cli, "0851 8472 4060")[0]["name"] == "售后服务热线（服务部值班组）"
    ran = cli("who", "1027378815")  # a QQ group's number is no telephone, though it reads as one
    assert ran.exit_code == 1


def test_a_local_number_matches_the_local_part_and_says_it_is_a_weaker_match(known, cli):
    found = who(cli, "823 1234")
    assert {k["match"] for k in found} == {"local"} and len(found) == 3
    ran = cli("who", "8231234")
    assert ran.exit_code == 0
    assert "仅本地号码 8231234 相同（没有区号" in ran.stdout.splitlines()[1]
    # a number stored without its area code is a weaker match for a full number with that local part
    found = who(cli, "0855-8231299")
    assert [(k["name"], k["match"]) for k in found] == [("李强", "local")]


def test_the_text_is_chinese_in_columns_and_user_text_is_never_markup(known, cli, tmp_path):
    people = tmp_path / "more.csv"
    people.write_text(CONTACTS + "[bold]周[/bold],13700000000,[red]x,\n", encoding="utf-8")
    assert cli("import", "contacts", str(people), "--contract", "leishan").exit_code == 0
    ran = cli("who", "0855-8231234")
    lines = ran.stdout.splitlines()
    assert lines[0] == "来电 0855-8231234（座机 08558231234）：3 条"
    assert lines[1].split() == ["雷山县人民医院", "王芳", "信息科/科长", "联系人名单", "0855-8231234转12"]
    assert lines[2].split() == [
        "雷山县人民医院",
        "王芳",
        "门诊",
        "来电记录",
        "上次",
        "#2",
        "2026-11-20",
        "21:15（共",
        "2",
        "次）",
    ]
    from rich.cells import cell_len

    assert len({cell_len(line[: line.index("来电记录")]) for line in lines[2:]}) == 1  # columns line up in cells
    assert "[bold]周[/bold]" in cli("who", "13700000000").stdout


def test_nothing_known_exits_1_and_a_non_number_is_refused(known, cli):
    ran = cli("who", "13600000000")
    assert ran.exit_code == 1 and "没有找到" in ran.stdout
    ran = cli("who", "13600000000", "--json")
    assert ran.exit_code == 1 and json.loads(ran.stdout) == []
    ran = cli("who", "急诊\x1b[2J")
    assert ran.exit_code == 2 and "不是电话号码" in ran.stderr and "\x1b" not in ran.stderr


def test_who_writes_nothing(known, cli):
    before = store_checksum(known)
    who(cli, "0855-8231234")
    assert store_checksum(known) == before


def test_the_lookup_is_one_indexed_search(known):
    conn = sqlite3.connect(known)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM ticket WHERE phone_key = '08558231234' ORDER BY received_at DESC"
    ).fetchall()
    conn.close()
    assert any("ix_ticket_phone_key" in row[-1] for row in plan) and not any("SCAN" in row[-1] for row in plan)


def test_an_older_store_gets_its_tickets_phone_keys_when_upgraded(known, cli):
    conn = sqlite3.connect(known)
    with conn:  # as schema 10 left it: no keys, no person table
        for name in ("phone_key", "phone_local"):
            conn.execute(f"DROP INDEX ix_ticket_{name}")
            conn.execute(f"ALTER TABLE ticket DROP COLUMN {name}")
        conn.execute("DROP TABLE person")
        conn.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
    conn.close()
    ran = cli("who", "0855-8231234", "--json")
    assert ran.exit_code == 0 and f"从第 10 版升级到第 {LATEST} 版" in ran.stderr
    assert [(k["source"], k["name"]) for k in json.loads(ran.stdout)] == [("ticket", "王芳"), ("ticket", "陈静")]
    conn = sqlite3.connect(known)
    keys = conn.execute("SELECT phone, phone_key, phone_local FROM ticket ORDER BY id").fetchall()
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == (str(LATEST),) and LATEST >= 11
    assert keys == [(p, phones.key(p), phones.local(p)) for p, *_ in keys] and keys[3][1] == "13900001111"


def test_who_in_a_process_imports_no_orm(known, tmp_path):
    import os

    from .test_fast_reads import PROBE, imported

    env = {**os.environ, "ZLDESK_CACHE": str(tmp_path / "cache")}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
    ran = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", str(known), "who", "0855-8231234"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert "来电 0855-8231234（座机 08558231234）：3 条" in ran.stdout
    assert imported(ran) == [] and imported(ran, "COMMANDS") == [
        "zldesk.commands.output",
        "zldesk.commands.state",
        "zldesk.commands.who",
    ]


def run(*args: str):
    """The CLI on whatever ZLDESK_DB says (the `cli` fixture would point it at a SQLite file)."""
    from typer.testing import CliRunner

    from zldesk.cli import app

    from .conftest import Ran

    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_contacts_and_who_on_postgres(pg_url, tmp_path):
    cli = run
    people = tmp_path / "people.csv"
    people.write_text(CONTACTS, encoding="utf-8")
    assert cli("import", "contacts", str(people), "--contract", "leishan").exit_code == 0
    ran = cli("ticket", "new", "--severity", "3", "--title", "x", "--caller", "王芳", "--phone", "855-8231234")
    assert ran.exit_code == 0, ran
    found = who(cli, "+86 855 8231234")
    assert [(k["source"], k["name"], k["match"]) for k in found] == [
        ("contacts", "王芳", "number"),
        ("ticket", "王芳", "number"),
    ]
    assert found[1]["last_ticket"]["id"] == 1
    assert [k["name"] for k in who(cli, "8231299")] == ["李强"]
    out = tmp_path / "out.csv"
    assert cli("export", "contacts", "-o", str(out)).exit_code == 0
    again = cli("import", "contacts", str(out), "--contract", "leishan", "--json")
    assert json.loads(again.stdout)["changes"] == []


def test_the_migration_backfills_on_postgres(pg_url):
    import psycopg

    cli = run
    assert cli("ticket", "new", "--severity", "3", "--title", "x", "--phone", "0855-8231234").exit_code == 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for name in ("phone_key", "phone_local"):
            conn.execute(f"DROP INDEX ix_ticket_{name}")
            conn.execute(f"ALTER TABLE ticket DROP COLUMN {name}")
        conn.execute("DROP TABLE person")
        conn.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
    ran = cli("who", "8231234", "--json")
    assert ran.exit_code == 0 and [k["source"] for k in json.loads(ran.stdout)] == ["ticket"]
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        assert conn.execute("SELECT phone_key, phone_local FROM ticket").fetchall() == [("08558231234", "8231234")]


def test_audit_verify_names_a_ticket_whose_phone_keys_were_changed(known, cli):
    assert cli("audit", "verify").exit_code == 0
    conn = sqlite3.connect(known)
    with conn:  # a ticket hidden from `who` by hand
        conn.execute("UPDATE ticket SET phone_key = '13600000000' WHERE id = 1")
    conn.close()
    ran = cli("audit", "verify", "--json")
    assert ran.exit_code == 1
    assert "phone_key" in ran.stdout and '"1"' in ran.stdout


def test_tickets_imported_from_a_register_are_found_by_their_phone(cli, tmp_path):
    register = tmp_path / "登记表.csv"
    register.write_text(
        "合同,级别,标题,来电时间,来电人,电话,科室\n"
        "leishan,3,打印机不出纸,2026-10-01 09:00,孙丽,0855 823 1234,收费处\n"
        "leishan,3,发票打不出,2026-10-05 10:00,孙丽,+86 855-8231234,收费处\n",
        encoding="gb18030",
    )
    ran = cli("import", "tickets", str(register))
    assert ran.exit_code == 0, ran
    found = who(cli, "08558231234")
    assert [(k["source"], k["name"], k["dept"], k["tickets"]) for k in found] == [("ticket", "孙丽", "收费处", 2)]
    assert found[0]["last_ticket"] == {"id": 2, "received_at": "2026-10-05T10:00:00+08:00"}
