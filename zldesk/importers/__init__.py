"""Readers for files people bring: module lists as CSV (and, later, the contract's own text)."""
