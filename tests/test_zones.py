"""A contract's time zone is an IANA `Area/City` name or UTC, never one that is the host's (`localtime`,
which ZoneInfo finds as /usr/share/zoneinfo/localtime → /etc/localtime): deadlines must not change
with the machine. Refused on import naming the field; a store an older zldesk filled with one fails
clearly instead of computing in the host's zone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zoneinfo

import pytest

from zldesk.app import make_app
from zldesk.contract import AREAS, UnknownZone, zone_named, zone_problem

from .conftest import LEISHAN, store_checksum

TEXT = LEISHAN.read_text(encoding="utf-8")
LINE = next(n for n, line in enumerate(TEXT.split("\n"), 1) if line.startswith("timezone ="))

REFUSED = [
    "localtime",
    "../../etc/localtime",
    "/etc/localtime",
    "posixrules",
    "",
    "Factory",
    "EST5EDT",
    "PRC",
    "Hongkong",
    "GMT+0",
    "Etc/GMT-8",
    "posix/Asia/Shanghai",
    "right/Asia/Shanghai",
    "Asia/Shanghai/../../localtime",
    "asia/shanghai",
    "Asia/No_Such_City",
    "Asia/",
]


@pytest.mark.parametrize("name", REFUSED)
def test_a_zone_that_is_not_an_iana_name_is_refused_naming_the_field(cli, db_path, tmp_path, name):
    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    toml = tmp_path / "c.toml"
    toml.write_text(TEXT.replace('timezone = "Asia/Shanghai"', f"timezone = {json.dumps(name)}"), encoding="utf-8")
    data = json.loads(cli("export", "contract", "leishan", "--format", "json").stdout)
    js = tmp_path / "c.json"
    js.write_text(json.dumps({**data, "timezone": name}, ensure_ascii=False), encoding="utf-8")
    for path, where in ((toml, f"{toml}:{LINE}: timezone:"), (js, f"{js}: timezone:")):
        ran = cli("import", "contract", str(path))
        assert ran.exit_code == 2 and where in ran.stderr and repr(name) in ran.stderr, ran.stderr
        assert "Traceback" not in ran.stderr
    assert store_checksum(db_path) == before
    with pytest.raises(UnknownZone):
        zone_named(name)


def test_the_accepted_names_are_the_iana_area_city_names_and_utc():
    known = zoneinfo.available_timezones()
    accepted = {name for name in known if zone_problem(name) is None}
    assert accepted <= known | {"UTC"}
    assert {"UTC", "Asia/Shanghai", "Asia/Urumqi", "America/Argentina/Buenos_Aires"} <= accepted
    assert all(name == "UTC" or name.split("/")[0] in AREAS for name in accepted)
    # every Area/City name the host knows is taken
    assert {n for n in known if n.split("/")[0] in AREAS and "/" in n} <= accepted
    assert zone_problem("UTC") is None and zone_named("UTC").key == "UTC"


@pytest.fixture
def old_store(cli, db_path, monkeypatch, tmp_path):
    """What an older zldesk, which took any name ZoneInfo could open, left: a contract in `localtime`
    and a ticket opened under it."""
    import zldesk.contract.validation
    import zldesk.contract.zones

    with monkeypatch.context() as m:
        m.setattr(zldesk.contract.validation, "zone_problem", lambda name: None)
        m.setattr(zldesk.contract.zones, "zone_problem", lambda name: None)
        path = tmp_path / "host.toml"
        path.write_text(
            TEXT.replace('timezone = "Asia/Shanghai"', 'timezone = "localtime"').replace(
                'code = "leishan"', 'code = "host"'
            ),
            encoding="utf-8",
        )
        assert cli("import", "contract", str(path)).exit_code == 0
        ran = cli("ticket", "new", "--contract", "host", "--severity", "2", "--title", "按主机时区算的")
        assert ran.exit_code == 0, ran.stderr
    return db_path


def test_a_store_holding_a_localtime_contract_fails_clearly(old_store):
    """Nothing is computed in the host's zone: every way to the ticket, its contract and its roster says
    which contract and what to do, exit 2, and writes nothing. (A new process each: this one has the
    terms' Policy cached from when the older zldesk's rules were patched in.)"""
    before = store_checksum(old_store)
    env = {**os.environ, "ZLDESK_DB": str(old_store), "TZ": "America/New_York"}  # the host's TZ: no matter
    for args in (
        ("ticket", "list"),
        ("ticket", "show", "1"),
        ("ticket", "ack", "1"),
        ("ticket", "new", "--contract", "host", "--severity", "2", "--title", "又一张"),
        ("sla", "deadline", "--contract", "host", "--severity", "2", "--opened", "2026-10-01 10:00"),
        ("roster", "now", "--contract", "host"),
        ("contracts",),
    ):
        ran = subprocess.run([sys.executable, "-m", "zldesk", *args], env=env, capture_output=True, text=True)
        assert ran.returncode == 2, (args, ran.stdout, ran.stderr)
        assert "合同的时区不可用" in ran.stderr and "合同 host 的 timezone" in ran.stderr, (args, ran.stderr)
        assert "'localtime'" in ran.stderr and "Traceback" not in ran.stderr
    assert store_checksum(old_store) == before
    with pytest.raises(UnknownZone, match="合同 host 的 timezone"):
        make_app(f"sqlite:///{old_store}")  # before any screen, as any store that cannot be used
