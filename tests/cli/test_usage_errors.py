"""Usage errors are typer's: its usage text and exit code 2, never "a bug in rdl"."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _rdl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rdl.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300"},
    )


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["trian"], "No such command 'trian'"),
        (["inspect"], "Missing argument"),
        (["train", "--epochs", "three", "--db", "x.duckdb"], "Invalid value for '--epochs'"),
    ],
)
def test_usage_errors_exit_2_with_typers_usage_text(args, phrase):
    p = _rdl(*args)
    assert p.returncode == 2, p.stderr
    assert phrase in p.stderr and "Usage:" in p.stderr
    assert "bug in rdl" not in p.stderr and "Traceback" not in p.stderr


def test_control_an_rdl_error_still_exits_1_with_one_paragraph(tmp_path):
    p = _rdl("inspect", str(tmp_path / "missing.duckdb"))
    assert p.returncode == 1 and "does not exist" in p.stderr
    assert "Usage:" not in p.stderr and "bug in rdl" not in p.stderr
