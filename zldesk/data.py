"""Where the bundled data lives: inside the installed package, or beside it in a source checkout."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent / "data"):
        if (candidate / "contracts").is_dir():
            return candidate
    raise FileNotFoundError(f"zldesk 的 data/ 目录不见了（找过 {here / 'data'} 和 {here.parent / 'data'}）")


def bundled_contracts() -> list[Path]:
    return sorted((data_dir() / "contracts").glob("*.toml"))
