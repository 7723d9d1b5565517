"""Bytes per ticket: what a store takes on disk, table by table and index by index (SQLite's dbstat).

    python benchmarks/size_bench.py [--db PATH] [--tickets 100000] [--open 20000] [--seed 7] [--scale 1]

With `--db` a store older than this zldesk (schema v8, say) is copied to a temporary file, never touched
itself: the copy is measured, upgraded by `open_store` (migration v10, then VACUUM; timed), and measured
again. A store already at this schema is only measured. Without `--db` a copy of benchmarks/bigstore.py's
cached store (built through `zldesk import tickets`) is turned back into the v8 form it would have had (hex
hashes, ASCII-escaped JSON, UTC text times, the search index with its own copy of the tokens), which is
then measured, upgraded and measured the same way. 100,000 tickets by default: at 1,000,000 (`--tickets
1000000 --open 200000`) the conversion alone takes ~5 minutes (28 s per 100,000, measured), the upgrade
about as long, and each of the two content reads ~3 minutes.

The floor is the store before the upgrade, measured in the same run; the target (issue 15, goal 6) is half
of it: ratio <= 0.50. Both sides must agree: the same tickets and history, read back value for value (JSON
decoded, hashes as hex), the same search results, and `audit verify` intact after the upgrade with the
chain heads it had before; a disagreement is printed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bigstore  # noqa: E402
from measure import add_scale, copy_store, record, scaled  # noqa: E402

from zldesk.store import open_store, reading  # noqa: E402
from zldesk.store.audit import verify  # noqa: E402
from zldesk.store.rows import _utc  # noqa: E402
from zldesk.store.schema import LATEST  # noqa: E402
from zldesk.text import search_query, search_tokens  # noqa: E402

TARGET = 0.5
TERMS = ("收费", "乱码", "系统", "打印")


def breakdown(path: Path) -> tuple[int, int, dict[str, int]]:
    """(file bytes, tickets, {table or index: bytes}) of the store at `path`."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
        sizes = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        pages, size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        conn.close()
    if free:
        sizes["(free pages)"] = free * size
    return pages * size, tickets, sizes


def version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        conn.close()


def _hex(value):
    return value.hex() if isinstance(value, bytes) else value


def _value(kind: str, value):
    """A stored value as zldesk reads it: JSON decoded, a time as an aware datetime, a hash as hex."""
    if kind == "JSON" and isinstance(value, str):
        return json.loads(value)
    if kind == "DATETIME" and value is not None:
        return _utc(value)
    return _hex(value)


def _legacy_time(value):
    # v3's UtcDateTime on SQLite: UTC text without an offset
    return _utc(value).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, int) else value


def content(path: Path) -> dict:
    """What the store says, decoded: a digest of every ticket and event row (JSON as values, hashes as hex;
    a digest, so memory stays flat at any size), the chain heads, and the tickets each search term finds."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for table in ("ticket", "ticket_event", "roster_event", "chain_head"):
            # v8's prev_hash went in v10; v11's phone keys were not there before (audit verify checks them)
            skip = ("prev_hash", "phone_key", "phone_local")
            info = [(c[1], c[2]) for c in conn.execute(f"PRAGMA table_info({table})") if c[1] not in skip]
            names = ", ".join(f'"{name}"' for name, _ in info)
            rows = conn.execute(f"SELECT {names} FROM {table} ORDER BY 1")
            decoded = (tuple(_value(kind, v) for (_, kind), v in zip(info, r)) for r in rows)
            if table == "chain_head":
                out[table] = list(decoded)
                continue
            digest, n = hashlib.sha256(), 0
            for row in decoded:
                digest.update(repr(row).encode())
                n += 1
            out[table] = (n, digest.hexdigest())
        for term in TERMS:
            q = "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid DESC"
            out[f"search {term}"] = [r[0] for r in conn.execute(q, (search_query(term),))]
        return out
    finally:
        conn.close()


def prev_hashes_redundant(path: Path) -> bool:
    """Whether every prev_hash (a store before v10) is the row_hash of the row just before it: what v10 drops
    is then a copy. True where there is no such column."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in ("ticket_event", "roster_event"):
            if "prev_hash" not in {c[1] for c in conn.execute(f"PRAGMA table_info({table})")}:
                continue
            prev = ""
            for stored, digest in conn.execute(f"SELECT prev_hash, row_hash FROM {table} ORDER BY id"):
                if stored != prev:
                    return False
                prev = digest
        return True
    finally:
        conn.close()


def _legacy_json(text):
    # SQLAlchemy's default: ASCII, spaces (a number is kept as one: the JSON column's affinity is NUMERIC)
    return json.dumps(json.loads(text)) if isinstance(text, str) else text


def as_v8(path: Path) -> None:
    """Turn the store at `path` (this zldesk's) into the form schema v8 wrote: hashes as hex text, JSON
    ASCII-escaped with spaces, the history's and the tickets' times as UTC text, the search index with its
    content (v3's), no phone keys nor people (v11's)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.create_function("legacy_json", 1, _legacy_json, deterministic=True)
        conn.create_function("legacy_hex", 1, _hex, deterministic=True)
        conn.create_function("legacy_time", 1, _legacy_time, deterministic=True)
        conn.execute("BEGIN")
        # v11's phone keys and people were not there at v8: the upgrade adds them back (a feature v8 lacked)
        for sql in (
            "DROP INDEX ix_ticket_phone_key",
            "DROP INDEX ix_ticket_phone_local",
            "ALTER TABLE ticket DROP COLUMN phone_key",
            "ALTER TABLE ticket DROP COLUMN phone_local",
            "DROP TABLE person",
        ):
            conn.execute(sql)
        for table in ("ticket_event", "roster_event"):
            conn.execute(f"DROP TRIGGER {table}_no_update")
            conn.execute(f"UPDATE {table} SET row_hash = legacy_hex(row_hash)")
            conn.execute(f"ALTER TABLE {table} ADD COLUMN prev_hash VARCHAR")  # v5's copy of the row before's
            conn.execute(
                f"UPDATE {table} SET prev_hash = coalesce((SELECT p.row_hash FROM {table} p WHERE p.id < {table}.id "
                "ORDER BY p.id DESC LIMIT 1), '')"
            )
            conn.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        conn.execute("DROP TRIGGER ticket_event_no_update")
        conn.execute(
            "UPDATE ticket_event SET entered_at = legacy_time(entered_at), effective_at = legacy_time(effective_at)"
        )
        times = [c[1] for c in conn.execute("PRAGMA table_info(ticket)") if c[2] == "DATETIME"]
        conn.execute("UPDATE ticket SET " + ", ".join(f"{c} = legacy_time({c})" for c in times))
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cols = [c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[2] == "JSON"]
            if cols:
                conn.execute(f"UPDATE {table} SET " + ", ".join(f'"{c}" = legacy_json("{c}")' for c in cols))
        conn.execute(
            "CREATE TRIGGER ticket_event_no_update BEFORE UPDATE ON ticket_event "
            "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END"
        )
        notes: dict[int, list[str]] = {}
        for tid, data in conn.execute("SELECT ticket_id, data FROM ticket_event WHERE kind = 'note' ORDER BY id"):
            notes.setdefault(tid, []).append(str(json.loads(data).get("text", "")))
        conn.execute("DROP TABLE ticket_search")
        conn.execute("CREATE VIRTUAL TABLE ticket_search USING fts5(tokens, tokenize='unicode61')")
        for tid, title, description in conn.execute("SELECT id, title, description FROM ticket").fetchall():
            tokens = search_tokens(" ".join([title, description, *notes.get(tid, [])]))
            conn.execute("INSERT INTO ticket_search (rowid, tokens) VALUES (?, ?)", (tid, tokens))
        conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()


def report(sides: list[tuple[str, int, int, dict[str, int]]]) -> None:
    """One row per table or index taking 0.5 % of a side or more, the rest summed; bytes per ticket and MB."""
    names = sorted({n for *_, sizes in sides for n in sizes}, key=lambda n: -max(s[3].get(n, 0) for s in sides))
    big = [n for n in names if any(s[3].get(n, 0) >= s[1] / 200 for s in sides)]
    rest = f"(the other {len(names) - len(big)})"
    rows = [(n, [s[3].get(n, 0) for s in sides]) for n in big]
    rows.append((rest, [sum(v for k, v in s[3].items() if k not in big) for s in sides]))
    rows.append(("total (the file)", [s[1] for s in sides]))
    print(f"{'table / index':<34}" + "".join(f"{label:>26}" for label, *_ in sides))
    print(f"{'':<34}" + "".join(f"{'B/ticket':>14}{'MB':>12}" for _ in sides))
    for name, values in rows:
        cells = "".join(f"{v / max(s[2], 1):>14.0f}{v / 1e6:>12.2f}" for v, s in zip(values, sides))
        print(f"{name:<34}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a store to measure (copied first if it is older than this zldesk)")
    parser.add_argument("--tickets", type=int, default=100_000, help="without --db: the cached store's size")
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    add_scale(parser)
    args = parser.parse_args()
    built = None
    if args.db is None:
        built = bigstore.cached(scaled(args.tickets, args.scale, 10), scaled(args.open, args.scale, 2), args.seed)
    work = Path(tempfile.mkdtemp(prefix="zldesk-size-", dir=args.db.parent if args.db else None))
    try:
        if built is not None:
            source = work / "v8.db"
            copy_store(built, source)
            t0 = time.perf_counter()
            as_v8(source)
            print(f"{built.name} copied and turned into the v8 form in {time.perf_counter() - t0:.1f} s", flush=True)
        else:
            source = args.db
            if version(source) >= LATEST:
                total, tickets, sizes = breakdown(source)
                print(f"{source}: schema v{version(source)}, {tickets:,} tickets")
                report([(f"v{version(source)}", total, tickets, sizes)])
                return 0
        copy = work / "upgraded.db"
        copy_store(source, copy)
        found = version(copy)
        before = breakdown(copy)
        said, copies = content(copy), prev_hashes_redundant(copy)
        t0 = time.perf_counter()
        engine = open_store(f"sqlite:///{copy}", seed=False)
        upgraded_in = time.perf_counter() - t0
        with reading(engine) as session:
            chains = verify(session.connection())
        engine.dispose()
        after = breakdown(copy)
        sides = [(f"before (v{found})", *before), (f"after (v{LATEST})", *after)]
        if built is not None:
            sides.append((f"written at v{LATEST}", *breakdown(built)))
        report(sides)
        ratio = after[0] / before[0]
        print(f"upgrade v{found} -> v{LATEST} (migration + VACUUM): {upgraded_in:.1f} s")
        print(
            f"bytes per ticket: {before[0] / before[1]:.0f} -> {after[0] / after[1]:.0f}, "
            f"ratio {ratio:.2f} (target <= {TARGET:.2f}: {'met' if ratio <= TARGET else 'NOT met'})"
        )
        agree = content(copy) == said
        record(
            f"bytes per ticket, {before[1]:,} tickets" + ("" if agree else ", contents DIFFER"),
            f"{after[0] / after[1]:,.0f} B (v{LATEST})",
            f"{before[0] / before[1]:,.0f} B (the same store in v{found} form)",
            f"{ratio:.2f}",
            f"<= {TARGET:.2f}",
            ratio <= TARGET and agree,
        )
        heads = {r[0]: r[2] for r in said["chain_head"]}
        intact = all(c.broken is None and heads.get(c.table, "") == c.head for c in chains)
        print(f"same tickets, history and search results: {'yes' if agree else 'NO'}")
        print(f"audit verify after the upgrade, same heads: {'yes' if intact else 'NO'}")
        print(f"every prev_hash dropped was the row before's row_hash: {'yes' if copies else 'NO'}")
        return 0 if agree and intact and copies else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
