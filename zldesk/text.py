"""Text from files and users: decoding with a clear error, and showing it literally."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from .errors import InvalidInput, Problem, ZlDeskError

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


def parse_instant(text: str, zone, what: str) -> datetime:
    """ISO 8601; without an offset it is the contract's local time (never the host's)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ZlDeskError(
            f"{what} 不是 ISO 时间", f"{text!r}（例如 2026-11-25T20:00 或 2026-11-25 20:00+08:00）"
        ) from None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


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
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
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
