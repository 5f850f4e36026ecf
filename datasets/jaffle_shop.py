"""Example recipe: jaffle-shop (dbt Labs' simulated sandwich-and-coffee chain), re-exported
from the package.

The recipe ships with rdl as ``rdl/datasets/jaffle_shop.py`` and reads the generated files
shipped beside it in ``rdl/datasets/jaffle-shop/`` (jafgen 0.4.14, Apache-2.0, see its
SOURCE.md); ``rdl datasets build jaffle-shop --out jaffle-shop.duckdb`` runs it.
"""

from rdl.datasets.jaffle_shop import NAME, SOURCE_DIR, build_database

__all__ = ["NAME", "SOURCE_DIR", "build_database"]
