"""Example recipe: rel-f1, re-exported from the package.

The recipe ships with rdl as ``rdl/datasets/f1.py`` and reads the Ergast CSVs shipped
beside it in ``rdl/datasets/ergast-f1/`` (CC0, see its SOURCE.md); ``rdl datasets build
rel-f1 --out rel-f1.duckdb`` runs it. A recipe of your own is a ``.py`` file that declares
``NAME = "..."`` on a line of its own and defines ``build_database(cut=...)`` returning an
`rdl.Database`; put it in a folder listed in ``RDL_DATASETS_PATH`` and build it by name.
"""

from rdl.datasets.f1 import DEFAULT_CUT, NAME, SOURCE_DIR, build_database

__all__ = ["NAME", "SOURCE_DIR", "DEFAULT_CUT", "build_database"]
