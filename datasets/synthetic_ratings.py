"""Example recipe: synthetic-ratings (generated in code: users never rate an item twice),
re-exported from the package (``rdl/datasets/synthetic_ratings.py``);
``rdl datasets build synthetic-ratings --out ratings.duckdb`` runs it (~100k ratings).
"""

from rdl.datasets.synthetic_ratings import NAME, build_database

__all__ = ["NAME", "build_database"]
