"""The maintenance contract as plain typed data: the model, reading and validating it, its TOML and JSON
files, and what an import would change. No database, no Textual, no Typer."""

from .diff import diff_contracts, diff_modules
from .files import (
    FORMATS,
    decode_utf8,
    detect_format,
    dumps_json,
    dumps_toml,
    parse_contract_text,
    read_bytes,
    read_contract_file,
    toml_locator,
)
from .model import (
    CODE_RE,
    DAYS,
    HHMM_RE,
    UNITS,
    Contact,
    Contract,
    Module,
    Period,
    Service,
    Severity,
    Target,
    Window,
    contract_to_dict,
    hhmm_minutes,
    parse_hhmm,
)
from .reader import Reader
from .validation import MAX_NUMBER, MAX_TARGET, contract_from_dict

__all__ = [
    "CODE_RE",
    "DAYS",
    "FORMATS",
    "HHMM_RE",
    "MAX_NUMBER",
    "MAX_TARGET",
    "UNITS",
    "Contact",
    "Contract",
    "Module",
    "Period",
    "Reader",
    "Service",
    "Severity",
    "Target",
    "Window",
    "contract_from_dict",
    "contract_to_dict",
    "decode_utf8",
    "detect_format",
    "diff_contracts",
    "diff_modules",
    "dumps_json",
    "dumps_toml",
    "hhmm_minutes",
    "parse_contract_text",
    "parse_hhmm",
    "read_bytes",
    "read_contract_file",
    "toml_locator",
]
