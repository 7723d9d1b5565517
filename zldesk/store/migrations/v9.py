"""Schema version 9, frozen: it builds its own Core statements, never the live models."""

from __future__ import annotations

from sqlalchemy import Connection, text


def step(conn: Connection) -> None:
    """Each module and service name keeps its pinyin readings (coverage.pinyin_key) beside it, computed when
    its contract or module table is imported, so `zldesk covered mzsf` matches pinyin without importing
    pypinyin (0.35 s a lookup). The names already stored get theirs here."""
    from ...coverage import pinyin_key

    for table in ("module", "service"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN pinyin TEXT")
        rows = conn.execute(text(f"SELECT id, name FROM {table}")).all()
        keys: dict[str, str] = {}
        for row_id, name in rows:
            key = keys.get(name) or keys.setdefault(name, pinyin_key(name))
            conn.execute(text(f"UPDATE {table} SET pinyin = :k WHERE id = :i"), {"k": key, "i": row_id})
