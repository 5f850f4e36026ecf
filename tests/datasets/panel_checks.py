"""Checks shared by the panel's recipe tests (``tests/datasets/test_*.py``): a built file
reads back with the recipe's schema, every split of a task has rows (and both classes),
the leakage rule holds, and a tiny ``rdl train`` runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from rdl.cli import app
from rdl.db import connect
from rdl.db.audit import leakage_suspects
from rdl.db.write import to_url
from rdl.tasks import TaskType


def reads_back(db, path: Path) -> str:
    """Write ``db`` to DuckDB at ``path`` and assert `rdl.connect` finds the same keys and
    time columns and row counts; returns the URL."""
    url = f"duckdb:///{path}"
    to_url(db, url)
    back = connect(url)
    assert sorted(back) == sorted(db)
    for name, t in db.items():
        b = back[name]
        assert (b.pkey_col, b.time_col, dict(b.fkey_col_to_pkey_table)) == (
            t.pkey_col, t.time_col, dict(t.fkey_col_to_pkey_table)), name
        assert len(b.df) == len(t.df), name
    return url


def cli_build_and_inspect(name: str, path: Path, rows: int) -> str:
    """``rdl datasets build NAME --out FILE`` then ``rdl inspect FILE --json``: the build
    reports ``rows`` rows in all and inspect reads every table back; returns the URL."""
    runner = CliRunner()
    res = runner.invoke(app, ["datasets", "build", name, "--out", str(path)])
    assert res.exit_code == 0, res.output
    assert f"{rows:,} rows" in res.output, res.output
    res = runner.invoke(app, ["inspect", str(path), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{"):])["tables"]
    assert sum(t["num_rows"] for t in report.values()) == rows
    return f"duckdb:///{path}"


def split_sizes(task) -> dict[str, tuple[int, float]]:
    """``{split: (rows, mean label)}``; asserts every split has rows and, for a binary
    task, both classes (RelBench-style: AUROC is defined on each split)."""
    out = {}
    for split in ("train", "val", "test"):
        df = task.get_table(split, mask_input_cols=False).df
        assert len(df) > 0, split
        y = df[task.target_col]
        if task.task_type == TaskType.BINARY_CLASSIFICATION:
            assert set(y.unique()) == {0, 1}, (split, y.value_counts().to_dict())
        out[split] = (len(df), round(float(y.mean()), 3))
    return out


def leakage_rule_holds(task, db, allowed: frozenset = frozenset()) -> None:
    """RelBench's rule: every train / val label window closes by the test timestamp, every
    model input (``input_db('relbench')``) is dated by it, the test seeds start at it, and
    the recipe leaves no column the leakage audit suspects but the ``allowed``
    ``(table, column)`` pairs (each explained in the recipe's SOURCE.md)."""
    for split in ("train", "val"):
        ts = task.get_table(split, mask_input_cols=False).df[task.time_col]
        assert ts.max() + task.timedelta <= task.test_timestamp, split
    test = task.get_table("test", mask_input_cols=False).df[task.time_col]
    assert test.min() >= task.test_timestamp
    assert test.max() + task.timedelta <= db.max_timestamp
    cut = task.input_db("relbench")
    for name, t in cut.items():
        if t.time_col is not None and len(t.df):
            assert t.df[t.time_col].max() <= task.test_timestamp, name
    assert {(x["table"], x["column"]) for x in leakage_suspects(db)} == set(allowed)


def tiny_train(url: str, task_name: str, out: Path) -> dict:
    """``rdl train`` with one epoch of two steps on a small model; returns results.json."""
    res = CliRunner().invoke(app, [
        "train", "--db", url, "--task", task_name, "--epochs", "1",
        "--max-steps-per-epoch", "2", "--min-steps-per-epoch", "0", "--channels", "16",
        "--num-neighbors", "8,4", "--text", "none", "--no-blend", "--out", str(out)])
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text())
    text = json.dumps(results)
    assert '"val"' in text and '"test"' in text
    return results


def window(df: pd.DataFrame, col: str, t: pd.Timestamp, days: int) -> pd.DataFrame:
    """The rows of ``df`` dated in ``(t, t + days]``."""
    return df[(df[col] > t) & (df[col] <= t + pd.Timedelta(days=days))]
