""" "As of today" columns found by evidence, not by name alone: a count that grows with the
row's age at the export is left out of the features by default (``--keep-column`` keeps
it); an invoice's total, named like a running total but known when the invoice is
written, is listed as a weak suspect and kept."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import rdl
from rdl.db.schema_file import parse_flags

RNG = np.random.default_rng(0)
EXPORT = pd.Timestamp("2022-01-01")


def _db(tmp_path) -> str:
    n = 400
    created = EXPORT - pd.to_timedelta(RNG.integers(1, 700, n), unit="D")
    age_days = (EXPORT - created).days.to_numpy()
    posts = pd.DataFrame(
        {
            "post_id": np.arange(n),
            "created_at": created,
            "ViewCount": (age_days * RNG.uniform(0.5, 1.5, n)).round(),
            "length": RNG.integers(10, 500, n),
        }
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": np.arange(n),
            "post_id": RNG.integers(0, n, n),
            "issued_at": created + pd.Timedelta(hours=2),
            "total": RNG.gamma(2.0, 50.0, n).round(2),
        }
    )
    path = tmp_path / "export.duckdb"
    con = duckdb.connect(str(path))
    for t, df in (("posts", posts), ("invoices", invoices)):
        con.register("x", df)
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM x")
        con.unregister("x")
    con.close()
    return f"duckdb:///{path}"


def _suspect(db, table, col):
    (x,) = [s for s in db.leakage if s["table"] == table and s["column"] == col]
    return x


def test_an_export_time_count_is_left_out_of_the_features(tmp_path):
    db = rdl.connect(_db(tmp_path))
    x = _suspect(db, "posts", "ViewCount")
    assert x["kind"] == "export-time count" and x["strength"] == "strong" and x["excluded"]
    assert "ViewCount" not in db["posts"].stypes  # no feature ...
    assert "ViewCount" in db["posts"].df.columns  # ... but still there for a task's SQL
    assert "--keep-column posts.ViewCount" in x["fix"]
    assert db.schema["stypes"]["posts.ViewCount"] == "ignore"  # pinned for rdl predict
    note = [p.message for p in db.report.problems if p.column == "ViewCount"]
    assert any("left out of the features" in m for m in note)


def test_control_an_invoice_total_is_a_weak_suspect_and_kept(tmp_path):
    db = rdl.connect(_db(tmp_path))
    x = _suspect(db, "invoices", "total")
    assert x["kind"] == "running count" and x["strength"] == "weak" and not x.get("excluded")
    assert db["invoices"].stypes["total"] == "numerical"
    assert db["posts"].stypes["length"] == "numerical"  # an unrelated number: no suspect
    assert not [s for s in db.leakage if s["column"] == "length"]


@pytest.mark.parametrize("how", ["python", "flag"])
def test_keep_column_keeps_a_strong_suspect(tmp_path, how):
    kwargs = (
        {"keep_columns": ["posts.ViewCount"]}
        if how == "python"
        else parse_flags(keep_column=["posts.ViewCount"])
    )
    db = rdl.connect(_db(tmp_path), **kwargs)
    assert db["posts"].stypes["ViewCount"] == "numerical"
    assert not _suspect(db, "posts", "ViewCount").get("excluded")
