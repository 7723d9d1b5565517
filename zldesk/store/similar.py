"""The tickets most like one ticket (`zldesk ticket similar`): what was done last time.

Read through the driver's own connection (sqlite3 on a current SQLite store, psycopg else), like
`ticket show`. Similar means: the same contract; the same module first; then by the Chinese bigrams of
the ticket's title, description and notes (text.search_tokens, the tokens the search index holds), as one
OR query on that index ranked by relevance (FTS5's bm25 on SQLite, ts_rank on PostgreSQL's tsvector),
ties newest first. Each comes with how it was resolved: its last note before its resolution.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from ..text import search_tokens
from .rows import _all, _json, _utc, placeholder
from .ticket_rows import Event, stored_ticket, ticket_events

LIMIT = 5
MOST_BIGRAMS = 64  # a long description and many notes: their first bigrams, so the query stays quick


class Similar(NamedTuple):
    id: int
    received_at: datetime
    state: str
    module_name: str
    title: str
    score: float  # the index's relevance, higher is more alike
    same_module: bool
    resolution: tuple[str, datetime] | None  # (its last note before resolution, when it was written)


def bigrams(text: str) -> list[str]:
    """The distinct Chinese bigrams of `text` in the order they first occur, as the search index has them."""
    seen: dict[str, None] = {}
    for token in search_tokens(text).split():
        if len(token) == 2 and not token[0].isascii() and not token[1].isascii():
            seen.setdefault(token)
    return list(seen)[:MOST_BIGRAMS]


def _notes(events: list[Event]) -> list[str]:
    return [str(e.data.get("text", "")) for e in events if e.kind == "note"]


def similar(conn, ticket_id: int, limit: int = LIMIT) -> tuple[list[Similar], str]:
    """(the tickets most like `ticket_id`, best first, never itself; its title). UnknownTicket if none."""
    row, _ = stored_ticket(conn, ticket_id)
    notes = _notes(ticket_events(conn, ticket_id))
    text = " ".join([row.title, row.description, *notes])
    return _ranked(conn, bigrams(text), row.contract_id, row.module_name or "", ticket_id, limit), row.title


def like_text(conn, code: str, text: str, module: str = "", limit: int = 3) -> list[Similar]:
    """The contract's tickets most like `text` (a title being typed in the new-ticket form), best first."""
    grams = bigrams(text)
    ids = _all(conn, f"SELECT id FROM contract WHERE code = {placeholder(conn)}", (code,)) if grams else []
    return _ranked(conn, grams, ids[0][0], module, None, limit) if ids else []


def _ranked(conn, grams: list[str], contract_id: int, module: str, exclude: int | None, limit: int) -> list[Similar]:
    """One OR query of the bigrams on the search index: the same module first, then by relevance."""
    if not grams:
        return []
    ph = placeholder(conn)
    columns = "t.id, t.received_at, t.state, t.module_name, t.title, t.resolved_at"
    if ph == "?":
        match = " OR ".join(f'"{g}"' for g in grams)
        sql = (
            f"SELECT {columns}, -bm25(ticket_search) AS score FROM ticket_search s JOIN ticket t ON t.id = s.rowid "
            f"WHERE ticket_search MATCH ? AND t.contract_id = ? AND t.id <> ? "
            "ORDER BY (t.module_name = ? AND t.module_name <> '') DESC, score DESC, t.received_at DESC, t.id DESC "
            "LIMIT ?"
        )
    else:
        match = " | ".join("'" + g.replace("'", "''") + "'" for g in grams)
        sql = (
            f"SELECT {columns}, ts_rank(s.tokens, CAST(%s AS tsquery)) AS score FROM ticket_search s "
            "JOIN ticket t ON t.id = s.ticket_id WHERE s.tokens @@ CAST(%s AS tsquery) AND t.contract_id = %s "
            "AND t.id <> %s ORDER BY (t.module_name = %s AND t.module_name <> '') DESC, score DESC, "
            "t.received_at DESC, t.id DESC LIMIT %s"
        )
    params = (match, contract_id, -1 if exclude is None else exclude, module, limit)
    found = _all(conn, sql, (match, *params) if ph != "?" else params)
    resolutions = _resolutions(conn, {r[0]: _utc(r[5]) for r in found if r[5] is not None})
    return [
        Similar(
            tid,
            _utc(received),
            state,
            name,
            title,
            round(float(score), 3),
            bool(module) and name == module,
            resolutions.get(tid),
        )
        for tid, received, state, name, title, _resolved, score in found
    ]


def _resolutions(conn, resolved: dict[int, datetime]) -> dict[int, tuple[str, datetime]]:
    """Each resolved ticket's last note written (effective) at or before its resolution."""
    if not resolved:
        return {}
    marks = ", ".join([placeholder(conn)] * len(resolved))
    sql = (
        f"SELECT ticket_id, effective_at, data FROM ticket_event WHERE kind = 'note' AND ticket_id IN ({marks}) "
        "ORDER BY seq"
    )
    out: dict[int, tuple[str, datetime]] = {}
    for tid, effective, data in _all(conn, sql, tuple(resolved)):
        at = _utc(effective)
        if at <= resolved[tid] and (tid not in out or at >= out[tid][1]):
            out[tid] = (str(_json(data).get("text", "")), at)
    return out
