"""Pieces of the streaming graph build (`rdl.graph.stream`): reading a `LazyTable` as
Arrow record batches, key packing, column statistics accumulated batch by batch, and
TensorFrame features written into memory-mapped arrays.

Column statistics are pytorch-frame's (`torch_frame.data.stats.compute_col_stats`),
computed on the same values in the same row order as the in-memory build, so both give
equal statistics: numerical and timestamp columns are spooled to disk one column at a
time and handed to pytorch-frame whole (one column in memory, never a whole table);
categorical counts are summed batch by batch and ordered as ``Series.value_counts``
orders them (count descending, ties in order of first appearance).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import torch

from rdl.db import hints
from rdl.db.errors import SchemaError
from rdl.db.lazy_table import _plain

INT_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "HUGEINT",
)


def batches(table, columns: list[str], ordered: bool, batch_rows: int, where=None):
    """Arrow record batches of ``columns`` of ``table`` (read as `rdl.connect` reads
    them), in storage order or, if ``ordered``, in key order."""
    con = table.connect()
    try:
        sql = table.select_sql(columns, order=ordered)
        reader = con.execute(sql).to_arrow_reader(batch_rows)
        empty = True
        for b in reader:
            empty = False
            yield b
        if empty:  # one empty batch, so every pass sees the columns' types
            yield pa.RecordBatch.from_pylist([], schema=reader.schema)
    finally:
        con.close()


def to_frame(batch: pa.RecordBatch, float_cols: set[str]) -> pd.DataFrame:
    """A batch as pandas, with the dtypes `rdl.connect` gives the whole table: integer
    columns that hold a null anywhere in the table (``float_cols``) as ``float64``."""
    df = _plain(batch.to_pandas())
    for c in float_cols & set(df.columns):
        df[c] = df[c].astype("float64")
    return df


def int_values(col: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(int64 values with nulls as 0, bool valid)`` of an integer Arrow column."""
    valid = col.is_valid().to_numpy(zero_copy_only=False)
    return pc.fill_null(col, 0).to_numpy(zero_copy_only=False).astype(np.int64), valid


class KeyCodec:
    """One comparable numpy key per row for a (possibly composite) key.

    A single integer column -> ``int64``; a single string column -> fixed-width unicode;
    several integer columns -> one ``int64`` packed in mixed radix over the parent key's
    ranges (``(v_1 - min_1) * size_2 * ... + (v_k - min_k)``), which keeps the
    lexicographic order.

    Raises:
        SchemaError: a composite key over non-integer columns, or whose ranges do not
            fit in 63 bits; a key column of another type.
    """

    def __init__(self, table, cols: tuple[str, ...]):
        types = [table.meta.sql_types[c] for c in cols]
        self.cols = cols
        if len(cols) == 1 and types[0] in INT_TYPES:
            self.kind = "int"
        elif len(cols) == 1 and types[0] == "VARCHAR":
            self.kind = "str"
            width = table.scalar(f"SELECT max(length({_q(cols[0])})) {table.from_sql()}")[0]
            self.dtype = f"U{max(1, int(width or 1))}"
        elif all(t in INT_TYPES for t in types):
            self.kind = "packed"
            row = table.scalar(
                "SELECT "
                + ", ".join(f"min({_q(c)}), max({_q(c)})" for c in cols)
                + f" {table.from_sql()}"
            )
            self.mins = [int(row[2 * i] or 0) for i in range(len(cols))]
            self.sizes = [int(row[2 * i + 1] or 0) - m + 1 for i, m in enumerate(self.mins)]
            if np.prod([float(s) for s in self.sizes]) >= 2.0**62:
                raise SchemaError(
                    f"table {table.meta.name!r}: the composite key {list(cols)} "
                    "spans too wide a range to pack into 64 bits"
                )
        else:
            raise SchemaError(
                f"table {table.meta.name!r}: key {list(cols)} of type {types} is not "
                "supported out of core (integer or text keys, composite keys of integers); "
                f"use {hints.storage('memory')}"
            )

    def encode(self, batch: pa.RecordBatch, cols: tuple[str, ...] | None = None):
        """``(keys, valid)`` of ``cols`` (default: the key's own columns) in ``batch``;
        foreign-key values outside the parent key's ranges are not valid."""
        cols = cols or self.cols
        if self.kind == "str":
            col = batch.column(cols[0])
            if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
                return np.zeros(len(col), self.dtype), np.zeros(len(col), bool)
            valid = col.is_valid().to_numpy(zero_copy_only=False)
            vals = pc.fill_null(col, "").to_numpy(zero_copy_only=False).astype(self.dtype)
            return vals, valid
        if self.kind == "int":
            col = batch.column(cols[0])
            if not pa.types.is_integer(col.type):
                return np.zeros(len(col), np.int64), np.zeros(len(col), bool)
            return int_values(col)
        key = np.zeros(batch.num_rows, np.int64)
        valid = np.ones(batch.num_rows, bool)
        for c, m, s in zip(cols, self.mins, self.sizes):
            v, ok = int_values(batch.column(c))
            v = v - m
            valid &= ok & (v >= 0) & (v < s)
            key = key * s + np.where(valid, v, 0)
        return key, valid


def _q(name: str) -> str:
    from rdl.db.sql import quote_identifier

    return quote_identifier(name)


class StatsAccumulator:
    """pytorch-frame column stats of a table's feature columns, fed batch by batch.

    Args:
        col_to_stype: column -> `torch_frame.stype`.
        spool: a folder for the numerical / timestamp values (one file per column).
    """

    def __init__(self, col_to_stype: dict, spool: Path):
        import torch_frame

        self.col_to_stype, self.spool = col_to_stype, spool
        self.counts: dict[str, dict] = {}
        self.dtypes: dict[str, np.dtype] = {}
        self.files: dict[str, BinaryIO] = {}
        self.kinds = {
            c: (
                "count"
                if st == torch_frame.stype.categorical
                else "spool"
                if st in (torch_frame.stype.numerical, torch_frame.stype.timestamp)
                else "none"
                if st == torch_frame.stype.text_embedded
                else "other"
            )
            for c, st in col_to_stype.items()
        }
        bad = [c for c, k in self.kinds.items() if k == "other"]
        if bad:
            raise SchemaError(
                f"columns {bad} have stypes {[str(col_to_stype[c]) for c in bad]}, which "
                "out-of-core mode cannot stream yet; pass "
                f"{hints.stype('TABLE', 'COLUMN')} for them, or use {hints.storage('memory')}"
            )
        spool.mkdir(parents=True, exist_ok=True)

    def add(self, df: pd.DataFrame) -> None:
        """Feed the next rows (``df``: the feature frame of `rdl.graph.build.feature_frame`)."""
        for c, kind in self.kinds.items():
            if kind == "none":
                continue
            s = df[c]
            if kind == "count":
                vc = s.value_counts(sort=False, dropna=True)
                acc = self.counts.setdefault(c, {})
                for k, n in zip(vc.index.tolist(), vc.to_numpy().tolist()):
                    acc[k] = acc.get(k, 0) + n
            elif kind == "spool":
                if pd.api.types.is_datetime64_any_dtype(s):
                    a = s.to_numpy(dtype="datetime64[ns]").view(np.int64)
                    self.dtypes.setdefault(c, np.dtype("datetime64[ns]"))
                else:
                    a = s.to_numpy()
                    self.dtypes.setdefault(c, a.dtype)
                    a = a.astype(self.dtypes[c], copy=False)
                if c not in self.files:
                    spool = self.spool / f"{len(self.files)}.bin"
                    # kept open across batches, closed in `result`
                    self.files[c] = open(spool, "wb")  # noqa: SIM115
                self.files[c].write(np.ascontiguousarray(a).tobytes())

    def result(self) -> dict:
        """column -> pytorch-frame stats (as ``Dataset.materialize`` computes them)."""
        from torch_frame.data.stats import StatType, compute_col_stats

        out: dict[str, dict] = {}
        for c, st in self.col_to_stype.items():
            kind = self.kinds[c]
            if kind == "count":
                acc = self.counts.get(c, {})
                if not acc:
                    out[c] = {StatType.COUNT: ([], [])}
                    continue
                vc = pd.Series(list(acc.values()), index=pd.Index(list(acc.keys())))
                vc = vc.sort_values(ascending=False, kind="stable")
                out[c] = {StatType.COUNT: (vc.index.tolist(), vc.to_numpy().tolist())}
            elif kind == "spool":
                f = self.files.pop(c, None)
                if f is None:  # no rows: pytorch-frame's defaults
                    out[c] = compute_col_stats(pd.Series([], dtype="float64"), st)
                    continue
                f.close()
                dt = self.dtypes[c]
                raw = np.fromfile(f.name, dtype=np.int64 if dt.kind == "M" else dt)
                Path(f.name).unlink()
                if dt.kind == "M":
                    out[c] = compute_col_stats(pd.Series(raw.view("datetime64[ns]")), st)
                else:
                    out[c] = numerical_stats(raw)
            else:
                out[c] = {}
        return out


def numerical_stats(values: np.ndarray) -> dict:
    """pytorch-frame's stats of a numerical column (`compute_col_stats`), computed by the
    same numpy calls on the same values. pytorch-frame flattens the column with
    ``np.hstack(np.hstack(ser.values))`` — one Python call per value, hours for 60 M
    values — which for a column of scalars is the column itself, so it is skipped."""
    import torch_frame
    from torch_frame.data.stats import StatType, _default_values

    ser = pd.Series(values)
    ser = ser.mask(ser.isin([np.inf, -np.inf]), np.nan)
    if ser.isnull().all():
        return {t: _default_values[t] for t in StatType.stats_for_stype(torch_frame.numerical)}
    flat = np.asarray(ser.dropna().values)
    finite = flat[np.isfinite(flat)]
    if not len(finite):
        return {StatType.MEAN: np.nan, StatType.STD: np.nan, StatType.QUANTILES: [np.nan] * 5}
    return {
        StatType.MEAN: np.mean(finite).item(),
        StatType.STD: np.std(finite).item(),
        StatType.QUANTILES: np.quantile(finite, q=[0, 0.25, 0.5, 0.75, 1]).tolist(),
    }


def compact_dtype(stype, tensor: torch.Tensor, stats: dict, cols: list[str]) -> np.dtype:
    """The on-disk dtype of a feature tensor: categorical indices and timestamp parts in
    the smallest signed integer that holds them, floats as they are."""
    import torch_frame
    from torch_frame.data.stats import StatType

    if stype == torch_frame.stype.categorical:
        n = max([len(stats[c][StatType.COUNT][0]) for c in cols] + [1])
        return np.dtype(np.int16 if n < 2**15 else np.int32 if n < 2**31 else np.int64)
    if stype == torch_frame.stype.timestamp:
        return np.dtype(np.int16)  # year (1677..2262), month .. second, -1 for NaT
    return np.dtype(str(tensor.numpy().dtype))
