"""Imports are where a reader looks for them: an import inside a function says why.

The layers themselves are checked by ``lint-imports`` (the contracts in pyproject.toml); an
import made inside a function would hide a cycle from a reader, so each one carries a comment
(on its line, or just above its block of imports) saying what it waits for.
"""

from __future__ import annotations

import ast
from pathlib import Path

import undersigned

PACKAGE = Path(undersigned.__file__).parent


def _imports_inside_functions(source: str) -> list[int]:
    """Line numbers of imports inside functions that no comment explains."""
    lines = source.splitlines()
    tree = ast.parse(source)
    import_lines = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for line in range(node.lineno, node.end_lineno + 1)
    }
    unexplained = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            above = node.lineno - 2
            while above >= 0 and (above + 1 in import_lines or not lines[above].strip()):
                above -= 1
            explained = "#" in lines[node.lineno - 1] or (
                above >= 0 and lines[above].strip().startswith("#")
            )
            if not explained:
                unexplained.append(node.lineno)
    return unexplained


def test_every_import_inside_a_function_says_why():
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _imports_inside_functions(path.read_text())
    ]
    assert found == []


def test_the_check_spots_an_import_without_a_reason_and_accepts_one_with():
    bare = "def f():\n    from os import path\n    return path\n"
    explained = "def f():\n    # Needs the app registry, ready only now.\n    import os\n"
    assert _imports_inside_functions(bare) == [2]
    assert _imports_inside_functions(explained) == []
