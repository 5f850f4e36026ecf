"""A wheel install works: the built-in recipes, their data and the built-in tasks ship in it.

Builds the wheel from a copy of the checkout (no build isolation: no network), installs it
with ``--no-deps`` into a fresh venv that sees this environment's packages through a
``.pth`` file (plain path lines: the editable install's finder, itself started by a .pth
file, stays out), and runs the ``rdl`` command of that venv from a folder outside the
checkout, with no ``PYTHONPATH``. About 15 s on 2 idle cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent

# A user's own task file, addressed as FILE.py:NAME from the wheel install.
USER_TASKS = '''
import pandas as pd
from rdl.tasks import EntityTask, TaskType


class DriverWin(EntityTask):
    """Will the driver win a race in the next month?"""

    name = "driver-win"
    entity_table = "drivers"
    entity_col = "driverId"
    time_col = "date"
    target_col = "won"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 10
    metrics = ["roc_auc"]
    val_timestamp = pd.Timestamp("2005-01-01")
    test_timestamp = pd.Timestamp("2010-01-01")
    sql = """
        SELECT t.timestamp AS date, re.driverId,
               MAX(CASE WHEN re.position = 1 THEN 1 ELSE 0 END) AS won
        FROM timestamp_df t
        JOIN results re ON re.date > t.timestamp AND re.date <= t.timestamp + {timedelta}
        GROUP BY ALL
    """
'''


def _package_dirs() -> list[str]:
    """This environment's site-packages, and folders its .pth files added (not the checkout)."""
    paths = sysconfig.get_paths()
    stdlib = {Path(paths[k]).resolve() for k in ("stdlib", "platstdlib")}
    out = [paths["purelib"], paths["platlib"]]
    for p in sys.path:
        if p and Path(p).is_dir():
            r = Path(p).resolve()
            if not r.is_relative_to(ROOT) and r not in stdlib and r.name != "lib-dynload":
                out.append(p)
    return list(dict.fromkeys(out))


def _run(cmd: list[str], cwd: Path, env: dict, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        f"{what} exited with {proc.returncode}\n$ {' '.join(map(str, cmd))}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    return proc


@pytest.fixture
def wheel_venv(tmp_path):
    """(venv bin folder, work folder outside the checkout, env, wheel path, seconds)."""
    t0 = time.perf_counter()
    tmp = tmp_path
    # Build from a copy: pip/setuptools write build/ and rdl.egg-info/ into the source tree.
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "rdl", src / "rdl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    dist = tmp / "dist"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        tmp,
        env,
        "pip wheel",
    )
    (wheel,) = dist.glob("rdl-*.whl")
    t_build = time.perf_counter() - t0

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env, "python -m venv")
    python = venv / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        tmp,
        env,
        "pip install the wheel",
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    Path(purelib, "_rdl_test_env.pth").write_text("".join(f"{p}\n" for p in _package_dirs()))

    work = tmp / "work"
    work.mkdir()
    env["COLUMNS"] = "160"
    env.setdefault("OMP_NUM_THREADS", "1")
    return venv / "bin", work, env, wheel, (t_build, time.perf_counter() - t0)


def _check_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [
        p.relative_to(ROOT).as_posix()
        for folder in ("ergast-f1", "pkdd99-berka", "northwind-psql")
        for p in (ROOT / "rdl/datasets" / folder).iterdir()
    ]
    assert "rdl/datasets/ergast-f1/results.csv" in data and len(data) >= 20
    assert "rdl/datasets/northwind-psql/northwind.sql" in data
    for path in ("rdl/project.py", "rdl/datasets/f1.py", "rdl/tasks/builtin/f1.py", *data):
        assert path in names, f"{path} is not in {wheel.name}"
    top = {n.split("/", 1)[0] for n in names}  # only the package: no tests/, datasets/, tasks/
    assert all(t == "rdl" or t.endswith(".dist-info") for t in top), top


def test_wheel_install_builds_rel_f1_and_runs_tasks(wheel_venv):
    """One test (one wheel build, also under pytest-xdist): contents, then the commands."""
    bin_dir, work, env, wheel, (t_build, t_ready) = wheel_venv
    _check_wheel_contents(wheel)
    t0 = time.perf_counter()
    # The wheel's rdl is the one imported, with its packaged recipe and task folders.
    where = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import rdl, rdl.project as p, torch; "
            "print(rdl.__file__); print(p.DATASETS_DIR); print(p.TASKS_DIR); "
            "print(sorted(p.dataset_recipes()))",
        ],
        work,
        env,
        "import rdl",
    ).stdout
    rdl_file, datasets_dir, tasks_dir, recipes = where.splitlines()
    venv = bin_dir.parent
    for p in (rdl_file, datasets_dir, tasks_dir):
        assert Path(p).is_relative_to(venv), f"{p} is not inside the new venv {venv}"
    assert not Path(rdl_file).is_relative_to(ROOT)
    assert recipes == (
        "['berka', 'intl-football', 'jaffle-shop', 'northwind', 'oulad', 'rel-f1', "
        "'synthetic-ratings', 'tpch']"
    )

    db_file = work / "X.duckdb"
    out = _run(
        [str(bin_dir / "rdl"), "datasets", "build", "rel-f1", "--out", "X.duckdb"],
        work,
        env,
        "rdl datasets build",
    ).stdout
    assert "rel-f1: 9 tables" in out and "rows written to duckdb:///" in out, out
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        # RelBench's rel-f1 snapshot (rdl/datasets/ergast-f1/SOURCE.md): 1,101 races.
        n_races = con.execute("SELECT count(*) FROM races").fetchone()[0]
        n_results = con.execute("SELECT count(*) FROM results").fetchone()[0]
        total = sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
    finally:
        con.close()
    assert tables == {
        "races",
        "circuits",
        "drivers",
        "results",
        "standings",
        "constructors",
        "constructor_results",
        "constructor_standings",
        "qualifying",
    }
    assert n_races == 1101 and n_results > 20_000
    assert f"{total:,} rows" in out, (total, out)

    out = _run(
        [
            str(bin_dir / "rdl"),
            "baseline",
            "--db",
            "X.duckdb",
            "--task",
            "rel-f1/driver-top3",
            "--out",
            "top3",
        ],
        work,
        env,
        "rdl baseline",
    ).stdout
    for text in ("rel-f1/driver-top3", "AUROC", "majority", "lightgbm_aggregated", "test"):
        assert text in out, f"{text!r} not in the printed results:\n{out}"
    res = json.loads((work / "top3" / "results.json").read_text())
    assert res["splits"] == {"train": 1353, "val": 588, "test": 726}  # RelBench's sizes
    assert res["baselines"]["lightgbm_aggregated"]["test"]["roc_auc"] > 0.6

    # A user's task file, FILE.py:NAME, relative to the working folder.
    (work / "my_tasks.py").write_text(USER_TASKS)
    out = _run(
        [
            str(bin_dir / "rdl"),
            "baseline",
            "--db",
            "X.duckdb",
            "--task",
            "my_tasks.py:driver-win",
            "--only",
            "majority,entity_mean",
            "--out",
            "win",
        ],
        work,
        env,
        "rdl baseline on a user's task file",
    ).stdout
    assert "entity_mean" in out and "AUROC" in out, out
    res = json.loads((work / "win" / "results.json").read_text())
    assert set(res["baselines"]) == {"majority", "entity_mean"}
    assert min(res["splits"].values()) > 0
    print(
        f"wheel build {t_build:.1f} s, venv + install {t_ready - t_build:.1f} s, "
        f"rdl commands {time.perf_counter() - t0:.1f} s"
    )
