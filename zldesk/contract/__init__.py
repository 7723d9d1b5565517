"""The maintenance contract as plain typed data: the model, reading and validating it, its TOML and JSON
files, and what an import would change. No database, no Textual, no Typer.

The names are loaded from their modules when first asked for: reading a stored contract needs the model
alone, not the TOML reader, the validation or the diff (issue 15: a lookup's start-up)."""

from importlib import import_module

_WHERE = {
    "diff_contracts": "diff",
    "diff_modules": "diff",
    "site_text": "diff",
    "FORMATS": "files",
    "decode_utf8": "files",
    "detect_format": "files",
    "dumps_json": "files",
    "dumps_toml": "files",
    "parse_contract_text": "files",
    "read_bytes": "files",
    "read_contract_file": "files",
    "toml_locator": "files",
    "MAX_DEPTH": "limits",
    "MAX_FILE_BYTES": "limits",
    "MAX_PDF_BYTES": "limits",
    "MAX_PDF_PAGES": "limits",
    "MAX_REGISTER_BYTES": "limits",
    "MAX_REGISTER_ROWS": "limits",
    "MAX_ROWS": "limits",
    "parse_bounded": "limits",
    "size_text": "limits",
    "CODE_RE": "model",
    "DAY_NAMES": "model",
    "DAYS": "model",
    "HHMM_RE": "model",
    "UNIT_NAMES": "model",
    "UNITS": "model",
    "Contact": "model",
    "Contract": "model",
    "Module": "model",
    "Period": "model",
    "Service": "model",
    "Site": "model",
    "Severity": "model",
    "Target": "model",
    "Window": "model",
    "contract_to_dict": "model",
    "hhmm_minutes": "model",
    "parse_hhmm": "model",
    "Reader": "reader",
    "MAX_NUMBER": "validation",
    "MAX_TARGET": "validation",
    "contract_from_dict": "validation",
    "AREAS": "zones",
    "UnknownZone": "zones",
    "zone_named": "zones",
    "zone_problem": "zones",
}


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AREAS",
    "CODE_RE",
    "DAY_NAMES",
    "DAYS",
    "FORMATS",
    "HHMM_RE",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NUMBER",
    "MAX_PDF_BYTES",
    "MAX_PDF_PAGES",
    "MAX_REGISTER_BYTES",
    "MAX_REGISTER_ROWS",
    "MAX_ROWS",
    "MAX_TARGET",
    "UNIT_NAMES",
    "UNITS",
    "Contact",
    "Contract",
    "Module",
    "Period",
    "Reader",
    "Service",
    "Severity",
    "Target",
    "UnknownZone",
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
    "parse_bounded",
    "parse_contract_text",
    "parse_hhmm",
    "read_bytes",
    "read_contract_file",
    "size_text",
    "toml_locator",
    "zone_named",
    "zone_problem",
]
