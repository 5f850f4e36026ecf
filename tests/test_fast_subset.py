"""The lists that keep slow tests out of ``pytest -m fast`` (`tests.fixtures.fast`) name
files and test functions that exist: a renamed test would otherwise join the fast subset
without a word."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.fixtures.fast import SLOW_FILES, SLOW_TESTS

TESTS = Path(__file__).resolve().parent


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test_")
    }


def missing(files, tests) -> list[str]:
    """Entries of ``files`` / ``tests`` (as in `tests.fixtures.fast`) that name nothing."""
    bad = [f for f in files if not (TESTS / f).is_file()]
    for entry in tests:
        path, name = entry.split("::")
        name = name.split("[")[0]
        if not (TESTS / path).is_file() or name not in _test_functions(TESTS / path):
            bad.append(entry)
    return bad


def test_every_slow_entry_names_a_file_or_test():
    assert missing(SLOW_FILES, SLOW_TESTS) == []


def test_control_a_renamed_test_is_reported():
    assert missing({"graph/test_nothing_here.py"}, {"graph/test_build.py::test_renamed"}) == [
        "graph/test_nothing_here.py",
        "graph/test_build.py::test_renamed",
    ]
