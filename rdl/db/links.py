"""Foreign keys as rdl uses them: one column holding the parent's primary-key value.

A foreign key in a catalog (or given by the user, or inferred) is ``columns -> parent
table (target columns)``. rdl's graph needs ``column -> parent`` where the column holds
values of the parent's primary key. `link` makes that so:

* a single column referencing the parent's primary key is used as is, its type aligned
  to the key's (text ``'2'`` finds integer ``2``; `rdl.db.keys.align_types`);
* anything else — a composite key (to the parent's surrogate `SURROGATE_PKEY`), or a
  reference to a UNIQUE column that is not the primary key (``flights.origin ->
  airports.code`` where ``airports`` is keyed by ``id``) — gets a new column
  ``_rdl_fkey_<column>`` (``_rdl_fkey_<parent>`` for composite keys) holding the parent's
  primary-key value of the referenced row. The original columns stay as they are (label
  SQL can join on them) and are not features. Rows whose value matches no parent row keep
  their row and lose the link (null), with a warning that counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rdl.db import hints
from rdl.db.columns import raw_name
from rdl.db.errors import SchemaError
from rdl.db.keys import align_types
from rdl.db.schema import plain_scalar


@dataclass
class FKeySpec:
    """``table.columns -> target (target_columns)``; ``target_columns=None``: its key."""

    table: str
    columns: list[str]
    target: str
    target_columns: list[str] | None = None
    origin: str = "declared"  # "declared" | "given" | "inferred"

    @property
    def key(self) -> str:
        """``"col"`` or ``"a,b"``: the spec's name in ``foreign_keys=`` / the schema file."""
        return ",".join(self.columns)

    def target_spec(self, pk_columns: list[str]) -> str:
        """``"parent"`` (its primary key) or ``"parent.col"`` (another unique column)."""
        if self.target_columns is None or self.target_columns == pk_columns:
            return self.target
        return f"{self.target}.{','.join(self.target_columns)}"


def _as_read(df: pd.DataFrame, col: str) -> pd.Series:
    """``col``'s values as read from the database (before a time reading)."""
    raw = raw_name(col)
    return df[raw] if raw in df.columns else df[col]


def parse_target(spec: str, tables, where: str) -> tuple[str, list[str] | None]:
    """``"users"`` -> ``("users", None)``; ``"airports.code"`` -> ``("airports", ["code"])``;
    a table name with a dot (``"archive.orders"``) wins over the column reading.

    Raises:
        SchemaError: no such table; the message lists the tables.
    """
    if spec in tables:
        return spec, None
    if "." in spec:
        t, cols = spec.rsplit(".", 1)
        if t in tables:
            return t, cols.split(",")
    raise SchemaError(
        f"{where}: {spec!r} is not a loaded table (or table.column); tables: {sorted(tables)}"
    )


def link(
    spec: FKeySpec,
    child: pd.DataFrame,
    parent: pd.DataFrame,
    parent_pk: str | None,
    pk_columns: list[str],
    report,
) -> tuple[str | None, pd.DataFrame]:
    """Make ``spec`` a single column of ``child`` that holds ``parent_pk`` values.

    Args:
        spec: the foreign key.
        child, parent: the two tables' rows (``child`` is returned changed, not edited).
        parent_pk: the parent's primary-key column (`SURROGATE_PKEY` for composite keys).
        pk_columns: the parent's primary key as the user knows it (composite: its columns).
        report: receives notes (mapping, type alignment) and dangling-row warnings.

    Returns:
        ``(column, child)``: the foreign-key column to use (``None``: the link cannot be
        made, with a warning) and the child's rows.

    Raises:
        SchemaError: a column of the spec is missing from either table.
    """
    where = f"foreign key {spec.table}.{spec.key} -> {spec.target_spec(pk_columns)}"
    for c in spec.columns:
        if c not in child.columns:
            raise SchemaError(
                f"{where}: {spec.table!r} has no column {c!r}; its columns "
                f"are {list(child.columns)}"
            )
    target_cols = spec.target_columns or pk_columns
    for c in target_cols:
        if c not in parent.columns:
            raise SchemaError(
                f"{where}: {spec.target!r} has no column {c!r}; its columns "
                f"are {list(parent.columns)}"
            )
    if parent_pk is None:
        report.add(
            "warning",
            spec.table,
            spec.key,
            (
                f"{where}: {spec.target!r} has no primary key, so the link is not made. Give it "
                f"one with {hints.pkey(spec.target, ','.join(target_cols))}"
            ),
        )
        return None, child
    if len(target_cols) != len(spec.columns):
        raise SchemaError(
            f"{where}: {len(spec.columns)} column(s) cannot reference "
            f"{len(target_cols)} column(s) {target_cols}"
        )
    if target_cols == [parent_pk]:
        col = spec.columns[0]
        aligned, note = align_types(child[col], parent[parent_pk])
        if aligned is not None:
            child = child.copy()
            child[col] = aligned
            report.add("note", spec.table, col, f"{note} ({spec.target}.{parent_pk})")
        return col, child
    # a mapped column: the parent's primary key looked up through the referenced columns
    col = f"_rdl_fkey_{spec.columns[0]}" if len(spec.columns) == 1 else f"_rdl_fkey_{spec.target}"
    if col in child.columns:
        col = f"_rdl_fkey_{spec.target}_" + "_".join(spec.columns)
    left = pd.DataFrame({c: _as_read(child, c) for c in spec.columns})
    right = pd.DataFrame({t: _as_read(parent, t) for t in target_cols})
    right[parent_pk] = parent[parent_pk].to_numpy()
    for c, t in zip(spec.columns, target_cols):
        aligned, _ = align_types(left[c], right[t])
        if aligned is not None:
            left[c] = aligned
    lookup = right[[*target_cols, parent_pk]].drop_duplicates(target_cols)
    lookup.columns = [f"__k{i}" for i in range(len(target_cols))] + ["__pk"]
    merged = left.merge(
        lookup, how="left", left_on=spec.columns, right_on=list(lookup.columns[:-1])
    )
    child = child.copy()
    child[col] = merged["__pk"].to_numpy()
    dangling = child[spec.columns].notna().all(axis=1) & child[col].isna()
    kind = "composite " if len(spec.columns) > 1 else ""
    report.add(
        "note",
        spec.table,
        col,
        f"{kind}foreign key {spec.columns} -> {spec.target} {target_cols} mapped to "
        f"{col} (holding {spec.target}.{parent_pk})",
    )
    if dangling.any():
        rows = child.loc[dangling, spec.columns].drop_duplicates().head(5)
        ex = [
            tuple(plain_scalar(v) for v in r) if len(spec.columns) > 1 else plain_scalar(r[0])
            for r in rows.itertuples(index=False, name=None)
        ]
        n = int(dangling.sum())
        report.add(
            "warning",
            spec.table,
            spec.key,
            f"{n} rows reference no row of {spec.target} {target_cols} (examples: {ex}); "
            f"they keep their row and lose the link ({col} set to null, as RelBench does). "
            f"If the key is right, the missing {spec.target} rows are missing in the source",
            n,
            ex,
        )
    return col, child


__all__ = ["FKeySpec", "link", "parse_target"]
