"""`zldesk who PHONE`: which hospital and who is calling, from the contact lists, the contracts' own
contacts and the callers of past tickets. A read-only look-up: it goes the quick way (State.read, sqlite3
alone for a current store) and imports no SQLAlchemy."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from . import output

KINDS = {"mobile": "手机", "landline": "座机", "local": "本地号码，无区号", "other": "号码"}
WIDEST = 24  # cells of one column (a hospital's name, a person, a department) before it is cut


def who(
    ctx: typer.Context,
    phone: Annotated[str, typer.Argument(help="来电号码，照来电显示写：+86、空格、横线、区号带不带 0 都行。")],
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """这个号码是哪家医院、谁：联系人名单、合同里的联系方式、以往工单的来电人（最近的在前）。什么也没找到时退出码 1。"""
    from .. import phones
    from ..errors import Refused
    from ..store.callers import who as known_for
    from ..text import control_problem

    p = phones.parse(phone) if control_problem(phone) is None else None
    if p is None:
        raise Refused(f"{phone!r} 不是电话号码", "只能有数字、空格、- . ( ) 和开头的 +，可带“转分机”。")
    with ctx.obj.read() as conn:
        found = known_for(conn, p)
    if json:
        output.print_json([_json(k) for k in found])
    else:
        _say(phone, p, found)
    if not found:
        raise typer.Exit(1)


def _when(k) -> datetime:
    """The last call's time in its contract's zone."""
    from ..contract import zone_named

    return k.last_ticket[1].astimezone(zone_named(k.timezone, k.contract))


def _json(k) -> dict:
    last = None
    if k.last_ticket is not None:
        last = {"id": k.last_ticket[0], "received_at": _when(k).isoformat()}
    return {
        "contract": k.contract,
        "customer": k.customer,
        "name": k.name,
        "dept": k.dept,
        "role": k.role,
        "source": k.source,
        "last_ticket": last,
        "phone": k.phone,
        "match": "local" if k.weak else "number",
        "tickets": k.tickets if k.source == "ticket" else None,
    }


def _say(typed: str, p, found: list) -> None:
    from rich.cells import cell_len

    from ..phones import SOURCES
    from ..text import fit

    shown = p.key or p.local
    head = f"来电 {typed}（{KINDS[p.kind]}{'' if shown == typed else ' ' + shown}）"
    if not found:
        output.say(head, "：没有找到。", ("库里的联系人名单、合同联系方式和以往工单都没有这个号码", "dim"))
        return
    output.say((head, "bold"), f"：{len(found)} 条")

    def width(values) -> int:
        return min(WIDEST, max(cell_len(v) for v in values))

    columns = [
        [k.customer for k in found],
        [k.name or "（未留名）" for k in found],
        ["/".join(x for x in (k.dept, k.role) if x) for k in found],
    ]
    widths = [width(values) for values in columns]
    lines, weak_said = [], False
    for i, k in enumerate(found):
        if k.weak and not weak_said:
            weak_said = True
            local = p.local or ""
            lines.append((("仅本地号码 " + local + " 相同（没有区号，可能是别的县的同号电话）：", "yellow"),))
        cells = [fit(column[i], w) for column, w in zip(columns, widths)]
        parts: list = ["  ", (cells[0], "bold"), "  ", cells[1], "  ", cells[2], "  ", (SOURCES[k.source], "dim")]
        if k.last_ticket is not None:
            parts += ["  ", f"上次 #{k.last_ticket[0]} {_when(k):%Y-%m-%d %H:%M}"]
            if k.tickets > 1:
                parts.append(f"（共 {k.tickets} 次）")
        elif k.phone != typed:
            parts += ["  ", k.phone]
        lines.append(tuple(parts))
    output.say_lines(lines)
