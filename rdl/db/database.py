"""`Database`: a dict of `Table`s with RelBench's temporal slicing, save/load and validation."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from rdl.db.errors import SchemaError
from rdl.db.table import Table
from rdl.db.validate import ValidationReport

SCHEMA_FILE = "rdl_schema.json"


class Database(Mapping[str, Table]):
    """A relational database held in memory: table name -> `Table`.

    It behaves as a read-only dict (``db["races"]``, ``for name in db``, ``db.items()``)
    and also exposes RelBench's ``table_dict``. Table names are plain strings: names that
    clash with Python or torch attributes (``items``, ``keys``, ``type``) are fine here.

    Temporal semantics follow RelBench: ``upto(t)`` keeps rows with time ``<= t`` and
    ``from_(t)`` rows with time ``>= t``; tables without a time column are kept whole.
    """

    def __init__(self, table_dict: Mapping[str, Table]):
        self.table_dict: dict[str, Table] = dict(table_dict)
        #: set by `connect`: choices and problems (`ValidationReport`), inferred foreign
        #: keys with evidence, and the source URL.
        self.report: ValidationReport | None = None
        self.inferred_fkeys: list[dict] = []
        #: set by `connect`: foreign-key candidates not applied (near misses), the
        #: leakage audit (`rdl.db.audit`), and every schema choice as `connect` arguments.
        self.rejected_fkeys: list[dict] = []
        self.leakage: list[dict] = []
        self.schema: dict | None = None
        self.url: str | None = None
        #: views and tables of other schemas the source holds but were not read (include=)
        self.unread: list[str] = []
        for name, table in self.table_dict.items():
            for col, target in table.fkey_col_to_pkey_table.items():
                if target not in self.table_dict:
                    raise SchemaError(
                        f"table {name!r}: foreign key {col!r} references table {target!r}, "
                        f"which is not in the database (tables: {sorted(self.table_dict)}). "
                        "Include that table or drop the foreign key."
                    )

    # Mapping protocol -------------------------------------------------------------------
    def __getitem__(self, name: str) -> Table:
        try:
            return self.table_dict[name]
        except KeyError:
            raise KeyError(
                f"no table {name!r} in the database; tables: {sorted(self.table_dict)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.table_dict)

    def __len__(self) -> int:
        return len(self.table_dict)

    def __repr__(self) -> str:
        body = ", ".join(f"{n}: {len(t)} rows" for n, t in self.table_dict.items())
        return f"Database({body})"

    # Time -------------------------------------------------------------------------------
    @property
    def min_timestamp(self) -> pd.Timestamp | None:
        """Earliest time over all tables with a time column (``None`` if there is none)."""
        values = [v for t in self.table_dict.values() if (v := t.min_timestamp) is not None]
        return min(values) if values else None

    @property
    def max_timestamp(self) -> pd.Timestamp | None:
        """Latest time over all tables with a time column (``None`` if there is none)."""
        values = [v for t in self.table_dict.values() if (v := t.max_timestamp) is not None]
        return max(values) if values else None

    def upto(self, timestamp: pd.Timestamp | str) -> Database:
        """The database as known at ``timestamp``: rows with time ``<= timestamp``."""
        out = Database({n: t.upto(timestamp) for n, t in self.table_dict.items()})
        out.unread = list(self.unread)  # what the source holds beyond the tables read
        return out

    def from_(self, timestamp: pd.Timestamp | str) -> Database:
        """Rows with time ``>= timestamp``; static tables whole."""
        return Database({n: t.from_(timestamp) for n, t in self.table_dict.items()})

    # Comparison -------------------------------------------------------------------------
    def equals(self, other: Database) -> bool:
        """Same table names, and every table `Table.equals` its counterpart."""
        return set(self) == set(other) and all(self[n].equals(other[n]) for n in self)

    # Persistence ------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write one parquet file per table plus ``rdl_schema.json`` (keys, time columns,
        stypes) into directory ``path`` (created if needed). Returns the directory."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        schema = {}
        for i, (name, table) in enumerate(self.table_dict.items()):
            file = f"{i:03d}.parquet"  # table names may not be valid file names
            table.df.to_parquet(out / file, index=False)
            schema[name] = {
                "file": file,
                "pkey_col": table.pkey_col,
                "fkey_col_to_pkey_table": table.fkey_col_to_pkey_table,
                "time_col": table.time_col,
                "stypes": table.stypes,
            }
        (out / SCHEMA_FILE).write_text(json.dumps({"tables": schema}, indent=2))
        return out

    @classmethod
    def load(cls, path: str | Path) -> Database:
        """Read a directory written by `save`.

        Raises:
            FileNotFoundError: ``path`` holds no ``rdl_schema.json``.
        """
        src = Path(path)
        schema_file = src / SCHEMA_FILE
        if not schema_file.exists():
            raise FileNotFoundError(
                f"{schema_file} not found: {src} was not written by Database.save()"
            )
        schema = json.loads(schema_file.read_text())["tables"]
        tables = {}
        for name, meta in schema.items():
            tables[name] = Table(
                df=pd.read_parquet(src / meta["file"]),
                fkey_col_to_pkey_table=meta["fkey_col_to_pkey_table"],
                pkey_col=meta["pkey_col"],
                time_col=meta["time_col"],
                stypes=meta.get("stypes", {}),
            )
        return cls(tables)

    # Validation -------------------------------------------------------------------------
    def validate(self, fix: bool = False):
        """Check keys, foreign keys and time columns; see `rdl.db.validate.validate`.

        Returns:
            `ValidationReport` listing every problem (errors and notes).
        """
        from rdl.db.validate import validate

        return validate(self, fix=fix)
