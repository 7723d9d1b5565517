"""What the contract covers: a module by number, hanzi or pinyin; a service or one of its exclusions.

Pure: a Contract in, ranked matches out. Pinyin comes from pypinyin, with every reading of a polyphonic
character accepted; importing it costs 0.2 s warm and over a second from a cold disk, so each module and
service name's readings are computed once, when its contract or module table is imported, and stored
(`pinyin_key`, the `pinyin` columns of schema 9); a lookup given them (`use_keys`) imports no pypinyin.
The console also calls `warm` in a thread at start, for any name stored without its key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from .contract import Contract, Module, Service

# A clause of a description that takes something out of the service.
_EXCLUDING = re.compile(r"^(不包括|不包含|不含|除)")
_CLAUSE_SPLIT = re.compile(r"(?<=[，。；;])")


@dataclass(frozen=True)
class Match:
    kind: str  # module | service | exclusion
    name: str
    covered: bool
    clause: str  # where the contract says so, in its own words
    via: str  # number | name | pinyin | description | exclusion
    score: int  # lower is better
    module: Module | None = None
    service: Service | None = None

    @property
    def status(self) -> str:
        if self.kind == "exclusion":
            return "不含"
        return "覆盖" if self.covered else "未选"

    def to_json(self, contract: Contract) -> dict:
        out = {
            "kind": self.kind,
            "name": self.name,
            "covered": self.covered,
            "clause": self.clause,
            "match": self.via,
            "contract": contract.code,
        }
        if self.module is not None:
            out |= {
                "no": self.module.no,
                "selected": self.module.selected,
                "sites": self.module.sites,
                "remark": self.module.remark,
            }
        if self.service is not None:
            out |= {"category": self.service.category, "channels": list(self.service.channels)}
        return out


def lookup(contract: Contract, query: str) -> list[Match]:
    """Every module, service and exclusion the query names, best first. Empty: not in the contract."""
    q = query.strip()
    if not q:
        return []
    if q.isdigit():
        return [_module_match(m, "number", 0) for m in contract.modules if m.no == int(q)]
    matches: list[Match] = []
    folded = q.casefold()
    letters = re.sub(r"[\s']", "", folded)
    use_pinyin = bool(re.fullmatch(r"[a-z]+", letters))
    for m in contract.modules:
        name = m.name.casefold()
        if folded == name:
            matches.append(_module_match(m, "name", 0))
        elif folded in name:
            matches.append(_module_match(m, "name", 10 + name.index(folded)))
        elif use_pinyin and (cost := pinyin_cost(letters, m.name)) is not None:
            matches.append(_module_match(m, "pinyin", 20 + cost))
    for s in contract.services:
        matches.extend(_service_matches(s, folded, letters if use_pinyin else None))
    matches.sort(key=lambda m: m.score)
    return matches


def _module_match(m: Module, via: str, score: int) -> Match:
    state = "是" if m.selected else "否（未选）"
    sites = f"，站点数 {m.sites}" if m.sites is not None else ""
    remark = f"，备注：{m.remark}" if m.remark else ""
    clause = f"软件系统明细表第 {m.no} 行：{m.name}，是否选择：{state}{sites}{remark}"
    return Match("module", m.name, m.selected, clause, via, score, module=m)


def _service_matches(s: Service, folded: str, letters: str | None) -> list[Match]:
    where = f"服务内容细则·{s.category}·{s.name}"
    # An exclusion that names the thing answers the question outright: it comes before a service that
    # merely mentions it.
    for exclusion in s.exclusions:
        if folded in exclusion.casefold():
            return [Match("exclusion", s.name, False, f"{where}（备注）：{exclusion}", "exclusion", 15, service=s)]
    for clause in _CLAUSE_SPLIT.split(s.description):
        if _EXCLUDING.match(clause) and folded in clause.casefold():
            return [
                Match("exclusion", s.name, False, f"{where}：{clause.rstrip('，。；;')}", "exclusion", 15, service=s)
            ]
    if folded in s.name.casefold():
        return [Match("service", s.name, True, f"{where}：{s.description}", "name", 30, service=s)]
    if letters and (cost := pinyin_cost(letters, s.name)) is not None:
        return [Match("service", s.name, True, f"{where}：{s.description}", "pinyin", 40 + cost, service=s)]
    if folded in s.description.casefold():
        return [Match("service", s.name, True, f"{where}：{s.description}", "description", 50, service=s)]
    return []


_CACHED = 4096


_STORED: dict[str, str] = {}  # name -> its pinyin_key as the store keeps it (use_keys)


def use_keys(keys: dict[str, str]) -> None:
    """The stored pinyin keys of names (store/rows.py's pinyin_keys): `syllables` reads these, not pypinyin."""
    _STORED.update(keys)


def pinyin_key(name: str) -> str:
    """`syllables(name)` as text to store beside the name (each syllable's readings, sorted), as
    json.dumps([sorted(s) for s in syllables], ensure_ascii=False, separators=(",", ":")) writes it: put
    together from its words' parts, each written once (_word)."""
    return "[" + ",".join(part for word in _words(name) if (part := _word(word)[1])) + "]"


@lru_cache(maxsize=_CACHED)
def syllables(name: str) -> tuple[frozenset[str], ...]:
    """Each hanzi's possible readings; runs of latin letters or digits count as one syllable each."""
    stored = _STORED.get(name)
    if stored is not None:
        try:
            return tuple(frozenset(s) for s in json.loads(stored))
        except (ValueError, TypeError):
            pass  # damaged: read again from pypinyin
    return _readings(name)


def _readings(name: str) -> tuple[frozenset[str], ...]:
    """pypinyin.pinyin(name) as `syllables` reads it, word by word (_words, _word)."""
    return tuple(r for word in _words(name) for r in _word(word)[0])


def _words(name: str) -> list[str]:
    """The words pypinyin.pinyin(name) reads one by one: its cut (Pinyin.seg) splits the name into runs of
    hanzi and of other characters (simple_seg), then cuts each run of hanzi into words (mmseg), each run
    alone; a run's cut is kept (_cut), a name's words are its runs' words. Each word is read alone, so
    the name's readings are its words' readings put together: an import of 50,000 names reads a repeated
    run, or word, once."""
    from pypinyin.constants import RE_HANS

    runs = [name] if RE_HANS.match(name) else _runs().findall(name)  # all hanzi: one run (RE_HANS is ^[...]+$)
    return [word for run in runs for word in _cut(run)]


@lru_cache(maxsize=1)
def _runs() -> re.Pattern:
    """simple_seg's cut (runs of hanzi, runs of anything else) as one regular expression: its loop reads a
    name character by character in Python. Made from pypinyin's own class of hanzi (RE_HANS: ^(?:[...])+$)."""
    from pypinyin.constants import RE_HANS

    hanzi = RE_HANS.pattern.removeprefix("^(?:[").removesuffix("])+$")
    return re.compile(f"[{hanzi}]+|[^{hanzi}]+")


@lru_cache(maxsize=1 << 16)
def _cut(run: str) -> tuple[str, ...]:
    from pypinyin.constants import RE_HANS
    from pypinyin.core import Pinyin

    if not RE_HANS.match(run):  # no hanzi (simple_seg's runs are all hanzi or none): pypinyin keeps it whole
        return (run,)
    return tuple(Pinyin().seg(run))


@lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[tuple[frozenset[str], ...], str]:
    """A word's readings (pypinyin.pinyin, heteronyms, no tones), and their part of a pinyin_key."""
    from pypinyin import Style, pinyin
    from pypinyin.constants import RE_HANS

    if not RE_HANS.match(word):
        # No hanzi (模块 12, HIS): pypinyin gives it back whole, one reading, and its syllables are its runs of
        # letters or digits; said here, not asked (a list of 50,000 numbered names has 50,000 such words).
        # Letters and digits need no JSON escape.
        tokens = [word] if re.fullmatch(r"[a-z]+", word) else [t.lower() for t in re.findall(r"[A-Za-z]+|\d+", word)]
        return tuple(frozenset([t]) for t in tokens), ",".join(f'["{t}"]' for t in tokens)
    out: list[frozenset[str]] = []
    for readings in pinyin(word, style=Style.NORMAL, heteronym=True, errors="default"):
        if len(readings) == 1 and not re.fullmatch(r"[a-z]+", readings[0]):
            out.extend(frozenset([tok.lower()]) for tok in re.findall(r"[A-Za-z]+|\d+", readings[0]))
        else:
            out.append(frozenset(r.lower() for r in readings))
    part = json.dumps([sorted(s) for s in out], ensure_ascii=False, separators=(",", ":"))[1:-1]
    return tuple(out), part


def warm(contracts) -> int:
    """Import pypinyin and read every module and service name of `contracts` into `syllables`' cache
    ahead of the first lookup; the number of names read."""
    names = {m.name for c in contracts for m in c.modules} | {s.name for c in contracts for s in c.services}
    for name in sorted(names)[:_CACHED]:  # past the cache's size they would only push each other out
        syllables(name)
    return len(names)


def pinyin_cost(query: str, name: str) -> int | None:
    """Whether `query` spells `name` in pinyin, full or by initials or mixed (mzsf, menzhen, mjzshoufei).

    The query is cut into pieces, each a prefix of one syllable's reading, syllables in order; skipped
    syllables are allowed (门诊 for 门急诊) and each costs 1. None when it cannot be spelt.
    """
    sylls = syllables(name)
    n, m = len(query), len(sylls)
    # best[i][j]: least skips to spell query[i:] from syllable j on.
    inf = 10**6
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        best[n][j] = 0
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            cost = best[i][j + 1] + 1  # skip syllable j
            for reading in sylls[j]:
                k = 0
                while k < len(reading) and i + k < n and query[i + k] == reading[k]:
                    k += 1
                    cost = min(cost, best[i + k][j + 1])
            best[i][j] = cost
    # Syllables left over at the end are free: a query may be just the start of a name.
    return None if best[0][0] >= inf else best[0][0]


def resolve_module(contract: Contract, text: str) -> Module:
    """The one module a person means: by number, exact name, or a part of its name or its pinyin that names
    only one row; else NotFound (no such row) or Refused (which rows it could be: write one). The CLI's
    --module and the new-ticket form both ask this."""
    from .errors import NotFound, Refused

    text = text.strip()
    if text.isdigit():
        for m in contract.modules:
            if m.no == int(text):
                return m
        raise NotFound("合同的模块表里没有这个编号", f"{text}（共 {len(contract.modules)} 行）")
    exact = [m for m in contract.modules if m.name == text]
    matches = exact or [m.module for m in lookup(contract, text) if m.kind == "module"]
    best = {m.no: m for m in matches}  # two rows of one name (the seed's 4 and 28) are two, not one
    if len(best) == 1:
        return matches[0]
    if not best:
        raise NotFound("合同的模块表里没有这个模块", f"{text!r}；用 zldesk covered 查一查")
    names = "、".join(f"{m.no} {m.name}" for m in list(best.values())[:8])
    raise Refused("模块不唯一", f"{text!r} 可以是：{names}；请写编号")
