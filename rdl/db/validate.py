"""Validation of a `Database`: keys, foreign keys, time columns, empty tables.

Problems are collected in a `ValidationReport` rather than raised one at a time, so a user
sees everything wrong with a database at once. ``level`` is ``"error"`` (rdl cannot use the
data as is), ``"warning"`` (rdl repaired or ignores something) or ``"note"`` (a choice rdl
made that the user should know about).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from rdl.db import hints
from rdl.db.errors import DataError, raw_text, said


@dataclass
class Problem:
    level: str  # "error" | "warning" | "note"
    table: str
    column: str | None
    message: str
    rows: int = 0  # number of rows concerned
    examples: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.message = said(self.message)  # the fix it names: Python text, flags in the CLI

    def __str__(self) -> str:
        return self.line(raw=False)

    def line(self, raw: bool = False) -> str:
        """``[level] table.column: message`` (``raw``: with the message's markers)."""
        where = self.table + (f".{self.column}" if self.column else "")
        return f"[{self.level}] {where}: {raw_text(self.message) if raw else self.message}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, *args, **kwargs) -> None:
        self.problems.append(Problem(*args, **kwargs))

    def extend(self, other: ValidationReport) -> None:
        self.problems.extend(other.problems)

    def raise_if_errors(self) -> None:
        """Raises `DataError` listing every error-level problem."""
        if self.errors:
            raise DataError("\n".join(p.line(raw=True) for p in self.errors))

    def to_dicts(self) -> list[dict]:
        return [
            {**asdict(p), "examples": [_jsonable(x) for x in p.examples]} for p in self.problems
        ]

    def __str__(self) -> str:
        return "\n".join(map(str, self.problems)) or "no problems"


def _jsonable(x):
    if isinstance(x, (pd.Timestamp,)):
        return x.isoformat()
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and x.is_integer():
        return int(x)  # integer keys read as float because of nulls
    return x


def _examples(values, n: int = 5) -> list:
    return [_jsonable(v) for v in list(pd.unique(pd.Series(values)))[:n]]


def validate(db, fix: bool = False) -> ValidationReport:
    """Check every table of ``db``.

    * primary key: nulls and duplicates are errors (a row must be addressable);
    * foreign keys: values that reference no row of the target table are dangling; with
      ``fix=True`` they are set to null in place (as RelBench does), counted and reported
      as warnings, otherwise reported as warnings only;
    * time column: must be a datetime column; null times are reported (such rows are never
      visible to a seed);
    * empty tables are reported as warnings; self-referencing and cyclic foreign keys are
      allowed.

    Returns:
        the `ValidationReport`; call ``report.raise_if_errors()`` to fail on errors.
    """
    report = ValidationReport()
    for name, table in db.items():
        df = table.df
        if len(df) == 0:
            report.add("warning", name, None, "table is empty")
        if table.pkey_col is not None:
            pk = df[table.pkey_col]
            nulls = pk.isna()
            if nulls.any():
                report.add(
                    "error",
                    name,
                    table.pkey_col,
                    f"{int(nulls.sum())} rows have a null primary key (row positions "
                    f"{list(df.index[nulls][:5])}); fill them in the source or choose "
                    f"another key column: {hints.pkey(name)}, or {hints.no_pkey(name)}",
                    int(nulls.sum()),
                    list(map(int, df.index[nulls][:5])),
                )
            dup = pk.duplicated(keep=False) & ~nulls
            if dup.any():
                report.add(
                    "error",
                    name,
                    table.pkey_col,
                    f"{int(dup.sum())} rows share a primary-key value (examples: "
                    f"{_examples(pk[dup])}); deduplicate the table in the source or choose "
                    f"a unique column: {hints.pkey(name)}, or {hints.no_pkey(name)} "
                    "(an event table)",
                    int(dup.sum()),
                    _examples(pk[dup]),
                )
        for col, target in table.fkey_col_to_pkey_table.items():
            tgt = db[target]
            if tgt.pkey_col is None:
                report.add(
                    "error",
                    name,
                    col,
                    f"foreign key references table {target!r}, which has no primary key; "
                    f"give it one: {hints.pkey(target)}",
                )
                continue
            fk = df[col]
            dangling = fk.notna() & ~fk.isin(tgt.df[tgt.pkey_col])
            if dangling.any():
                n = int(dangling.sum())
                ex = _examples(fk[dangling])
                action = "set to null" if fix else "would be set to null by connect()"
                report.add(
                    "warning",
                    name,
                    col,
                    f"{n} values reference no row of {target}.{tgt.pkey_col} "
                    f"(examples: {ex}): these rows keep their row and lose the link ({action}, "
                    f"as RelBench does). If {col} is not a key to {target}: "
                    f"{hints.no_fkey(name, col)}",
                    n,
                    ex,
                )
                if fix:
                    new = fk.astype("float64") if pd.api.types.is_integer_dtype(fk) else fk.copy()
                    new[dangling] = None
                    df[col] = new
        if table.time_col is not None:
            tc = df[table.time_col]
            if not pd.api.types.is_datetime64_any_dtype(tc):
                report.add(
                    "error",
                    name,
                    table.time_col,
                    f"time column has dtype {tc.dtype}, not datetime; convert it or pass "
                    f"{hints.no_time_col(name)}",
                )
            elif tc.isna().any():
                n = int(tc.isna().sum())
                report.add(
                    "warning",
                    name,
                    table.time_col,
                    f"{n} rows have a null time; they are never visible to a prediction",
                    n,
                )
    return report
