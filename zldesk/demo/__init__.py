"""`zldesk --demo`: a throwaway store with realistic tickets in every state, placed relative to now.

Openings are chosen in business time, so "20 minutes from breach" holds whatever the hour: the
opening is the instant from which the level's window leaves exactly that much of its target.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..tickets import Action

# (level, title, module, caller, dept, business minutes left (negative: breached), then actions)
# Actions: (kind, minutes after opening or None for "a little before now", data, reason)
_TICKETS = [
    (1, "全院HIS无法登录，所有科室停摆", 22, "李主任", "信息科", 25, [("ack", 5, {}, "")]),
    (
        2,
        "门诊收费处全部窗口无法结算",
        2,
        "王护士",
        "门诊收费处",
        50,
        [("ack", 3, {}, ""), ("assign", 6, {"engineer": "张伟"}, "")],
    ),
    (2, "住院结算窗口打印发票报错", 6, "刘会计", "住院处", -40, [("ack", 10, {}, "")]),
    (
        3,
        "医保日结对账金额不平",
        21,
        "赵科长",
        "医保办",
        600,
        [("ack", 20, {}, ""), ("assign", 25, {"engineer": "李强"}, "")],
    ),
    (3, "病案首页统计报表数据不对", 8, "周医生", "病案室", 900, [("pause", 30, {}, "等待医院导出原始数据")]),
    (
        3,
        "药库月末盘点报表需要调整",
        16,
        "吴药师",
        "药库",
        1500,
        [("ack", 15, {}, ""), ("negotiate", 20, {"days": 5, "agreed_with": "吴药师"}, "医院月底盘点后再处理")],
    ),
    (4, "新增两台工作站需安装HIS程序", 10, "郑护士长", "内科", 3000, [("assign", 40, {"engineer": "王芳"}, "")]),
    (4, "门诊输液系统能否增加提醒", 26, "孙护士", "门诊输液室", 3600, []),
    (3, "检验结果未回传到医生站", 31, "钱技师", "检验科", 200, [("ack", 8, {}, ""), ("arrive", 90, {}, "")]),
    (
        2,
        "药房发药机接口中断",
        7,
        "冯药师",
        "住院药房",
        120,
        [
            ("ack", 4, {}, ""),
            (
                "remote",
                10,
                {
                    "granted_by": "信息科李主任",
                    "channel": "电话",
                    "scope": "远程查看收费服务日志并重启服务",
                    "engineer": "王芳",
                },
                "",
            ),
            ("remote_session", 15, {"engineer": "王芳", "what": "重启收费服务，窗口恢复"}, ""),
            ("resolve", 60, {}, ""),
        ],
    ),
    (
        3,
        "护士站医嘱无法提交[重要]",
        13,
        "陈护士",
        "外科",
        1200,
        [("ack", 6, {}, ""), ("note", 12, {"text": "已远程查看，疑为[/bold]模板问题"}, "")],
    ),
    (
        4,
        "自定义报表新增一列",
        23,
        "褚会计",
        "财务科",
        2000,
        [("ack", 30, {}, ""), ("resolve", 120, {}, ""), ("close", 180, {}, "")],
    ),
]


def _opening(policy, level: int, left_minutes: int, now: datetime) -> datetime:
    """The instant at which a ticket of `level` must open to have `left_minutes` of business time left now."""
    severity = policy.severity(level)
    timeline = policy.timelines[severity.target.window]
    spent = policy.target_seconds(level) - left_minutes * 60
    business = timeline.business_at(now.timestamp()) - spent
    return datetime.fromtimestamp(timeline.instant_at(max(business, 1.0)), policy.out_zone)


def fill_demo(engine, now: datetime | None = None, hospitals: bool = False) -> int:
    """Add the demo tickets to the store's first contract; with `hospitals`, first the three hospitals of
    data/demo/hospitals.toml, the tickets that file names going to theirs. Returns how many tickets."""
    from ..store import writing
    from ..store.contracts import list_contracts
    from ..store.tickets import act, open_ticket, policy_for
    from .hospitals import add_hospitals

    now = now or datetime.now(UTC)
    count = 0
    with writing(engine) as session:
        first = list_contracts(session)[0].code
        known = (
            add_hospitals(session, now.astimezone(policy_for(session, first).out_zone).date()) if hospitals else None
        )
        codes = known.codes if known else [first]
        policies = {code: policy_for(session, code) for code in codes}
        for level, title, module_no, caller, dept, left, actions in _TICKETS:
            code = known.where.get(title, codes[0]) if known else first
            policy = policies[code]
            opened = _opening(policy, level, left, now)
            if opened > now - timedelta(minutes=5):
                opened = now - timedelta(minutes=5)
            module = policy.contract.module(module_no)
            data = {
                "severity": level,
                "title": title,
                "caller": caller,
                "dept": dept,
                "phone": (known.phones.get((code, caller)) if known else None) or f"0855-33{module_no:05d}",
                "module_no": module.no,
                "module_name": module.name,
                "in_scope": module.selected,
                "channel": "hotline",
                "description": f"{dept}来电：{title}。",
            }
            tid, _, _ = open_ticket(session, code, data, opened, "演示", now=now)
            for kind, minutes, extra, reason in actions:
                at = min(opened + timedelta(minutes=minutes), now - timedelta(minutes=1))
                payload = dict(extra)
                if kind == "negotiate":
                    payload = {"due": now + timedelta(days=payload.pop("days")), **payload}
                act(session, tid, Action(kind, at, payload, reason), "演示", now=now)
            count += 1
        for code in codes:
            _add_roster(session, code, policies[code].contract, now)
    return count


def _add_roster(session, code: str, contract, now: datetime) -> None:
    """The demo roster (data/roster/demo.toml), moved to this week, so the header and `o` show it at work."""
    from ..roster import demo_roster
    from ..store.roster import replace_roster

    roster = demo_roster(contract, now.astimezone(contract.zone).date())
    replace_roster(session, code, roster, source="demo:data/roster/demo.toml", who="演示", now=now)
