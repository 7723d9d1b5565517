"""The layers keep to their jobs: zldesk/store/ returns data and raises typed errors (errors.py words them);
it holds no sentence for people and prints nothing. Read from the source with `ast`, so a string in an
f-string counts and a docstring or a comment does not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import zldesk

STORE = Path(zldesk.__file__).parent / "store"
WORDS_EXEMPT: set[str] = set()  # none: every store module is held to it
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)))]
    return {
        id(n.body[0].value)
        for n in nodes
        if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }


def chinese_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant with a CJK character in it, docstrings left out."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip and _CJK.search(n.value)
    ]


def printing(source: str) -> list[tuple[int, str]]:
    """(line, what) of every print() call and every use of sys.stdout / sys.stderr."""
    found = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print":
            found.append((n.lineno, "print()"))
        elif (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "sys"
            and n.attr in ("stdout", "stderr", "__stdout__", "__stderr__")
        ):
            found.append((n.lineno, f"sys.{n.attr}"))
        elif (
            isinstance(n, ast.ImportFrom)
            and n.module == "sys"
            and {a.name for a in n.names} & {"stdout", "stderr", "__stdout__", "__stderr__"}
        ):
            found.append((n.lineno, "from sys import ..."))
    return found


def _modules() -> list[Path]:
    modules = sorted(STORE.rglob("*.py"))  # the migrations too
    assert {"__init__.py", "backup.py", "roster.py"} <= {p.name for p in modules}
    return modules


def test_the_checks_see_what_they_look_for():
    source = '"""模块说明"""\ndef f():\n    """函数说明"""\n    return f"{1} 行", "ok"\nprint(sys.stderr)\n'
    assert chinese_strings(source) == [(4, " 行")]
    assert printing(source) == [(5, "print()"), (5, "sys.stderr")]


def test_the_store_holds_no_words_for_people():
    found = [
        f"store/{p.name}:{line}: {text!r}"
        for p in _modules()
        if p.name not in WORDS_EXEMPT
        for line, text in chinese_strings(p.read_text(encoding="utf-8"))
    ]
    assert not found, "words for people belong in errors.py or a domain package:\n" + "\n".join(found)


def test_the_store_prints_nothing():
    found = [
        f"store/{p.name}:{line}: {what}" for p in _modules() for line, what in printing(p.read_text(encoding="utf-8"))
    ]
    assert not found, "the store returns what happened; its callers say it:\n" + "\n".join(found)
