"""The house's rules, checked rather than hoped for: the import direction (import-linter's contracts in
pyproject.toml, which must name every module), sla.py's own imports, no private name taken across a
package, no module over 400 lines, no family of `thing_*.py` modules where a folder belongs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "zldesk"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every module of zldesk by dotted name (a package by its __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(path: Path, name: str):
    """(module imported, names taken from it) for every import in the file, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            yield target, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_import_contracts_hold():
    """lint-imports (import-linter) keeps every contract in pyproject.toml."""
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert tool, "import-linter is in the test extra"
    ran = subprocess.run([tool], cwd=ROOT, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "broken" in ran.stdout and " 0 broken" in ran.stdout


def test_every_module_stands_in_a_layer():
    """A new module must take its place in the layers, or the direction rules would not see it."""
    layers = next(c["layers"] for c in CONTRACTS if c["type"] == "layers")
    named = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    top = {name.split(".")[1] for name in modules() if name.count(".") >= 1}
    missing = sorted(f"zldesk.{t}" for t in top if f"zldesk.{t}" not in named and t != "__main__")
    assert missing == []


def test_the_deadline_engine_imports_only_contract_calendar_errors_and_text():
    own = {target for target, _ in imports(PACKAGE / "sla.py", "zldesk.sla") if target.startswith("zldesk")}
    assert own <= {"zldesk.contract", "zldesk.calendar", "zldesk.errors", "zldesk.text"}, own


def test_no_private_name_crosses_a_package():
    """`from zldesk.x import _y` is allowed only inside the package that owns `_y`."""
    crossing = []
    for name, path in modules().items():
        owner = name.split(".")[:2]
        for target, names in imports(path, name):
            if not target.startswith("zldesk"):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [target] if any(p.startswith("_") and not p.startswith("__") for p in target.split(".")) else []
            if private and target.split(".")[:2] != owner:
                crossing.append(f"{name} takes {private} from {target}")
    assert crossing == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name):
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def test_no_family_of_prefixed_modules_at_the_top():
    """`roster_io.py`, `roster_text.py`… belong in a `roster/` folder."""
    names = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    families = sorted(
        n for n in names if "_" in n.strip("_") and n.split("_")[0] in names | {m.split("_")[0] for m in names - {n}}
    )
    assert families == []
