"""Built-in database recipes, shipped with the package (raw files as package data).

A recipe is a module that declares ``NAME = "..."`` on a line of its own and defines
``build_database(cut=...) -> rdl.Database``; `rdl.project.load_recipe` finds it by that
name and ``rdl datasets build NAME --out FILE`` writes it to DuckDB, SQLite or PostgreSQL.
Recipes use `rdl.db` only.

* `f1` — ``rel-f1``: the Ergast Formula 1 database as RelBench builds it, from the CSVs in
  ``rdl/datasets/ergast-f1/`` (CC0, see its SOURCE.md).
* `berka` — ``berka``: the PKDD'99 Czech bank (``rdl/datasets/pkdd99-berka/``).
* `northwind` — ``northwind``: Microsoft's Northwind traders, from its PostgreSQL script
  (``rdl/datasets/northwind-psql/``), read without a PostgreSQL server.
* `synthetic_ratings` — ``synthetic-ratings``: ratings generated in code, users never rate
  an item twice (a test bed for recommending new items).
"""
