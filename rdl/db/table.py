"""`Table`: one relational table as a pandas frame plus its keys, time column and stypes.

The attribute names follow RelBench (`relbench.base.Table`) so RelBench users feel at
home: `df`, `fkey_col_to_pkey_table`, `pkey_col`, `time_col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rdl.db.errors import SchemaError


@dataclass
class Table:
    """One table of a relational database.

    Args:
        df: the rows, one per node of the table's node type. The row position is the node
            index used by the graph layer.
        fkey_col_to_pkey_table: foreign-key column -> name of the table whose primary key
            it references. Values that reference no existing row are null.
        pkey_col: primary-key column (unique, non-null), or ``None`` for event/fact tables
            that have none; such rows are addressed by their row position.
        time_col: the column that stamps each row (``datetime64``, naive UTC), or ``None``
            for static tables (rows always visible, e.g. ``drivers``).
        stypes: feature column -> semantic type in pytorch-frame's vocabulary
            (``numerical``, ``categorical``, ``text_embedded``, ``multicategorical``,
            ``timestamp``, ``embedding``). Key columns never appear here: they are not
            features. Columns absent from ``stypes`` are not used as features.

    Temporal semantics (RelBench): a row is visible to a prediction made at time ``t`` iff
    it has no time column or its time is ``<= t``.
    """

    df: pd.DataFrame
    fkey_col_to_pkey_table: dict[str, str] = field(default_factory=dict)
    pkey_col: str | None = None
    time_col: str | None = None
    stypes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cols = set(self.df.columns)
        for role, col in [("pkey_col", self.pkey_col), ("time_col", self.time_col)]:
            if col is not None and col not in cols:
                raise SchemaError(
                    f"{role} {col!r} is not a column of the table (columns: "
                    f"{sorted(map(str, cols))[:20]}). Pass an existing column name."
                )
        for col in self.fkey_col_to_pkey_table:
            if col not in cols:
                raise SchemaError(
                    f"foreign-key column {col!r} is not a column of the table "
                    f"(columns: {sorted(map(str, cols))[:20]})."
                )

    def __len__(self) -> int:
        return len(self.df)

    def __repr__(self) -> str:
        return (
            f"Table(df=<{len(self.df)} rows x {self.df.shape[1]} cols>, "
            f"fkey_col_to_pkey_table={self.fkey_col_to_pkey_table}, "
            f"pkey_col={self.pkey_col!r}, time_col={self.time_col!r})"
        )

    @property
    def key_cols(self) -> list[str]:
        """Primary- and foreign-key columns (never features)."""
        keys = [self.pkey_col] if self.pkey_col else []
        return keys + list(self.fkey_col_to_pkey_table)

    @property
    def min_timestamp(self) -> pd.Timestamp | None:
        """Earliest value of the time column, ``None`` if the table has none or is empty."""
        if self.time_col is None or len(self.df) == 0:
            return None
        ts = self.df[self.time_col].min()
        return None if pd.isna(ts) else pd.Timestamp(ts)

    @property
    def max_timestamp(self) -> pd.Timestamp | None:
        """Latest value of the time column, ``None`` if the table has none or is empty."""
        if self.time_col is None or len(self.df) == 0:
            return None
        ts = self.df[self.time_col].max()
        return None if pd.isna(ts) else pd.Timestamp(ts)

    def upto(self, timestamp: pd.Timestamp | str) -> Table:
        """Rows with time ``<= timestamp`` (inclusive, as RelBench); static tables whole."""
        if self.time_col is None:
            return self
        ts = pd.Timestamp(timestamp)
        return self._with_df(self.df[self.df[self.time_col] <= ts])

    def from_(self, timestamp: pd.Timestamp | str) -> Table:
        """Rows with time ``>= timestamp`` (inclusive, as RelBench); static tables whole."""
        if self.time_col is None:
            return self
        ts = pd.Timestamp(timestamp)
        return self._with_df(self.df[self.df[self.time_col] >= ts])

    def _with_df(self, df: pd.DataFrame) -> Table:
        return Table(
            df=df.reset_index(drop=True),
            fkey_col_to_pkey_table=dict(self.fkey_col_to_pkey_table),
            pkey_col=self.pkey_col,
            time_col=self.time_col,
            stypes=dict(self.stypes),
        )

    def equals(self, other: Table) -> bool:
        """Same keys, time column, stypes, columns and values (dtype-tolerant for ints)."""
        if (
            self.pkey_col != other.pkey_col
            or self.time_col != other.time_col
            or self.fkey_col_to_pkey_table != other.fkey_col_to_pkey_table
            or self.stypes != other.stypes
            or list(self.df.columns) != list(other.df.columns)
        ):
            return False
        try:
            pd.testing.assert_frame_equal(
                self.df.reset_index(drop=True),
                other.df.reset_index(drop=True),
                check_dtype=False,
                check_exact=False,
            )
        except AssertionError:
            return False
        return True
