"""`zldesk --demo`'s three hospitals (data/demo/hospitals.toml): the bundled contract and two fictional ones
of the same template, each with a service period placed around today, a site, its people and the demo
roster. Each contract goes through the contract file reader, as `zldesk import contract` would read it."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from ..data import bundled_contracts, data_dir


class Hospitals(NamedTuple):
    codes: list[str]  # in the file's order: the first is the bundled contract
    where: dict[str, str]  # demo ticket title -> the hospital that called it
    phones: dict[tuple[str, str], str]  # (hospital, caller) -> their first number


def hospitals_path() -> Path:
    return data_dir() / "demo" / "hospitals.toml"


def contract_toml(entry: dict, today: date) -> str:
    """The hospital's contract file: its template's text under its own code and name, then its period
    (days from `today`) and its site."""
    template = entry.get("template", entry["code"])
    (path,) = [p for p in bundled_contracts() if p.stem == template]
    text = path.read_text(encoding="utf-8")
    if template != entry["code"]:
        base = tomllib.loads(text)
        text = text.replace(f'code = "{base["code"]}"', f'code = "{entry["code"]}"', 1)
        text = text.replace(base["customer"], entry["customer"])
    period = entry["period"]
    start, end = today + timedelta(days=period["start_days"]), today + timedelta(days=period["end_days"])
    text += f"\n[period]\nstart = {start.isoformat()}\nend = {end.isoformat()}\n"
    site = entry.get("site")
    if site:
        text += "\n[site]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in site.items())
    return text


def _value(v) -> str:
    return str(v) if isinstance(v, int) else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_hospitals(session, today: date) -> Hospitals:
    """Save the three contracts and their people in the caller's transaction."""
    from ..contract.files import parse_contract_text
    from ..importers.contacts import Person
    from ..store.contracts import save_contract
    from ..store.people import replace_people

    path = hospitals_path()
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["hospitals"]
    where: dict[str, str] = {}
    numbers: dict[tuple[str, str], str] = {}
    for entry in entries:
        code = entry["code"]
        contract = parse_contract_text(contract_toml(entry, today), "toml", f"{path}:{code}")
        save_contract(session, contract, source=f"demo:{path.name}", who="演示")
        people = tuple(
            Person(p["name"], p.get("dept", ""), p.get("role", ""), tuple(_list(p["phone"])))
            for p in entry.get("contacts", [])
        )
        replace_people(session, code, people, source=f"demo:{path.name}", who="演示")
        where.update({title: code for title in entry.get("tickets", [])})
        numbers.update({(code, p.name): p.phones[0] for p in people})
    return Hospitals([e["code"] for e in entries], where, numbers)


def _list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
