"""The words for what `audit verify` finds (store/verify.py's Finding and the chains' Break), shared by
`audit verify` and `restore`, which runs the same checks on a backup before it replaces anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ZlDeskError

if TYPE_CHECKING:
    from ..store.audit import Break, Finding
    from ..store.verify import Report

CHAIN_NAMES = {"ticket_event": "工单历史", "roster_event": "值班表历史", "obligation_event": "履约记录"}
TABLE_NAMES = {
    "contract": "合同",
    "contract_window": "服务窗口",
    "severity": "问题分级",
    "service": "服务内容",
    "module": "模块表",
    "contact": "联系方式",
    "engineer": "工程师",
    "roster_rotation": "轮值",
    "roster_shift": "固定班次",
    "roster_override": "调班",
}
TYPE_NAMES = {
    "table": "表",
    "column": "列",
    "index": "索引",
    "trigger": "触发器",
    "view": "视图",
    "function": "函数",
    "rule": "规则",
}
DEADLINE_NAMES = {
    "computed_due": "到期时间",
    "due_ts": "看板的到期时间",
    "clock_start": "起算时间",
    "provisional": "临时标记",
    "warnings": "提示",
    "board_due": "看板的排序与倒数",
}
_TICKET_ROW_NAMES = {  # beside tickets.FIELD_NAMES (imported when a finding is described)
    "contract": "合同",
    "received_at": "来电时间",
    "module_no": "模块编号",
    "in_scope": "是否在合同范围内",
    "state_before_pause": "挂起前的状态",
    "pauses": "挂起记录",
    "levels": "级别记录",
    "remote": "远程许可",
    "version": "版本",
}


class ChainBroken(ZlDeskError):
    """The store is not as zldesk left it: a history table changed outside zldesk, or anything else
    `audit verify` checks. Its answer is no (exit 1), as covered's and roster gaps'."""

    exit_code = 1


class BackupRefused(ZlDeskError):
    """`restore`: the backup failed the checks; nothing was replaced. The file named is refused (exit 2)."""

    exit_code = 2


def refusal(report: Report, where: str) -> ZlDeskError:
    """The error `audit verify` ends with (`where`: "" for the store) or a restore refuses a backup with."""
    lines = problems(report)
    count = len(report.findings) + sum(1 for c in report.chains if c.broken)
    if where:
        return BackupRefused(f"备份没有通过检查，没有恢复（{count} 处）", "\n".join([where, *lines]))
    first = next((c.broken for c in report.chains if c.broken), None)
    title = f"{chain_name(first.table)}被改动过" if first else f"数据库与它的记录对不上（{count} 处）"
    return ChainBroken(title, "\n".join(lines))


SHOWN = 15  # lines of a refusal: a screen at 80x24 with the title and the prompt; --json lists every one


def problems(report: Report, limit: int | None = SHOWN) -> list[str]:
    out = [describe_break(c.broken) for c in report.chains if c.broken]
    many = _many(report.findings)
    for f in report.findings:
        if f.kind not in many:
            out.append(describe(f, report.version))
        elif many[f.kind]:  # the group's line, where its first member was
            thing, _, how = f.kind.partition("_")
            names = many.pop(f.kind)
            said = "少了" if how == "missing" else "多了"
            where = "里有" if how == "missing" else "里没有"
            out.append(
                f"{said} {len(names)} 个{TYPE_NAMES[thing]}（第 {report.version} 版的结构{where}）：{'、'.join(names)}"
            )
            many[f.kind] = []
    if limit is not None and len(out) > limit:
        out = [*out[: limit - 1], f"……另有 {len(out) - limit + 1} 处"]
    if not report.data_checked and report.findings:
        out.append(f"结构与第 {report.version} 版不符，其中的数据没有再核对")
    return out


def _many(findings: list[Finding]) -> dict[str, list[str]]:
    """Schema objects missing or extra by the handful (a file that is hardly a store): one line per kind."""
    groups: dict[str, list[str]] = {}
    for f in findings:
        thing, _, how = f.kind.partition("_")
        if thing in TYPE_NAMES and how in ("missing", "extra"):
            groups.setdefault(f.kind, []).append(f.name)
    return {kind: names for kind, names in groups.items() if len(names) > 3}


def chain_name(table: str) -> str:
    return CHAIN_NAMES.get(table, table)


# ---- the chains ----------------------------------------------------------------------------------------


def describe_break(b: Break) -> str:
    """`ticket_event #5 工单 #2 第 3 版：内容被改过……`"""
    at = where(b)
    return f"{b.table} #{b.id}{' ' + at if at else ''}：{detail(b)}"


def where(b: Break) -> str:
    """The row as people know it (a ticket and its version); empty for a row that is gone."""
    if b.row is None:
        return ""
    if b.table == "ticket_event":
        return f"工单 #{b.row['ticket_id']} 第 {b.row['seq']} 版"
    if b.table == "obligation_event":
        return f"履约记录（{b.row['category']}/{b.row['service']}，合同 id {b.row['contract_id']}）"
    return f"值班表变更（{b.row['kind']}，合同 id {b.row['contract_id']}）"


def detail(b: Break) -> str:
    """What does not hold there, in words."""
    match b.kind:
        case "not_chained":
            return "没有哈希：这一行不是经 zldesk 写入的"
        case "content_changed":
            return "内容被改过：与它写入时的哈希对不上"
        case "prev_link_broken":
            return f"前链断了：它接在 #{b.links_to} 之后，但它的前一行是 #{b.last_id}"
        case "row_missing" if b.head is not None:  # the head names a row past the table's last one
            return f"缺行：链头记的最后一行 #{b.head[0]} 不在表中（表中最后一行是 #{b.last_id}）"
        case "row_missing":
            gap = f"#{b.last_id} 与 #{b.id} 之间" if b.last_id else f"#{b.id} 之前"
            return f"缺行：它的前一行不在表中（{gap}少了记录）"
        case "head_missing":
            return "链头不见了：chain_head 中没有这条链"
        case "head_mismatch":
            return (
                f"链头对不上：链头记的是 #{b.head[0]} {b.head[1][:12]}，表中最后一行是 #{b.last_id} {b.last_hash[:12]}"
            )
    raise ValueError(f"unknown break {b.kind!r}")


# ---- everything else -----------------------------------------------------------------------------------


def describe(f: Finding, version: int) -> str:
    """One finding in a line: which ticket, contract, table or trigger, and what is wrong with it."""
    kind, name, table = f.kind, f.name, f.table
    thing, _, how = kind.partition("_")
    if thing in TYPE_NAMES and how in ("missing", "extra", "changed"):
        return _schema(f, TYPE_NAMES[thing], how, version)
    words = TABLE_NAMES.get(table, table)
    match kind:
        case "evidence_damaged":
            return f"证据 #{name}：内容与记下的 sha256 对不上（记下的 {f.expected}，现在的 {f.found}）：证据文件被改过"
        case "ticket_differs":
            from ..tickets import FIELD_NAMES

            return f"工单 #{name}：{_names(f.fields, FIELD_NAMES | _TICKET_ROW_NAMES)}与它的历史对不上（工单行被改过，没有对应的历史记录）"
        case "deadline_differs" if isinstance(f.found, str):
            return f"工单 #{name}：按它的条款算不出时限（{f.found}）"
        case "deadline_differs":
            return (
                f"工单 #{name}：缓存的{_names(f.fields, DEADLINE_NAMES)}与按它的条款重算的不同"
                "（工单行被改过，或时限规则、法定日历更新过）"
            )
        case "terms_differ":
            return f"工单 #{name}：条款版本是 #{f.found}，按它的历史应是 #{f.expected}"
        case "ticket_without_history":
            return f"工单 #{name}：没有任何历史记录（不是经 zldesk 登记的）"
        case "history_without_ticket":
            return f"工单 #{name}：有历史记录，工单行却不见了"
        case "history_gap":
            return f"工单 #{name}：历史的版本号不连续（{f.found}）"
        case "history_does_not_replay":
            return f"工单 #{name}：历史重放不出来（{f.found}）"
        case "version_damaged":
            return f"合同 {f.fields[0]} 的条款版本 #{name}：条款与记下的 SHA-256 对不上"
        case "contract_unversioned":
            return f"合同 {name}：没有记下的条款版本"
        case "contract_differs":
            paths = "、".join(f.fields[:4]) + ("……" if len(f.fields) > 4 else "")
            return f"合同 {name} 的{words}（{table}）与最近一次导入记下的条款（版本 #{f.expected}）不同：{paths}"
        case "contract_unreadable":
            return f"合同表读不出来（{f.found}）"
        case "roster_differs":
            return f"{words}（{table}）与最近一次值班表变更（roster_event #{name}）记下的不同：表被直接改过"
        case "roster_without_history":
            return f"{words}（{table}）有数据，却没有任何值班表变更记录"
        case "head_moved_back":
            return (
                f"{chain_name(table)}的链头退回了：保存的链头是 #{name}，表中现在最后一行是 #{f.found}"
                "（末尾的记录被删，链头被改写）"
            )
        case "saved_row_missing":
            return f"{chain_name(table)}：保存的链头 #{name} 不在表中（其后的历史被重写过）"
        case "saved_row_changed":
            return f"{chain_name(table)}：保存的链头 #{name} 现在是另一行（哈希 {f.expected[:12]} 变成 {f.found[:12]}，历史被重写过）"
        case "saved_version_missing":
            return f"合同 {name}：保存的条款版本 #{f.expected} 不见了"
        case "saved_version_changed":
            return f"合同 {name}：条款版本 #{f.expected} 与保存的摘要不同"
    raise ValueError(f"unknown finding {kind!r}")


def _schema(f: Finding, what: str, how: str, version: int) -> str:
    on = "" if not f.table or f.table == f.name or f.kind.startswith("column_") else f"（{f.table} 上）"
    if how == "missing":
        return f"少了{what} {f.name}{on}：第 {version} 版的结构里有它"
    if how == "extra":
        body = f"：{f.found[:100]}" if f.found and f.kind.split("_")[0] in ("trigger", "view", "rule") else ""
        return f"多了{what} {f.name}{on}，第 {version} 版的结构里没有（不是 zldesk 建的）{body}"
    return f"{what} {f.name}{on}的定义与第 {version} 版的不同：{(f.found or '')[:100]}"


def _names(fields: tuple[str, ...], names: dict[str, str]) -> str:
    return "、".join(names.get(x, x) for x in fields)
