"""oulad: the Open University Learning Analytics Dataset (seven online modules, 22
presentations, 2013-2014): registrations, withdrawals and assessment submissions, an
education event log.

Source: the OULAD CSVs shipped beside this file in ``rdl/datasets/oulad/`` (CC-BY 4.0,
Kuzilek, Hlosta & Zdrahal 2017; gzip-compressed; see its SOURCE.md, which also says
which public copies they come from and that the submissions file lacks 10,000 of the
original 173,912 rows). The VLE click stream (``studentVle``, 10.6 M rows, 453 MB) is not
included.

Construction (each trap of the raw files handled here, so the `Database` is clean):

* **dates are day numbers relative to the start of the module presentation** (negative
  before it: most students register weeks ahead). A presentation ``2013B`` starts in
  February 2013, ``2014J`` in October 2014; the exact day is not published, so the recipe
  takes the 1st of the month (`presentation_start`) and turns every day number into a
  date from it;
* ``?`` and empty fields are NULL; 45 registrations carry no registration day: they are
  dated at their presentation's start;
* ``studentRegistration.date_unregistration`` is the day the student withdrew — a future
  value on the registration row. It becomes its own table ``withdrawals`` (time column
  ``withdrawn_at``), so a seed never sees a later withdrawal;
* ``studentInfo.final_result`` (Pass / Distinction / Fail / Withdrawn) is the outcome
  observed when the presentation ended. It lives in ``final_results(registration_id,
  final_result)`` with **no foreign key** (as berka's loan status), so no model input
  reaches it; no built-in task uses it;
* the raw files key registrations and submissions by ``(id_student, code_module,
  code_presentation)``; the recipe gives each registration a ``registration_id`` and each
  presentation a ``presentation_id``, and a submission points to its registration;
* assessment due days stay day numbers (``due_day``): a schedule known in advance, not an
  event; ``is_banked`` submissions carry a score from an earlier presentation;
* every table has at most one datetime column, so `rdl.connect` picks the same time
  columns when it reads a built file back.

Tables and time columns: ``presentations`` (static: module, year, start month, length),
``students`` (static: gender), ``registrations`` (``registered_at``; demographics as
registered: region, education, IMD band, age band, earlier attempts, credits,
disability), ``withdrawals`` (``withdrawn_at``), ``assessments`` (static: type, due day,
weight), ``submissions`` (``submitted_at``; score, banked), ``vle_sites`` (static:
activity type, planned weeks), ``final_results`` (static, unlinked).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "oulad"
SOURCE_DIR = Path(__file__).resolve().parent / "oulad"
DEFAULT_CUT = None
KEY = ["id_student", "code_module", "code_presentation"]


def presentation_start(code: pd.Series) -> pd.Series:
    """``"2013B"`` -> 2013-02-01, ``"2014J"`` -> 2014-10-01 (``datetime64[ns]``).

    Raises:
        ValueError: a code that is not a year followed by ``B`` or ``J`` (names it).
    """
    code = code.astype(str)
    ok = code.str.fullmatch(r"\d{4}[BJ]")
    if not ok.all():
        raise ValueError(
            f"oulad: presentation codes must look like 2013B or 2014J, got "
            f"{code[~ok].unique()[:3].tolist()}"
        )
    month = code.str[-1].map({"B": "02", "J": "10"})
    return pd.to_datetime(code.str[:4] + "-" + month + "-01").astype("datetime64[ns]")


def read_raw(src_dir: str | Path = SOURCE_DIR) -> dict[str, pd.DataFrame]:
    """The six raw files as read (``?`` and empty fields NULL), keyed by file stem."""
    src = Path(src_dir)
    names = (
        "courses",
        "assessments",
        "vle",
        "studentInfo",
        "studentRegistration",
        "studentAssessment",
    )
    out = {}
    for n in names:
        path = src / f"{n}.csv.gz"
        out[n] = pd.read_csv(path if path.exists() else src / f"{n}.csv", na_values=["?"])
    return out


def _days(start: pd.Series, days: pd.Series) -> pd.Series:
    return (start + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")


def build_database(
    src_dir: str | Path = SOURCE_DIR,
    cut: str | None = DEFAULT_CUT,
    *,
    modules: list[str] | None = None,
) -> Database:
    """oulad as a `Database` (8 tables; see the module docstring).

    Args:
        src_dir: folder with the CSV files (``.csv.gz`` or ``.csv``).
        cut: keep rows dated up to and including this day (``None``: all).
        modules: keep only these modules (e.g. ``["AAA", "GGG"]``; ``None``: all seven);
            a smaller database for tests.
    """
    raw = read_raw(src_dir)
    courses = raw["courses"]
    if modules is not None:
        courses = courses[courses["code_module"].isin(modules)]
    courses = courses.sort_values(["code_module", "code_presentation"]).reset_index(drop=True)
    courses["presentation_id"] = np.arange(1, len(courses) + 1)
    courses["start"] = presentation_start(courses["code_presentation"])
    pkey = ["code_module", "code_presentation"]
    pres = courses[[*pkey, "presentation_id", "start"]]

    reg = raw["studentRegistration"].merge(pres, on=pkey).merge(raw["studentInfo"], on=KEY)
    reg = reg.sort_values(["presentation_id", "id_student"]).reset_index(drop=True)
    reg["registration_id"] = np.arange(1, len(reg) + 1)
    reg["registered_at"] = _days(reg["start"], reg["date_registration"].fillna(0))
    reg["withdrawn_at"] = _days(reg["start"], reg["date_unregistration"])
    withdrawals = reg.loc[reg["withdrawn_at"].notna(), ["registration_id", "withdrawn_at"]]
    withdrawals.insert(0, "withdrawal_id", withdrawals["registration_id"].to_numpy())
    final = reg[["registration_id", "final_result"]]
    students = reg.sort_values("registration_id").drop_duplicates("id_student")
    students = students[["id_student", "gender"]].rename(columns={"id_student": "student_id"})
    registrations = reg[
        [
            "registration_id",
            "id_student",
            "presentation_id",
            "registered_at",
            "region",
            "highest_education",
            "imd_band",
            "age_band",
            "num_of_prev_attempts",
            "studied_credits",
            "disability",
        ]
    ]
    registrations = registrations.rename(columns={"id_student": "student_id"})

    assess = raw["assessments"].merge(pres, on=pkey)
    assessments = assess[
        ["id_assessment", "presentation_id", "assessment_type", "date", "weight"]
    ].rename(columns={"id_assessment": "assessment_id", "date": "due_day"})
    sub = raw["studentAssessment"].merge(
        assess[["id_assessment", *pkey, "start"]], on="id_assessment"
    )
    sub = sub.merge(reg[[*KEY, "registration_id"]], on=KEY)
    sub = sub.sort_values(["registration_id", "id_assessment"]).reset_index(drop=True)
    submissions = pd.DataFrame(
        {
            "submission_id": np.arange(1, len(sub) + 1),
            "assessment_id": sub["id_assessment"],
            "registration_id": sub["registration_id"],
            "submitted_at": _days(sub["start"], sub["date_submitted"]),
            "is_banked": sub["is_banked"].astype(bool),
            "score": sub["score"],
        }
    )
    vle = raw["vle"].merge(pres, on=pkey)
    vle_sites = vle[["id_site", "presentation_id", "activity_type", "week_from", "week_to"]]
    vle_sites = vle_sites.rename(columns={"id_site": "site_id"})
    presentations = pd.DataFrame(
        {
            "presentation_id": courses["presentation_id"],
            "module": courses["code_module"],
            "year": courses["code_presentation"].str[:4].astype(int),
            "starts_in": courses["code_presentation"]
            .str[-1]
            .map({"B": "February", "J": "October"}),
            "length_days": courses["module_presentation_length"],
        }
    )
    if cut is not None:
        c = pd.Timestamp(cut)
        registrations = registrations[registrations["registered_at"] <= c]
        kept = withdrawals["registration_id"].isin(registrations["registration_id"])
        withdrawals = withdrawals[kept & (withdrawals["withdrawn_at"] <= c)]
        kept = submissions["registration_id"].isin(registrations["registration_id"])
        submissions = submissions[kept & (submissions["submitted_at"] <= c)]

    def t(df, pkey_col, fkeys, time_col=None):
        df = df.sort_values(pkey_col).reset_index(drop=True)
        return Table(df, fkeys, pkey_col, time_col, infer_stypes(df, exclude=[pkey_col, *fkeys]))

    return Database(
        {
            "presentations": t(presentations, "presentation_id", {}),
            "students": t(students, "student_id", {}),
            "registrations": t(
                registrations,
                "registration_id",
                {"student_id": "students", "presentation_id": "presentations"},
                "registered_at",
            ),
            "withdrawals": t(
                withdrawals, "withdrawal_id", {"registration_id": "registrations"}, "withdrawn_at"
            ),
            "assessments": t(assessments, "assessment_id", {"presentation_id": "presentations"}),
            "submissions": t(
                submissions,
                "submission_id",
                {"assessment_id": "assessments", "registration_id": "registrations"},
                "submitted_at",
            ),
            "vle_sites": t(vle_sites, "site_id", {"presentation_id": "presentations"}),
            "final_results": t(final, "registration_id", {}),
        }
    )
