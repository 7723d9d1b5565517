"""Errors about the records a person names: contracts, tickets, contract versions, roster changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from .base import NotFound, Problem, Refused, StoreError

# ---- contracts and rosters in the store ----------------------------------------------------------------


class UnknownContract(NotFound):
    """No contract with this code. `known_codes`: the store's codes, None where they were not read."""

    def __init__(self, code: str, known_codes: Sequence[str] | None = None) -> None:
        self.code = code
        self.known_codes = None if known_codes is None else tuple(known_codes)
        if self.known_codes is None:
            super().__init__("没有这个合同", code)
        else:
            super().__init__("没有这个合同", f"{code!r}；库中的合同：{'、'.join(self.known_codes) or '（无）'}")


class UnknownTicket(NotFound):
    """No ticket with this number."""

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        super().__init__("没有这张工单", f"#{ticket_id}")


class TermsDamaged(StoreError):
    """A contract version's stored terms were changed behind zldesk's back: they no longer match the digest
    written with them (`problem` None), or no longer read as a contract (`problem`: the first thing wrong)."""

    def __init__(self, version_id: int, problem: str | None = None) -> None:
        self.version_id, self.problem = version_id, problem
        why = problem or "条款与写入时记下的 SHA-256 对不上"
        super().__init__(
            "合同条款的存档已损坏", f"contract_version #{version_id}：{why}；请从备份恢复（zldesk restore）"
        )


class NoContracts(NotFound):
    """The store holds no contract, and the command needs one."""

    def __init__(self) -> None:
        super().__init__("库中没有合同", "先用 zldesk import contract FILE 导入一个")


class AmbiguousContract(NotFound):
    """No contract was named and the store holds several: what was typed is not enough (exit 2)."""

    exit_code = 2

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = tuple(codes)
        super().__init__(
            "请指明合同", f"库中有 {len(self.codes)} 个合同：{'、'.join(self.codes)}；用 --contract 或 CODE 指定"
        )


class OverrideRefused(Refused):
    """An override typed by a person that breaks the roster's rules (store/roster.py checks it)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("调班未登记", "；".join(dict.fromkeys(p.message for p in self.problems)))


class UnknownEvidence(NotFound):
    """No evidence file has this id (store/obligations.py)."""

    def __init__(self, evidence_id: int) -> None:
        self.evidence_id = evidence_id
        super().__init__("没有这份证据", f"#{evidence_id}；zldesk obligation done 记履约时给出证据的编号")


class EvidenceTooBig(Refused):
    """An evidence file past the store's limit: nothing was written."""

    def __init__(self, name: str, size: int | None, limit: int) -> None:
        self.name, self.size, self.limit = name, size, limit
        shown = "超过上限" if size is None else f"{size:,} 字节"
        super().__init__("证据文件太大", f"{name}：{shown}，最多 {limit:,} 字节（{limit / 1024 / 1024:g} MiB）")
