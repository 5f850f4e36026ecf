"""berka: the PKDD'99 Czech bank database (accounts, clients, loans, cards, 1993-1998).

Source: the PKDD'99 Discovery Challenge files shipped beside this file in
``rdl/datasets/pkdd99-berka/`` (semicolon-separated ``.asc``; see its SOURCE.md). The
transactions file is not included (the public copy is truncated).

Construction (each trap of the raw files handled here, so the `Database` is clean):

* dates are ``YYMMDD`` integers (``930705`` = 1993-07-05; every year is 19YY); card
  ``issued`` is ``"YYMMDD 00:00:00"``;
* ``client.birth_number`` is ``YYMMDD`` with 50 added to the month for women: it becomes
  ``born`` and ``sex``;
* Czech codes translated: account ``frequency`` (``POPLATEK MESICNE`` monthly,
  ``POPLATEK TYDNE`` weekly, ``POPLATEK PO OBRATU`` after transaction);
* district columns ``A1``-``A16`` get names; ``?`` is NULL;
* every table has at most one datetime column whose name looks like a time (``date``,
  ``issued_date``), so `rdl.connect` picks the same time columns when it reads the built
  file back (the birth date is ``born``).

Tables and time columns: ``district`` (static), ``account`` (``date``: opened),
``client`` (static: ``born``, ``sex``, district), ``disp`` (static: which client may use
which account, ``OWNER`` / ``DISPONENT``), ``card`` (``issued_date``), ``loan`` (``date``:
granted; amount, duration in months, monthly payment) and ``loan_status``.

Two honest choices, because the raw data are a snapshot taken at the end of 1998:

* **standing orders** (``order.asc``, shipped beside the others) are left out. They carry
  no date: they are the orders in force at the snapshot. As static rows they would show a
  1995 seed orders placed in 1998 (a loan's repayment order, ``UVER``, even reveals
  whether the loan was still running in 1998); dated at the snapshot they are invisible
  to every seed before 1999 — and `rdl.connect` reads a column holding one date on every
  row as an audit column, i.e. as no time column, so a built file would show them again.
* **loan status** (A finished OK, B finished unpaid, C running OK, D running in debt) is
  the outcome a loan task predicts, observed at the snapshot. It lives in its own table
  ``loan_status(loan_id, status)`` with ``loan_id`` its primary key and **no foreign
  key**, so no model input ever reaches it (the graph has no edge to it and LightGBM's
  aggregates follow foreign keys only); the task's label SQL joins it by ``loan_id``.
  ``tests/test_berka_northwind.py`` proves that changing every status changes no
  prediction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "berka"
SOURCE_DIR = Path(__file__).resolve().parent / "pkdd99-berka"
#: when the raw data were extracted (the last loan is dated 1998-12-08, the last card
#: 1998-12-29): when the loan statuses were observed
SNAPSHOT = pd.Timestamp("1998-12-31")
DEFAULT_CUT = None

FREQUENCY = {
    "POPLATEK MESICNE": "monthly",
    "POPLATEK TYDNE": "weekly",
    "POPLATEK PO OBRATU": "after transaction",
}
K_SYMBOL = {"SIPO": "household", "UVER": "loan", "POJISTNE": "insurance", "LEASING": "leasing"}
DISTRICT_COLS = {
    "A1": "district_id",
    "A2": "name",
    "A3": "region",
    "A4": "inhabitants",
    "A5": "municipalities_lt_500",
    "A6": "municipalities_500_1999",
    "A7": "municipalities_2000_9999",
    "A8": "municipalities_ge_10000",
    "A9": "cities",
    "A10": "urban_ratio",
    "A11": "average_salary",
    "A12": "unemployment_1995",
    "A13": "unemployment_1996",
    "A14": "entrepreneurs_per_1000",
    "A15": "crimes_1995",
    "A16": "crimes_1996",
}


def _read(src: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(
        src / f"{name}.asc",
        sep=";",
        na_values=["?"],
        keep_default_na=False,
        dtype={"birth_number": str},
    )


def yymmdd(values: pd.Series) -> pd.Series:
    """``YYMMDD`` integers (or strings starting with them) -> ``datetime64[ns]``, 19YY.

    Raises:
        ValueError: a value that is not a valid date (names it).
    """
    text = values.astype(str).str.slice(0, 6)
    out = pd.to_datetime("19" + text, format="%Y%m%d", errors="coerce")
    bad = out.isna() & values.notna()
    if bad.any():
        raise ValueError(
            f"berka: {int(bad.sum())} value(s) are not YYMMDD dates, e.g. "
            f"{values[bad].head(3).tolist()}"
        )
    return out.astype("datetime64[ns]")


def birth_date_and_sex(birth_number: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``client.birth_number`` (``YYMMDD``, month + 50 for women) -> (birth date, sex
    ``"F"``/``"M"``)."""
    n = birth_number.astype(str).str.zfill(6)
    month = n.str.slice(2, 4).astype(int)
    female = month > 50
    fixed = n.str.slice(0, 2) + (month - 50 * female).map("{:02d}".format) + n.str.slice(4, 6)
    return yymmdd(fixed), pd.Series(np.where(female, "F", "M"), index=birth_number.index)


def build_database(src_dir: str | Path = SOURCE_DIR, cut: str | None = DEFAULT_CUT) -> Database:
    """berka as a `Database` (7 tables; see the module docstring).

    Args:
        src_dir: folder with the ``.asc`` files.
        cut: keep rows dated up to and including this day (``None``: all; the recipe has
            no snapshot cut of its own).
    """
    src = Path(src_dir)
    district = _read(src, "district").rename(columns=DISTRICT_COLS)
    account = _read(src, "account")
    account["frequency"] = account["frequency"].map(FREQUENCY).fillna(account["frequency"])
    account["date"] = yymmdd(account["date"])
    client = _read(src, "client")
    client["born"], client["sex"] = birth_date_and_sex(client.pop("birth_number"))
    disp = _read(src, "disp")
    card = _read(src, "card")
    card["issued_date"] = yymmdd(card.pop("issued"))
    loan = _read(src, "loan")
    loan["date"] = yymmdd(loan["date"])
    status = loan[["loan_id", "status"]].copy()
    loan = loan.drop(columns=["status"])

    def t(df, pkey, fkeys, time_col=None):
        df = df.sort_values(pkey).reset_index(drop=True)
        if cut is not None and time_col is not None:
            df = df[df[time_col] <= pd.Timestamp(cut)].reset_index(drop=True)
        stypes = infer_stypes(df, exclude=[pkey, *fkeys])
        return Table(df, fkeys, pkey, time_col, stypes)

    return Database(
        {
            "district": t(district, "district_id", {}),
            "account": t(account, "account_id", {"district_id": "district"}, "date"),
            "client": t(client, "client_id", {"district_id": "district"}),
            "disp": t(disp, "disp_id", {"client_id": "client", "account_id": "account"}),
            "card": t(card, "card_id", {"disp_id": "disp"}, "issued_date"),
            "loan": t(loan, "loan_id", {"account_id": "account"}, "date"),
            "loan_status": t(status, "loan_id", {}),
        }
    )
