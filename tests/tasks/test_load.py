"""Task addressing: ``FILE.py:NAME`` (class, instance, factory, task name) and built-ins."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from rdl import Database, Table
from rdl.project import TASKS_DIR, load_file
from rdl.tasks import TaskError, builtin_tasks, file_tasks, load_task

DEFS = '''
import functools
import pandas as pd
from rdl import Database, Table
from rdl.tasks import EntityTask, TaskType


class _Abstract(EntityTask):
    entity_table = "customers"
    entity_col = "cid"


class Visits(_Abstract):
    name = "visits"
    target_col = "n"
    task_type = TaskType.REGRESSION
    timedelta = pd.Timedelta(days=10)
    metrics = ["mae"]
    val_timestamp = pd.Timestamp("2020-03-01")
    test_timestamp = pd.Timestamp("2020-03-20")
    sql = """SELECT t.timestamp, e.cid, COUNT(*) AS n FROM timestamp_df t
             JOIN events e ON e.day > t.timestamp AND e.day <= t.timestamp + {timedelta}
             GROUP BY ALL"""


class Visits14(Visits):
    name = "visits-14"
    timedelta = pd.Timedelta(days=14)


visits_late = functools.partial(Visits, val_timestamp="2020-03-05")
NOT_A_TASK = 3
'''


def daily_db(days: int = 101) -> Database:
    ev = pd.DataFrame(
        {
            "id": range(days),
            "cid": [i % 2 for i in range(days)],
            "day": pd.date_range("2020-01-01", periods=days, freq="D"),
        }
    )
    return Database(
        {
            "customers": Table(pd.DataFrame({"cid": [0, 1]}), {}, "cid", None),
            "events": Table(ev, {"cid": "customers"}, "id", "day"),
        }
    )


@pytest.fixture
def task_file(tmp_path):
    path = tmp_path / "shop_tasks.py"
    path.write_text(DEFS)
    return path


def test_class_by_python_name_and_by_task_name(task_file):
    db = daily_db()
    t = load_task(f"{task_file}:Visits", db)
    assert type(t).__name__ == "Visits" and t.name == "visits" and t.db is db
    t = load_task(f"{task_file}:visits-14", db)
    assert type(t).__name__ == "Visits14" and t.timedelta == pd.Timedelta(days=14)
    assert len(t.get_table("train")) > 0


def test_factory_and_cache_dir(task_file, tmp_path):
    t = load_task(f"{task_file}:visits_late", daily_db(), cache_dir=tmp_path / "c")
    assert t.val_timestamp == pd.Timestamp("2020-03-05") and t.cache_dir == tmp_path / "c"


def test_instance_is_rebound_to_the_given_database(tmp_path):
    path = tmp_path / "inst.py"
    path.write_text(
        DEFS
        + textwrap.dedent("""
        _events = pd.DataFrame({"id": range(60), "cid": 0,
                                "day": pd.date_range("2020-01-01", periods=60, freq="D")})
        _db = Database({"customers": Table(pd.DataFrame({"cid": [0]}), {}, "cid", None),
                        "events": Table(_events, {"cid": "customers"}, "id", "day")})
        weekly = Visits(_db, timedelta="7D", test_timestamp="2020-02-20",
                        val_timestamp="2020-02-01")
    """)
    )
    db = daily_db()
    t = load_task(f"{path}:weekly", db)
    assert type(t).__name__ == "Visits" and t.db is db
    assert t.timedelta == pd.Timedelta(days=7) and t.test_timestamp == pd.Timestamp("2020-02-20")
    # by its task name "visits" the file holds two tasks (the class and the instance)
    with pytest.raises(TaskError, match="several tasks are named 'visits'"):
        load_task(f"{path}:visits", db)


def test_single_task_file_needs_no_name(tmp_path):
    path = tmp_path / "one.py"
    path.write_text(DEFS.replace("class Visits14(Visits)", "class _Visits14(Visits)"))
    assert load_task(str(path), daily_db()).name == "visits"
    assert load_task(f"{path}:", daily_db()).name == "visits"


def test_errors_list_the_available_tasks(task_file):
    db = daily_db()
    with pytest.raises(TaskError) as e:
        load_task(f"{task_file}:nope", db)
    msg = str(e.value)
    assert "has no task 'nope'" in msg and "Visits (visits), Visits14 (visits-14)" in msg
    assert "_Abstract" not in msg
    with pytest.raises(TaskError, match=r"defines 2 tasks; pick one with .*shop_tasks.py:NAME"):
        load_task(str(task_file), db)
    with pytest.raises(TaskError, match="NOT_A_TASK is a int, not a task"):
        load_task(f"{task_file}:NOT_A_TASK", db)
    with pytest.raises(TaskError, match="_Abstract is an abstract task"):
        load_task(f"{task_file}:_Abstract", db)
    with pytest.raises(TaskError, match="task file '.*missing.py' .*does not exist"):
        load_task(f"{task_file.parent / 'missing.py'}:Visits", db)


def test_builtin_names():
    known = builtin_tasks()
    assert {"rel-f1/driver-dnf", "rel-f1/driver-top3", "rel-f1/driver-position"} <= set(known)
    assert known["rel-f1/driver-dnf"] == f"{TASKS_DIR / 'f1.py'}:DriverDNF"
    assert TASKS_DIR.parts[-3:] == ("rdl", "tasks", "builtin")  # shipped in the package
    for spec in ("rel-f1/nope", "nope"):
        with pytest.raises(TaskError) as e:
            load_task(spec, daily_db())
        assert f"no task '{spec}'" in str(e.value) and "rel-f1/driver-dnf" in str(e.value)


def test_builtin_task_on_a_database_without_its_tables():
    with pytest.raises(TaskError, match="entity_table 'drivers' is not a table"):
        load_task("rel-f1/driver-dnf", daily_db())


def test_a_package_file_loads_as_its_package_module():
    import rdl.tasks.builtin.f1 as f1

    assert load_file(TASKS_DIR / "f1.py") is f1
    assert load_file(str(TASKS_DIR / "f1.py")).DriverDNF is f1.DriverDNF


def test_tasks_path_adds_folders_before_the_builtin_one(tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "shop.py").write_text('DATASET = "shop"\n' + DEFS)
    (mine / "_helpers.py").write_text("raise RuntimeError('not a task file')\n")
    # a file of the user's that also defines rel-f1/driver-dnf comes first
    (mine / "f1_mine.py").write_text(
        'DATASET = "rel-f1"\n' + DEFS.replace('name = "visits"', 'name = "driver-dnf"')
    )
    monkeypatch.setenv("RDL_TASKS_PATH", f"{tmp_path / 'absent'}:{mine}")
    known = builtin_tasks()
    assert known["shop/visits"] == f"{mine / 'shop.py'}:Visits"
    assert known["shop/visits-14"] == f"{mine / 'shop.py'}:Visits14"
    assert known["rel-f1/driver-dnf"] == f"{mine / 'f1_mine.py'}:Visits"
    assert known["rel-f1/driver-top3"] == f"{TASKS_DIR / 'f1.py'}:DriverTop3"
    t = load_task("shop/visits-14", daily_db())
    assert type(t).__name__ == "Visits14" and len(t.get_table("train")) > 0
    monkeypatch.delenv("RDL_TASKS_PATH")
    assert "shop/visits" not in builtin_tasks()
    with pytest.raises(TaskError, match="no task 'shop/visits'.*RDL_TASKS_PATH"):
        load_task("shop/visits", daily_db())


def test_a_broken_file_on_the_tasks_path_is_named(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text("import not_a_module_anywhere\n")
    monkeypatch.setenv("RDL_TASKS_PATH", str(tmp_path))
    with pytest.raises(
        TaskError,
        match=r"task file .*bad.py .*failed to import: "
        r"ModuleNotFoundError",
    ):
        load_task("rel-f1/driver-dnf", daily_db())


def test_reexported_tasks_count_only_when_named_in_all(tmp_path):
    src = tmp_path / "defs.py"
    src.write_text(DEFS)
    (tmp_path / "reexport.py").write_text(
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "from defs import Visits, Visits14\n__all__ = ['Visits']\n"
    )
    module = load_file(tmp_path / "reexport.py")
    assert list(file_tasks(module)) == ["Visits"]  # Visits14 is imported, not exported
    db = daily_db()
    assert load_task(f"{tmp_path / 'reexport.py'}", db).name == "visits"
    assert load_task(f"{tmp_path / 'reexport.py'}:visits", db).name == "visits"
