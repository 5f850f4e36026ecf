"""Example recipe: northwind (Microsoft's Northwind traders), re-exported from the package.

The recipe ships with rdl as ``rdl/datasets/northwind.py`` and runs the PostgreSQL script
shipped beside it in ``rdl/datasets/northwind-psql/`` in an in-memory DuckDB (no PostgreSQL
server needed); ``rdl datasets build northwind --out northwind.duckdb`` runs it.
"""

from rdl.datasets.northwind import NAME, SOURCE_DIR, build_database, read_script

__all__ = ["NAME", "SOURCE_DIR", "build_database", "read_script"]
