"""Column types shared by the tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)

from sqlalchemy import DateTime, Integer, LargeBinary
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """An aware datetime, stored in UTC; SQLite keeps no offset, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; zldesk only stores aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Sha256(TypeDecorator):
    """A sha256 digest: hex text in Python (what the chain's code and `audit verify` print), its 32 bytes in
    the store (schema v10; half the hex's size). A hex text put there by hand reads back as it is."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> bytes | None:
        return None if value is None else bytes.fromhex(value)

    def process_result_value(self, value: bytes | str | None, dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return bytes(value).hex()


def compact_json(value: object) -> str:
    """How the store writes a JSON column (schema v10): UTF-8 as is (a Chinese character is 3 bytes, not the
    6 of a \\uXXXX escape) and no spaces; it reads back as the same value. Text that UTF-8 cannot carry (a
    lone surrogate) keeps the escapes."""
    text = _UTF8(value)
    try:
        text.encode()
    except UnicodeEncodeError:
        return _ASCII(value)
    return text


def json_encoder(ensure_ascii: bool = True, sort_keys: bool = False, default=None):
    """json.JSONEncoder(ensure_ascii=..., sort_keys=..., default=..., separators=(",", ":")).encode, made
    once: the C encoder itself where there is one (`encode` builds it again every call, 40 % of a small
    value's cost), without the circular-reference check (the same text for any value without a cycle)."""
    if c_make_encoder is None:  # pragma: no cover - an interpreter without the json module's C speedups
        return json.JSONEncoder(
            ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default, separators=(",", ":")
        ).encode
    strings = encode_basestring_ascii if ensure_ascii else encode_basestring
    encoder = c_make_encoder(None, default, strings, None, ":", ",", sort_keys, False, True)

    def encode(value: object) -> str:
        return "".join(encoder(value, 0))

    return encode


_UTF8 = json_encoder(ensure_ascii=False)
_ASCII = json_encoder()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """An instant stored as microseconds since 1970 UTC (UtcMicros), aware in UTC."""
    return EPOCH + timedelta(microseconds=value)


def to_micros(value: datetime) -> int:
    """An aware instant as UtcMicros keeps it on SQLite: microseconds since 1970 UTC."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; zldesk only stores aware times")
    return (value - EPOCH) // _MICRO


class UtcMicros(UtcDateTime):
    """An aware datetime like UtcDateTime; SQLite keeps it as microseconds since 1970 UTC, an integer of 6
    to 8 bytes instead of 26 characters (schema v10, the history's two times). PostgreSQL keeps its
    timestamptz. A time written there as text (by an older zldesk, or by hand) reads back as UtcDateTime's."""

    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None or dialect.name != "sqlite":
            return super().process_bind_param(value, dialect)
        return to_micros(value)

    def process_result_value(self, value, dialect) -> datetime | None:
        if isinstance(value, int):
            return from_micros(value)
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return super().process_result_value(value, dialect)
