"""A password in a database URL never leaves the process: not in anything rdl prints
(``rdl inspect``'s header, ``rdl train``'s title and messages), not in anything it
writes (``results.json``, ``model.pt``, ``predictions.parquet``, figures, the ``rdl
report`` page), on a real PostgreSQL server reached with ``user:PASSWORD@host``.

Every check has its control: the password is in the URL rdl was given, and the scanner
finds it in a file that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rdl.cli import app
from rdl.db.sources import safe_url
from rdl.db.write import to_url
from tests.fixtures import toy_signal
from tests.fixtures.toy_signal import toy_db

SECRET = "Zq7-s3cret-PW"


def _with_password(url: str) -> str:
    user_at = "postgres@"
    assert user_at in url
    return url.replace(user_at, f"postgres:{SECRET}@", 1)


def files_holding(root: Path, needle: str) -> list[str]:
    """Every file under ``root`` whose bytes contain ``needle`` (text or binary)."""
    raw = needle.encode()
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and raw in p.read_bytes()
    )


def _run(*args) -> str:
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql+psycopg://u:pw@h:5432/d", "postgresql+psycopg://u:***@h:5432/d"),
        (
            "postgresql+psycopg://u@h/d?password=pw&sslmode=off",
            "postgresql+psycopg://u@h/d?password=***&sslmode=off",
        ),
        ("duckdb:///rel-f1.duckdb", "duckdb:///rel-f1.duckdb"),  # nothing to hide
        ("runs/x.sqlite", "runs/x.sqlite"),
    ],
)
def test_safe_url_hides_passwords_and_keeps_the_rest(url, shown):
    assert safe_url(url) == shown


def test_no_artefact_or_output_of_a_run_holds_the_password(pg_url, tmp_path):
    url = _with_password(pg_url)
    assert SECRET in url  # control: rdl is given the password
    to_url(toy_db(num_users=40), url)  # trust authentication ignores it
    task = f"{Path(toy_signal.__file__)}:SignalTask"
    run, base = tmp_path / "run", tmp_path / "base"
    small = [
        "--epochs",
        "1",
        "--max-steps-per-epoch",
        "2",
        "--channels",
        "8",
        "--no-text",
        "--seed-features",
        "none",
        "--no-blend",
        "--cache-dir",
        tmp_path / "cache",
    ]
    out = [_run("inspect", url)]
    out.append(_run("train", "--db", url, "--task", task, "--out", run, *small))
    out.append(_run("baseline", "--db", url, "--task", task, "--out", base, "--only", "majority"))
    out.append(
        _run(
            "predict",
            "--model",
            run,
            "--db",
            url,
            "--at",
            "2020-10-01",
            "--out",
            tmp_path / "preds.parquet",
        )
    )
    out.append(_run("report", run, "--out", tmp_path / "report.html"))
    assert (run / "results.json").exists() and (run / "model.pt").exists()
    assert (tmp_path / "report.html").exists() and (tmp_path / "preds.parquet").exists()
    for text in out:
        assert SECRET not in text, text
    assert "***" in out[0]  # the header names the database, its password masked
    assert files_holding(tmp_path, SECRET) == []
    # control: the scanner finds the password where it is
    (tmp_path / "control.bin").write_bytes(b"\x00" + SECRET.encode() + b"\x00")
    assert files_holding(tmp_path, SECRET) == ["control.bin"]


def test_building_a_recipe_into_a_url_never_prints_the_password(pg_url):
    url = _with_password(pg_url)
    assert SECRET in url  # control: rdl is given the password
    out = _run("datasets", "build", "berka", "--out", url)
    assert "written to" in out and SECRET not in out and "***" in out
