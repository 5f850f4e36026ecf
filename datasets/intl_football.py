"""Example recipe: intl-football (every men's international football match since 1872),
re-exported from the package.

The recipe ships with rdl as ``rdl/datasets/intl_football.py`` and reads the CSVs shipped
beside it in ``rdl/datasets/intl-football/`` (CC0, see its SOURCE.md); ``rdl datasets
build intl-football --out intl-football.duckdb`` runs it. Read its docstring for how the
raw files' traps (no keys, a duplicated match, own goals) are handled.
"""

from rdl.datasets.intl_football import NAME, SOURCE_DIR, build_database, read_raw

__all__ = ["NAME", "SOURCE_DIR", "build_database", "read_raw"]
