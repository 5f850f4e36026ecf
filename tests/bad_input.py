"""Helpers of the bad-input suites (``tests/test_bad_input_*.py``): a tiny shop database
and task file, the CLI run in-process, and the checks every case makes:

* the exit code is non-zero;
* the output holds one ``error:`` paragraph (no blank line in it) and no traceback;
* the paragraph names the culprit and the fix (the needles a case lists);
* the source database is byte-identical afterwards (and no file appeared beside it).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

TASK_FILE = '''
import pandas as pd
from rdl.tasks import EntityTask, TaskType


class WillOrder(EntityTask):
    name = "will-order"
    entity_table, entity_col, time_col, target_col = "users", "id", "t", "y"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 2
    metrics = ["roc_auc"]
    val_timestamp = pd.Timestamp("2021-06-01")
    test_timestamp = pd.Timestamp("2021-09-01")
    sql = """SELECT t.timestamp AS t, u.id,
                    CASE WHEN COUNT(o.id) > 0 THEN 1 ELSE 0 END AS y
             FROM timestamp_df t CROSS JOIN users u
             LEFT JOIN orders o ON o.user_id = u.id AND o.created_at > t.timestamp
                  AND o.created_at <= t.timestamp + {timedelta}
             GROUP BY ALL"""
'''

#: tiny training settings: the few cases that train take seconds
TINY = ["--epochs", "1", "--channels", "8", "--no-baselines", "--max-steps-per-epoch", "2",
        "--num-neighbors", "4,2", "--batch-size", "64", "--no-text", "--precision", "fp32"]


def shop(folder: Path, name: str = "shop.sqlite") -> Path:
    """users (20, with a created_at and an updated_at written at the export) and orders
    (400 over 2020-2021, a nullable note); declared keys."""
    rng = np.random.default_rng(0)
    path = folder / name
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, tier TEXT, created_at TIMESTAMP,
                            updated_at TIMESTAMP);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                             created_at TIMESTAMP, amount REAL, note TEXT);""")
    con.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)", [
        (i, f"u{i}", ["a", "b"][i % 2], str(pd.Timestamp("2019-12-01") + pd.Timedelta(days=i)),
         "2021-12-31 00:00:00") for i in range(1, 21)])
    t0 = pd.Timestamp("2020-01-01")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [
        (i, int(rng.integers(1, 21)), str(t0 + pd.Timedelta(hours=int(rng.integers(0, 700 * 24)))),
         float(rng.random() * 100), None if i % 3 else "gift") for i in range(1, 401)])
    con.commit()
    con.close()
    return path


def task_file(folder: Path, text: str = TASK_FILE, name: str = "tasks.py") -> Path:
    p = folder / name
    p.write_text(text)
    return p


def digest(path: Path) -> str:
    """SHA-256 of a file, or of every file under a folder (names and bytes)."""
    path = Path(path)
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(str(f.relative_to(path.parent)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def run(*args: str):
    from rdl.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def error_paragraph(output: str) -> str:
    """The ``error:`` paragraph of the output (everything from ``error:`` on)."""
    assert output.count("error:") == 1, f"want one error paragraph:\n{output}"
    return output[output.index("error:"):].strip()


def assert_refused(result, *needles: str, sources: tuple[Path, ...] = (),
                   digests: tuple[str, ...] = ()) -> str:
    """The checks of the module doc; returns the paragraph."""
    out = result.output
    assert result.exit_code not in (0, None), f"exit code {result.exit_code}:\n{out}"
    assert "Traceback" not in out, out
    para = error_paragraph(out)
    assert "\n\n" not in para, f"more than one paragraph:\n{para}"
    for n in needles:
        assert n in para, f"{n!r} not in:\n{para}"
    for src, before in zip(sources, digests):
        assert digest(src) == before, f"{src} changed"
    return para
