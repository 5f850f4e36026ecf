"""northwind: Microsoft's Northwind traders database (orders of a food wholesaler,
1996-07-04 .. 1998-05-06).

Source: the PostgreSQL script shipped beside this file in
``rdl/datasets/northwind-psql/northwind.sql`` (pthom/northwind_psql; Ms-PL, see its
SOURCE.md). No PostgreSQL server is needed: the script's ``CREATE TABLE`` and ``INSERT``
statements run in an in-memory DuckDB (its PostgreSQL dialect reads them; ``bytea``
becomes ``VARCHAR``), its ``SET`` / ``DROP`` / ``ALTER TABLE`` statements are skipped, and
the keys it declares with ``ALTER TABLE`` are declared here.

Construction:

* ``orders`` (time column ``order_date``) keep what is known when an order is placed:
  customer, employee, the date the customer needs it by, ship city / country. What
  happens later moves to ``shipments`` (time column ``shipped_date``; one row per
  shipped order: shipper, ``freight``), so a seed never sees a shipment dated after it;
  the 21 unshipped orders have none;
* ``order_details`` (composite key ``order_id, product_id`` in the script) get a
  surrogate key ``order_detail_id`` and their order's ``order_date`` as time column;
* snapshot columns (values as of the script, not of any date) are dropped:
  ``products.unit_price`` / ``units_in_stock`` / ``units_on_order`` / ``discontinued``
  (``order_details.unit_price`` keeps the price of each sale);
* ``employees.reports_to`` (a self-reference among 9 employees) is dropped: a DuckDB file
  written by ``rdl datasets build`` does not keep that foreign key;
* contact data (names of people, addresses, phones, faxes, postal codes, home pages,
  photos) are dropped; employees keep title, dates, city / country and their ``notes``
  (free text);
* tables the script leaves empty (``customer_demographics``, ``customer_customer_demo``)
  and ``us_states`` (no key links it) are left out;
* ``employees.hire_date`` is the employees' time column (an employee exists from the
  day they are hired: 1992-1994, before every order);
* every table has at most one datetime column whose name looks like a time, so
  `rdl.connect` picks the same time columns when it reads the built file back:
  ``orders.required_date`` becomes ``required_by`` and ``employees.birth_date`` ``born``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "northwind"
SOURCE_DIR = Path(__file__).resolve().parent / "northwind-psql"
DEFAULT_CUT = None
_STATEMENT = re.compile(r"^(CREATE TABLE|INSERT INTO)\b")


def read_script(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a PostgreSQL dump script (``CREATE TABLE`` + ``INSERT``
    statements), read by running them in an in-memory DuckDB.

    Raises:
        duckdb.Error: a statement DuckDB cannot run (the message names it).
    """
    import duckdb

    text = Path(path).read_text(encoding="utf-8")
    keep = []
    for stmt in re.split(r";[ \t]*\n", text):
        body = "\n".join(ln for ln in stmt.splitlines() if not ln.startswith("--")).strip()
        if _STATEMENT.match(body):
            keep.append(
                re.sub(r"\bbytea\b", "VARCHAR", body) if body.startswith("CREATE") else body
            )
    con = duckdb.connect()
    try:
        con.execute(";\n".join(keep) + ";")
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {n: con.execute(f'SELECT * FROM "{n}"').df() for n in names}
    finally:
        con.close()


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def build_database(src_dir: str | Path = SOURCE_DIR, cut: str | None = DEFAULT_CUT) -> Database:
    """northwind as a `Database` (12 tables; see the module docstring).

    Args:
        src_dir: folder with ``northwind.sql``.
        cut: keep orders (and their details and shipments) dated up to and including this
            day (``None``: all).
    """
    raw = read_script(Path(src_dir) / "northwind.sql")
    orders = _dates(raw["orders"].copy(), "order_date", "required_date", "shipped_date")
    if cut is not None:
        orders = orders[orders["order_date"] <= pd.Timestamp(cut)]
    shipments = orders.loc[
        orders["shipped_date"].notna(), ["order_id", "shipped_date", "ship_via", "freight"]
    ]
    shipments = shipments.rename(columns={"ship_via": "shipper_id"})
    shipments.insert(0, "shipment_id", shipments["order_id"].to_numpy())
    if cut is not None:
        shipments = shipments[shipments["shipped_date"] <= pd.Timestamp(cut)]
    orders = orders[
        [
            "order_id",
            "customer_id",
            "employee_id",
            "order_date",
            "required_date",
            "ship_city",
            "ship_country",
        ]
    ].rename(columns={"required_date": "required_by"})
    details = raw["order_details"].merge(orders[["order_id", "order_date"]], on="order_id")
    details = details.sort_values(["order_id", "product_id"]).reset_index(drop=True)
    details.insert(0, "order_detail_id", np.arange(1, len(details) + 1))
    products = raw["products"].drop(
        columns=["unit_price", "units_in_stock", "units_on_order", "discontinued"]
    )
    employees = _dates(raw["employees"].copy(), "birth_date", "hire_date")
    employees = employees[
        [
            "employee_id",
            "title",
            "title_of_courtesy",
            "birth_date",
            "hire_date",
            "city",
            "region",
            "country",
            "notes",
        ]
    ]
    employees = employees.rename(columns={"birth_date": "born"})
    customers = raw["customers"][["customer_id", "contact_title", "city", "region", "country"]]
    suppliers = raw["suppliers"][
        ["supplier_id", "company_name", "contact_title", "city", "region", "country"]
    ]

    def t(df, pkey, fkeys, time_col=None):
        df = df.sort_values(pkey).reset_index(drop=True)
        return Table(df, fkeys, pkey, time_col, infer_stypes(df, exclude=[pkey, *fkeys]))

    return Database(
        {
            "categories": t(raw["categories"].drop(columns=["picture"]), "category_id", {}),
            "suppliers": t(suppliers, "supplier_id", {}),
            "products": t(
                products, "product_id", {"supplier_id": "suppliers", "category_id": "categories"}
            ),
            "customers": t(customers, "customer_id", {}),
            "region": t(raw["region"], "region_id", {}),
            "territories": t(raw["territories"], "territory_id", {"region_id": "region"}),
            "employees": t(employees, "employee_id", {}, "hire_date"),
            "employee_territories": t(
                raw["employee_territories"].assign(
                    employee_territory_id=lambda d: np.arange(1, len(d) + 1)
                ),
                "employee_territory_id",
                {"employee_id": "employees", "territory_id": "territories"},
            ),
            "shippers": t(raw["shippers"].drop(columns=["phone"]), "shipper_id", {}),
            "orders": t(
                orders,
                "order_id",
                {"customer_id": "customers", "employee_id": "employees"},
                "order_date",
            ),
            "order_details": t(
                details,
                "order_detail_id",
                {"order_id": "orders", "product_id": "products"},
                "order_date",
            ),
            "shipments": t(
                shipments,
                "shipment_id",
                {"order_id": "orders", "shipper_id": "shippers"},
                "shipped_date",
            ),
        }
    )
