"""Example recipe: berka (the PKDD'99 Czech bank), re-exported from the package.

The recipe ships with rdl as ``rdl/datasets/berka.py`` and reads the ``.asc`` files shipped
beside it in ``rdl/datasets/pkdd99-berka/`` (see its SOURCE.md); ``rdl datasets build berka
--out berka.duckdb`` runs it. Read its docstring for how the raw files' traps (YYMMDD dates,
birth numbers, a snapshot table, the loan status) are handled.
"""

from rdl.datasets.berka import NAME, SNAPSHOT, SOURCE_DIR, build_database

__all__ = ["NAME", "SNAPSHOT", "SOURCE_DIR", "build_database"]
