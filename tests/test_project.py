"""Finding database recipes: the packaged ones, and folders of the user's own."""

from __future__ import annotations

import pandas as pd
import pytest

from rdl.project import DATASETS_DIR, dataset_recipes, load_recipe

RECIPE = """
import pandas as pd
from rdl.db import Database, Table

NAME = "tiny"


def build_database(cut=None):
    df = pd.DataFrame({"id": [1, 2, 3]})
    return Database({"things": Table(df, {}, "id", None)})
"""


BUILTIN = {
    "rel-f1": DATASETS_DIR / "f1.py",
    "berka": DATASETS_DIR / "berka.py",
    "northwind": DATASETS_DIR / "northwind.py",
    "synthetic-ratings": DATASETS_DIR / "synthetic_ratings.py",
    "tpch": DATASETS_DIR / "tpch.py",
    "intl-football": DATASETS_DIR / "intl_football.py",
    "oulad": DATASETS_DIR / "oulad.py",
    "jaffle-shop": DATASETS_DIR / "jaffle_shop.py",
}


def test_packaged_recipe():
    import rdl.datasets.f1 as f1

    assert DATASETS_DIR.parts[-2:] == ("rdl", "datasets")  # shipped in the package
    assert dataset_recipes() == BUILTIN
    assert load_recipe("rel-f1") is f1
    assert (f1.SOURCE_DIR / "results.csv").is_file()
    assert f1.SOURCE_DIR.parent == DATASETS_DIR


def test_datasets_path_adds_a_folder_of_recipes(tmp_path, monkeypatch):
    (tmp_path / "tiny.py").write_text(RECIPE)
    (tmp_path / "notes.py").write_text("x = 1\n")  # no NAME line: not a recipe
    monkeypatch.setenv("RDL_DATASETS_PATH", str(tmp_path))
    assert dataset_recipes() == {"tiny": tmp_path / "tiny.py", **BUILTIN}
    db = load_recipe("tiny").build_database()
    pd.testing.assert_frame_equal(db["things"].df, pd.DataFrame({"id": [1, 2, 3]}))
    monkeypatch.delenv("RDL_DATASETS_PATH")
    with pytest.raises(
        KeyError,
        match=r"no dataset recipe 'tiny'; known: \['berka', "
        r"'intl-football', 'jaffle-shop', 'northwind', 'oulad', "
        r"'rel-f1', 'synthetic-ratings', 'tpch'\].*"
        r"RDL_DATASETS_PATH",
    ):
        load_recipe("tiny")


def test_checkout_example_reexports_the_packaged_recipe():
    from pathlib import Path

    from rdl.project import load_file

    example = Path(__file__).resolve().parent.parent / "datasets" / "f1.py"
    assert load_file(example).build_database is load_recipe("rel-f1").build_database
