"""Text from files and users: decoding with a clear error, and showing it literally."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import add

from .errors import InvalidInput, OutOfRange, Problem, Refused

# What must never act on a terminal nor pass for the end of a line: C0 controls, DEL and C1 controls,
# bidi marks, overrides and isolates (U+061C, U+200E/F, U+202A-E, U+2066-9), and the line and paragraph
# separators (U+2028/9; U+0085 is C1). Newline and tab are kept only where a value may span lines.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
# Zero-width characters: harmless to a terminal, but they make two names look like one.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def _escape(m: re.Match) -> str:
    return m.group().encode("unicode_escape").decode("ascii")


def visible(text: str, lines: bool = False) -> str:
    """The text with every control character made visible (`\\x1b`, `\\u202e`), so it can never act on a
    terminal. One line unless `lines`: a newline or tab is shown as `\\n`, `\\t` too, so a value cannot
    forge a record; with `lines` (a note, a description, an export) newline (CRLF as one) and tab are kept."""
    if lines:
        return _UNSAFE_LINES.sub(_escape, text.replace("\r\n", "\n"))
    return _UNSAFE_LINE.sub(_escape, text)


def spelled(text: str) -> str:
    """`visible`, zero-width characters shown too: for saying why two names that look alike differ."""
    return _ZERO_WIDTH.sub(_escape, visible(text))


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def json_safe(document: str) -> str:
    """A JSON document (`json.dumps(..., ensure_ascii=False)`, which escapes C0 itself) with the rest of what
    `visible` shows escaped too, as `\\u009b`: the same data for a program, Chinese still readable, and
    nothing in it that acts on a terminal. Such characters can only be inside its strings. A TOML document
    of basic strings (contract.dumps_toml) takes the same escapes, to the same effect."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def control_problem(text: str, lines: bool = False) -> str | None:
    """Why `text` cannot be taken as a field's value, said with the first character at fault: a control,
    bidi or separator character, or a line break where one line is wanted (`lines` allows LF and CRLF);
    None if it can. Importers and typed input refuse such text: shown, it would act on a terminal or forge
    a line."""
    m = _UNSAFE_LINE.search(text.replace("\r\n", "").replace("\n", "") if lines else text)
    if m is None:
        return None
    if m.group() in "\n\r\u2028\u2029\x85\x0b\x0c":
        return f"含有换行符 {_escape(m)}：这一项只能写一行"
    return f"含有控制字符 {_escape(m)}（不可见，会改动终端或文字方向）"


def plain_name(name: str) -> str:
    """A person's name as one spelling: NFKC (full-width ＡＢＣ as ABC), zero-width characters removed,
    outer blanks stripped, so 王芳 and 王\\u200b芳 are one engineer, not two that look alike."""
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", name)).strip()


def fit(text: str, width: int) -> str:
    """User text cut or padded to exactly `width` terminal cells (CJK counts two), controls made visible."""
    from rich.cells import cell_len, set_cell_size

    text = visible(text)
    if cell_len(text) > width:
        # a wide character that would be split is dropped, not halved: pad after the marker instead
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "~", width)
    return set_cell_size(text, width)


# ---- dates a person types or a file gives -------------------------------------------------------------

# Every date typed or read from a file lies in these years, read in the contract's zone. The statutory
# calendar's lunar tables (the holidays package) stop at 2100, and the deadline engine and the roster look
# ahead from a date: ending at 2099 leaves every look-ahead from the last day in years they know.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MOST_DAYS = 366  # the longest span one roster command computes (--days, --from..--to): a year, leap day too
# Real zones run from UTC-12:00 to UTC+14:00; Python takes up to ±23:59, a day's slip.
_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def in_range(value: int | date, what: str, zone: tzinfo | None = None, typed: str | None = None):
    """`value` itself when it falls in FIRST_YEAR..LAST_YEAR, else OutOfRange naming `what`, the range and
    `typed` (what the person wrote; default the value). A year (int), a date, or an instant: an instant is
    read in `zone` (the contract's), a naive one as local time there."""
    if isinstance(value, datetime):
        zone = zone or value.tzinfo or UTC
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        # Compared as instants: converting year 1 or 9999 to another zone could overflow.
        if datetime(FIRST_YEAR, 1, 1, tzinfo=zone) <= aware < datetime(LAST_YEAR + 1, 1, 1, tzinfo=zone):
            return value
        low, high = f"{FIRST_YEAR}-01-01 00:00", f"{LAST_YEAR}-12-31 23:59"
        raise OutOfRange(what, typed or value.isoformat(), low, high, f"（{_zone_name(zone)} 时间）")
    year = value if isinstance(value, int) else value.year
    if FIRST_YEAR <= year <= LAST_YEAR:
        return value
    if isinstance(value, int):
        raise OutOfRange(what, typed or str(value), str(FIRST_YEAR), str(LAST_YEAR))
    raise OutOfRange(what, typed or value.isoformat(), f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31")


# The years the deadline engine covers: the typed ones, a year early (an instant's UTC year) and five past
# their end (the longest target, MAX_TARGET working days, is about four years). Past them it refuses at once
# rather than build centuries of intervals or overflow a datetime.
COMPUTED_YEARS = (FIRST_YEAR - 1, LAST_YEAR + 5)
_LOW = datetime(COMPUTED_YEARS[0], 1, 1, tzinfo=UTC).timestamp()
_HIGH = datetime(COMPUTED_YEARS[1] + 1, 1, 1, tzinfo=UTC).timestamp()


def beyond(ts: float) -> OutOfRange:
    """The engine's refusal of an instant (epoch seconds), its UTC year said (roughly where no datetime holds it)."""
    try:
        year = f"{datetime.fromtimestamp(ts, UTC).year} 年"
    except (OverflowError, ValueError, OSError):
        year = f"约 {1970 + ts / 31_556_952:.0f} 年"
    return OutOfRange("时限计算用到的时刻", year, f"{COMPUTED_YEARS[0]} 年", f"{COMPUTED_YEARS[1]} 年")


def check_computable(*instants: datetime | float | None) -> None:
    """OutOfRange (`beyond`) for the first instant (a datetime or epoch seconds) outside COMPUTED_YEARS."""
    for at in instants:
        ts = at.timestamp() if isinstance(at, datetime) else at
        if ts is not None and not _LOW <= ts < _HIGH:
            raise beyond(ts)


def parse_instant(text: str, zone, what: str) -> datetime:
    """ISO 8601; without an offset it is the contract's local time (never the host's). Bounded: a real
    zone's offset (UTC-12:00 to +14:00), and a year in FIRST_YEAR..LAST_YEAR in `zone`."""
    typed = text.strip()
    try:
        value = datetime.fromisoformat(typed)
    except ValueError:
        no_such = "：没有这一天或这一刻（闰秒 :60 也不收）" if _ISO_SHAPE.match(typed) else ""
        raise Refused(
            f"{what} 不是 ISO 时间", f"{text!r}{no_such}（例如 2026-11-25T20:00 或 2026-11-25 20:00+08:00）"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    elif not _OFFSETS[0] <= value.utcoffset() <= _OFFSETS[1]:
        raise OutOfRange(f"{what} 的时区偏移", typed, "-12:00", "+14:00")
    return in_range(value, what, zone, typed)


def day_time(value: datetime | date, zone: tzinfo, now: datetime, *, hour: bool = True, narrow: bool = False) -> str:
    """`12-02 08:30` in `now`'s year (both read in `zone`, the contract's), `2062-12-02 08:30` in any other:
    a date a year or a century off never reads as this year's. `hour=False`: the day alone; `narrow` (the
    board's 13-cell column): another year's day without its hour. A date is its own day."""
    local, this_year = _local(value, zone), _local(now, zone).year
    hour = hour and isinstance(local, datetime) and not (narrow and local.year != this_year)
    day = f"{local:%m-%d}" if local.year == this_year else f"{local.year:04d}-{local:%m-%d}"  # year 1: 0001
    return f"{day} {local:%H:%M}" if hour else day


def _local(value, zone):
    if not isinstance(value, datetime):
        return value
    try:
        return value.astimezone(zone)
    except OverflowError:  # 9999-12-31 23:00 UTC is in year 10000 east of it: said in its own zone
        return value


def decode_table_text(data: bytes, source: str) -> str:
    """CSV as Chinese offices save it: UTF-8 with or without BOM, UTF-16 with BOM, or GB18030 (GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InvalidInput(source, [Problem("", f"UTF-16 文件在第 {e.start} 字节处损坏")]) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InvalidInput(source, [Problem("", "含有 NUL 字节：不是文本文件（或是没有 BOM 的 UTF-16）", line)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: utf8_error.start].count(b"\n") + 1
            raise InvalidInput(
                source, [Problem("", f"既不是 UTF-8 也不是 GB18030 编码（第 {utf8_error.start} 字节起无法解码）", line)]
            ) from None


# Excel runs a cell that starts with one of these as a formula; exports quote them with a leading '.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def cell_quote(value: str) -> str:
    """A CSV cell Excel will not run as a formula (a phone written +86..., a name starting with =)."""
    return "'" + value if _FORMULA.match(value) else value


def cell_unquote(value: str) -> str:
    """`cell_quote` undone, on import."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value) else value


# ---- search: Chinese has no spaces, so text is indexed as overlapping pairs of characters ----------

# Han characters of every plane (𠮷 is U+20BB7), and latin words; full-width ＨＩＳ and １２５４１ are folded
# to ASCII first, zero-width characters dropped, so a title typed either way is found either way.
_RUNS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+|[0-9a-z]+")
# The tokens' version, kept in the store's meta table: when search_tokens changes, this goes up and
# open_store indexes every ticket again (an old index would not find old tickets by the new tokens).
SEARCH_TOKENS = "2"


def _runs(text: str) -> list[str]:
    return _RUNS.findall(_ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).lower())


def _is_cjk(run: str) -> bool:
    return not run[0].isascii()


def search_tokens(text: str) -> str:
    """The text as FTS tokens: each Chinese run as its bigrams plus its last character, latin words as is.

    `门急诊` -> `门急 急诊 诊`: any substring of two or more characters is a phrase of consecutive bigrams,
    and any single character is the start of some token (a prefix query)."""
    out: list[str] = []
    for run in _runs(text):
        if _is_cjk(run):
            out += map(add, run, run[1:])  # each character and the next: the run's bigrams
            out.append(run[-1])
        else:
            out.append(run)
    return " ".join(out)


def search_query(text: str) -> str | None:
    """An FTS5 MATCH expression finding `text` as a substring (latin words by prefix); None if empty."""
    parts = []
    for run in _runs(text):
        if _is_cjk(run) and len(run) > 1:
            parts.append('"' + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + '"')
        else:
            parts.append(f'"{run}"*')
    return " AND ".join(parts) or None


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(tokens: str) -> str:
    """`search_tokens` as PostgreSQL tsvector input with positions (`'门急':1 '急诊':2 '诊':3`), so no
    text-search parser or locale decides what a Chinese word is."""
    return " ".join(f"{_lexeme(t)}:{min(i, 16383)}" for i, t in enumerate(tokens.split(), start=1))


def tsquery_text(text: str) -> str | None:
    """`search_query`'s meaning as tsquery input: bigrams as a phrase (<->), single runs by prefix."""
    parts = []
    for run in _runs(text):
        if _is_cjk(run) and len(run) > 1:
            parts.append("(" + " <-> ".join(_lexeme(run[i : i + 2]) for i in range(len(run) - 1)) + ")")
        else:
            parts.append(f"{_lexeme(run)}:*")
    return " & ".join(parts) or None
