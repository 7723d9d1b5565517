"""A contract read from its signed text, as PDF extraction gives it: lines prepared, each part of the
template parsed, completeness checked, and a report of what was found."""

from .reader import MATTERS, TextImport, code_from_name, parse_text, read_contract_text
from .report import sections

__all__ = ["MATTERS", "TextImport", "code_from_name", "parse_text", "read_contract_text", "sections"]
