"""Every command reports errors the same way (`rdl.cli.app.RdlGroup`): one ``error:``
paragraph and exit code 1, or with ``--debug`` (before or after the command) the exception
itself. ``rdl pretrain``, ``rdl embed``, ``rdl explain`` and ``rdl report`` once had their
own handlers; the control is the same bad input with ``--debug``, which raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


def commands(tmp: Path) -> dict[str, list[str]]:
    db, empty = str(tmp / "missing.duckdb"), str(tmp / "empty")
    Path(empty).mkdir(exist_ok=True)
    return {
        "pretrain": ["pretrain", "--db", db, "--out", str(tmp / "out")],
        "embed": [
            "embed",
            "--model",
            empty,
            "--db",
            db,
            "--at",
            "2020-01-01",
            "--out",
            str(tmp / "e.parquet"),
        ],
        "explain": ["explain", "--model", empty, "--db", db, "--entity", "1", "--at", "2020-01-01"],
        "report": ["report", empty, "--out", str(tmp / "r.html")],
    }


@pytest.mark.parametrize("name", ["pretrain", "embed", "explain", "report"])
def test_one_paragraph_and_debug_either_side(name, tmp_path):
    from rdl.cli import app

    args = commands(tmp_path)[name]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert res.output.count("error:") == 1 and "Traceback" not in res.output, res.output
    assert "unexpected" not in res.output, res.output  # rdl's own error, not a bug report
    for debug in (["--debug", *args], [*args, "--debug"]):  # the control: the exception
        res = CliRunner().invoke(app, debug)
        assert isinstance(res.exception, FileNotFoundError), (debug, res.output)
        assert "error:" not in res.output
