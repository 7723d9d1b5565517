"""What a contract text gave, section by section, in lines a person checks against the signed text."""

from __future__ import annotations

from .reader import MATTERS, NO_SITE, TextImport

_DAYS = {"all": "每天", "weekdays": "星期一至星期五", "workdays": "法定工作日"}
_UNITS = {"hours": "小时", "working_days": "个工作日"}


def sections(result: TextImport) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each part of the contract, then the text that was not placed."""
    d = result.data
    out = [
        (
            "合同",
            [
                f"代号 {d.get('code', '')}",
                f"标题 {d.get('title', '')}",
                f"客户 {d.get('customer', '?')}",
                f"服务方 {d.get('vendor', '?')}",
                f"产品 {d.get('product', '?')}",
            ],
        )
    ]
    services = d.get("services", [])
    out.append((f"一、服务内容细则：{len(services)} 项", [_service(s) for s in services]))
    modules = d.get("modules", [])
    selected = sum(1 for m in modules if m["selected"])
    out.append((f"二、软件系统明细表：{len(modules)} 行，选用 {selected} 行", [_module(m) for m in modules]))
    out.append((f"服务窗口：{len(d.get('windows', []))} 个", [_window(w) for w in d.get("windows", [])]))
    out.append((f"问题分级：{len(d.get('severities', []))} 级", [_severity(s) for s in d.get("severities", [])]))
    out.append((f"联系方式：{len(d.get('contacts', []))} 个", [_contact(c) for c in d.get("contacts", [])]))
    out.append(("现场：未写明", [NO_SITE]))
    left = [
        f"第 {x.line} 行 [{x.part}] {x.why}：{_short(x.text)}" + ("（阻止导入）" if x.part in MATTERS else "")
        for x in sorted(result.leftovers, key=lambda x: x.line)
    ]
    out.append((f"未归入任何字段的文字：{len(left)} 处", left or ["无"]))
    if result.set_aside:
        out.append(("略过", [f"第 {x.line} 行 {x.why}：{x.text}" for x in result.set_aside]))
    return out


def _service(s: dict) -> str:
    extra = [
        f"渠道 {'、'.join(s['channels'])}" if s.get("channels") else "",
        f"频次 {s['frequency']}" if s.get("frequency") else "",
        f"周期 {_schedule(s['schedule'])}" if s.get("schedule") else "",
        f"不含 {'；'.join(s['exclusions'])}" if s.get("exclusions") else "",
    ]
    return f"{s['category']} / {s['name']}" + "".join(f"  {e}" for e in extra if e)


def _schedule(schedule: dict) -> str:
    month = f"（{schedule['month']} 月）" if schedule.get("month") else ""
    return f"every {schedule['every']}{month}"


def _module(m: dict) -> str:
    sites = f"  站点 {m['sites']}" if m.get("sites") is not None else ""
    remark = f"  备注 {m['remark']}" if m.get("remark") else ""
    return f"{m['no']:>3} {m['name']}  {'是' if m['selected'] else '否'}{sites}{remark}"


def _window(w: dict) -> str:
    outside = f"，{w['outside']} 关闭时" if w.get("outside") else ""
    return f"{w['name']}（{w['label']}）{_DAYS.get(w['days'], w['days'])} {w['start']}–{w['end']}{outside}"


def _severity(s: dict) -> str:
    t = s["target"]
    extra = "，可协商" if s.get("negotiable") else ""
    return f"{s['level']} 级 {s['name']}：{t['amount']} {_UNITS.get(t['unit'], t['unit'])}（{t['window']}）{extra}"


def _contact(c: dict) -> str:
    window = f"（{c['window']}）" if c.get("window") else ""
    return f"{c['kind']} {c['label']} {c['value']}{window}"


def _short(text: str, limit: int = 70) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
