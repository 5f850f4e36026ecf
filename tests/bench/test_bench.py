"""``rdl bench`` on a tiny suite the test writes (a 20-user shop, one task, 1 epoch of 2
steps): the leaderboard files, ``--resume``, a killed bench resumed, ``--budget``, the
wins / ties / losses rule, ``pick``, and the rel-f1 anchors under their own regime only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rdl.bench import SuiteError, load_suite, run_bench
from rdl.bench.aggregate import compare, leaderboard, ranks, stats
from rdl.bench.anchors import anchors_for
from rdl.bench.cells import Cell, write_record
from rdl.bench.models import pick
from rdl.cli import app
from rdl.report.leaderboard import leaderboard_markdown
from tests.fixtures.shops import shop_file as shop
from tests.fixtures.shops import task_file

SUITE = """
name = "tiny"
[train]
epochs = 1
channels = 8
encoder_layers = 1
max_steps_per_epoch = 2
num_neighbors = [4, 2]
batch_size = 64
text = "none"
precision = "fp32"

[[database]]
name = "shop"
path = "shop.sqlite"
tasks = ["tasks.py:WillOrder"]
"""
ARGS = ["--models", "gnn,lightgbm_aggregated", "--seeds", "1,2", "--in-process"]


@pytest.fixture(scope="module")
def suite_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("suite")
    shop(folder)
    task_file(folder)
    (folder / "tiny.toml").write_text(SUITE)
    return folder / "tiny.toml"


def _bench(suite_file, out, *extra):
    res = CliRunner().invoke(
        app,
        [
            "bench",
            "--suite",
            str(suite_file),
            "--out",
            str(out),
            "--cache-dir",
            str(Path(out).parent / "cache"),
            *ARGS,
            *extra,
        ],
    )
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def done(suite_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "out"
    _bench(suite_file, out)
    return out


def _stamps(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("cell.json")}


def test_leaderboard_files_hold_every_model_seed_and_run(done):
    board = json.loads((done / "leaderboard.json").read_text())
    assert board["models"] == ["gnn", "lightgbm_aggregated"] and board["seeds"] == [1, 2]
    (task,) = board["regimes"]["relbench"]["tasks"]
    assert task["task"] == "shop/WillOrder" and task["metric"] == "roc_auc"
    for model in ("gnn", "lightgbm_aggregated"):
        row = task["models"][model]
        assert row["test"]["n"] == 2 and row["val"]["n"] == 2 and row["rank"] in (1, 1.5, 2)
        assert row["vs_best_baseline"] in ("win", "tie", "loss")
    assert task["best_baseline"]["name"] in (
        "random",
        "majority",
        "entity_mean",
        "lightgbm_entity",
        "lightgbm_aggregated",
    )
    assert set(board["regimes"]["relbench"]["mean_rank"]) == {"gnn", "lightgbm_aggregated"}
    # 2 seeds x (baselines run + GNN run), each timed, with its peak memory
    assert sorted((c["unit"], c["seed"]) for c in board["cells"]) == [
        ("baselines", 1),
        ("baselines", 2),
        ("gnn", 1),
        ("gnn", 2),
    ]
    assert all(
        c["status"] == "ok" and c["wall_s"] > 0 and c["peak_rss_mb"] > 0 for c in board["cells"]
    )
    assert {r["unit"]: r["cells"] for r in board["runs"]} == {"baselines": 2, "gnn": 2}
    md = (done / "leaderboard.md").read_text()
    assert "| task | metric | seeds | gnn | lightgbm_aggregated |" in md
    assert "Mean rank and wins / ties / losses" in md and "Timing and memory" in md
    html = (done / "leaderboard.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "shop/WillOrder" in html and "<table>" in html
    assert len(_stamps(done)) == 4


def test_resume_reruns_nothing_and_without_it_every_cell_reruns(done, suite_file):
    before = _stamps(done)
    out = _bench(suite_file, done, "--resume")
    assert "resuming: 4 finished cells kept" in out and _stamps(done) == before
    # a suite whose train options changed: --resume runs its cells again
    changed = suite_file.parent / "changed.toml"
    changed.write_text(SUITE.replace("epochs = 1", "epochs = 2"))
    res = CliRunner().invoke(
        app,
        [
            "bench",
            "--suite",
            str(changed),
            "--out",
            str(done),
            "--resume",
            "--budget",
            "0.001",
            *ARGS,
        ],
    )
    assert "4 cells finished with other settings" in res.output
    # (nothing to estimate from: the first cell ran, the budget kept the others back)
    assert sum(v != before[k] for k, v in _stamps(done).items()) == 1
    before = _stamps(done)
    # control: without --resume every cell runs again
    out = _bench(suite_file, done)
    after = _stamps(done)
    assert "3 finished cells" in out and set(after) == set(before)  # 3: one has epochs = 2
    assert all(after[k] != before[k] for k in before)


def test_a_killed_bench_resumes_where_it_stopped(suite_file, tmp_path, monkeypatch):
    import rdl.bench.worker as worker

    real, calls = worker.run_cell, []

    def killed_on_third(cell, out, cache_dir=None):
        calls.append(cell.key)
        res = real(cell, out, cache_dir)
        if len(calls) == 3:  # killed after its results.json, before its cell.json
            raise KeyboardInterrupt
        return res

    monkeypatch.setattr(worker, "run_cell", killed_on_third)
    suite, out = load_suite(str(suite_file)), tmp_path / "out"
    kw = dict(isolate=False, cache_dir=tmp_path / "cache")
    with pytest.raises(KeyboardInterrupt):
        run_bench(suite, ["gnn", "lightgbm_aggregated"], [1, 2], "relbench", out, **kw)
    assert len(_stamps(out)) == 2 and not (out / "leaderboard.json").exists()
    first = list(calls)
    calls.clear()
    monkeypatch.setattr(
        worker, "run_cell", lambda c, o, d=None: (calls.append(c.key), real(c, o, d))[1]
    )
    board = run_bench(
        suite, ["gnn", "lightgbm_aggregated"], [1, 2], "relbench", out, resume=True, **kw
    )
    assert calls == [first[2], ("shop/WillOrder", "relbench", 2, "gnn")]
    (task,) = board["regimes"]["relbench"]["tasks"]
    assert task["models"]["gnn"]["test"]["n"] == 2 and len(board["cells"]) == 4


def test_a_failed_cell_is_reported_and_resume_runs_it_again(suite_file, tmp_path, monkeypatch):
    import rdl.bench.worker as worker

    real, calls = worker.run_cell, []

    def gnn_fails(cell, out, cache_dir=None):
        calls.append(cell.key)
        if cell.unit == "gnn":
            raise ValueError("the GNN broke\nover two lines")
        return real(cell, out, cache_dir)

    monkeypatch.setattr(worker, "run_cell", gnn_fails)
    suite, out = load_suite(str(suite_file)), tmp_path / "out"
    kw = dict(isolate=False, cache_dir=tmp_path / "cache")
    board = run_bench(suite, ["gnn", "entity_mean"], [1], "relbench", out, **kw)
    status = {c["unit"]: (c["status"], c["error"]) for c in board["cells"]}
    assert status == {
        "baselines": ("ok", None),
        "gnn": ("failed", "ValueError: the GNN broke over two lines"),
    }
    (task,) = board["regimes"]["relbench"]["tasks"]
    assert (
        task["models"]["gnn"]["test"]["n"] == 0 and task["models"]["entity_mean"]["test"]["n"] == 1
    )
    assert "Failed cells" in (out / "leaderboard.md").read_text()
    calls.clear()
    run_bench(suite, ["gnn", "entity_mean"], [1], "relbench", out, resume=True, **kw)
    assert calls == [("shop/WillOrder", "relbench", 1, "gnn")]  # the failed cell only


def test_a_database_that_cannot_be_built_leaves_out_its_tasks_only(suite_file, tmp_path):
    suite_path = suite_file.parent / "two.toml"
    suite_path.write_text(
        SUITE + '\n[[database]]\nname = "gone"\nrecipe = "no-such-recipe"\n'
        'tasks = ["rel-f1/driver-dnf"]\n'
    )
    said = []
    board = run_bench(
        load_suite(str(suite_path)),
        ["entity_mean"],
        [1],
        "relbench",
        tmp_path / "out",
        isolate=False,
        cache_dir=tmp_path / "cache",
        log=said.append,
    )
    assert [c["task"] for c in board["cells"]] == ["shop/WillOrder"]
    (gone,) = board["skipped"]
    assert (
        gone["task"] == "gone/driver-dnf" and "no dataset recipe 'no-such-recipe'" in gone["reason"]
    )
    assert any("'gone' cannot be built" in m for m in said)


def test_budget_stops_starting_cells_and_says_which(suite_file, tmp_path):
    out = _bench(suite_file, tmp_path / "out", "--budget", "0.001")
    assert "budget 0 s" in out and "3 cells not started" in out
    board = json.loads((tmp_path / "out" / "leaderboard.json").read_text())
    assert len(board["cells"]) == 1 and len(board["skipped"]) == 3  # the first had no estimate
    assert {s["reason"] for s in board["skipped"]} == {"budget"}
    assert "Cells not started" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_wins_ties_losses_against_the_best_baseline():
    base = stats([0.70, 0.70])
    assert compare(stats([0.80, 0.82]), base, higher=True) == "win"
    assert compare(stats([0.60, 0.62]), base, higher=True) == "loss"
    # within the seeds' spread (std 0.0707 > 0.05 apart): a tie ...
    assert compare(stats([0.80, 0.70]), base, higher=True) == "tie"
    # ... control: the same mean with no spread is a win
    assert compare(stats([0.75, 0.75]), base, higher=True) == "win"
    # lower is better (MAE): the same numbers turn around
    assert compare(stats([0.60, 0.62]), base, higher=False) == "win"
    assert compare(stats([]), base, higher=True) is None
    assert ranks({"a": 0.8, "b": 0.9, "c": 0.8}, higher=True) == {"b": 1, "a": 2.5, "c": 2.5}
    assert ranks({"a": 2.0, "b": 3.0}, higher=False) == {"a": 1, "b": 2}


def test_pick_is_the_best_entry_on_validation():
    default = {"models": {"gnn": {"val": {"mae": 3.0}}, "blend": {"val": {"mae": 2.5}}}}
    base = {"baselines": {"entity_mean": {"val": {"mae": 2.7}}, "random": {"val": {"mae": None}}}}
    assert pick(default, base, "mae") == "blend"
    base["baselines"]["entity_mean"]["val"]["mae"] = 2.0
    assert pick(default, base, "mae") == "entity_mean"
    assert pick(default, base, "roc_auc") is None  # no entry has the metric


def test_rel_f1_anchors_appear_under_their_own_regime_only(tmp_path):
    suite_path = tmp_path / "f1.toml"
    suite_path.write_text(
        '[[database]]\nname = "rel-f1"\nurl = "duckdb:///nowhere.duckdb"\n'
        'tasks = ["rel-f1/driver-dnf", "rel-f1/driver-position"]\n'
    )
    suite = load_suite(str(suite_path))
    cells, records = [], {}
    for t in suite.tasks:
        metric = "mae" if "position" in t.id else "roc_auc"
        for protocol in ("relbench", "rolling"):
            for unit, section in (("gnn", "models"), ("baselines", "baselines")):
                cell = Cell(
                    task=t.id,
                    task_spec=t.spec,
                    kind="entity",
                    db_url="-",
                    protocol=protocol,
                    seed=1,
                    unit=unit,
                    slug=t.slug,
                )
                folder = cell.folder(tmp_path / "out")
                folder.mkdir(parents=True)
                name = "gnn" if unit == "gnn" else "entity_mean"
                (folder / "results.json").write_text(
                    json.dumps(
                        {
                            "metrics": [metric],
                            section: {name: {"val": {metric: 0.7}, "test": {metric: 0.71}}},
                        }
                    )
                )
                records[cell.key] = write_record(
                    cell, tmp_path / "out", status="ok", wall_s=1.0, peak_rss_mb=100.0
                )
                cells.append(cell)
    board = leaderboard(
        suite, ["gnn"], [1], ["relbench", "rolling"], cells, records, tmp_path / "out"
    )
    md = leaderboard_markdown(board)
    frozen, rolling = md.split("## Regime: rolling")
    frozen = frozen.split("## Regime: frozen")[1]
    assert "RelGT" in frozen and "0.759" in frozen and "TabPFN-Rel" in frozen
    assert "RelBench leaderboard" in frozen
    for system in ("KumoRFM-2", "RT (fine-tuned)", "PluRel"):
        assert system in rolling and system not in frozen
    assert "RelGT" not in rolling and "TabPFN-Rel" not in rolling and "2.631" in rolling
    # control: an anchor is given only for its own metric and regime
    assert [a["system"] for a in anchors_for("rel-f1/driver-dnf", "relbench", "roc_auc")] == [
        "RelGT"
    ]
    assert anchors_for("rel-f1/driver-dnf", "relbench", "mae") == []


def test_suites_and_options_are_checked_before_any_work(tmp_path, suite_file):
    assert [t.id for t in load_suite("rel-f1").tasks] == [
        "rel-f1/driver-dnf",
        "rel-f1/driver-top3",
        "rel-f1/driver-position",
    ]
    bad = tmp_path / "bad.toml"
    for text, needle in [
        (
            '[[database]]\nrecipe = "rel-f1"\nurl = "x.duckdb"\ntasks = ["rel-f1/driver-dnf"]',
            "exactly one of",
        ),
        (
            '[train]\nepoch = 1\n[[database]]\nrecipe = "rel-f1"\ntasks = ["rel-f1/driver-dnf"]',
            "'epoch'",
        ),
        (
            '[train]\nseed = 1\n[[database]]\nrecipe = "rel-f1"\ntasks = ["rel-f1/driver-dnf"]',
            "per run .seeds, protocol",
        ),
        ('[[database]]\nrecipe = "rel-f1"\ntasks = ["rel-f1/no-such"]', "no built-in task"),
        ('[[database]]\nrecipe = "rel-f1"\ntask = ["rel-f1/driver-dnf"]', "unknown keys"),
    ]:
        bad.write_text(text)
        with pytest.raises(SuiteError, match=needle):
            load_suite(str(bad))
    for flags, needle in [
        (["--models", "gnn,nope"], "unknown model(s) ['nope']"),
        (["--protocol", "frozen"], "--protocol frozen"),
        (["--seeds", "1,x"], "option --seeds"),
        (["--budget", "0"], "option --budget"),
    ]:
        res = CliRunner().invoke(
            app, ["bench", "--suite", str(suite_file), "--out", str(tmp_path / "o"), *flags]
        )
        assert res.exit_code != 0 and needle in res.output, res.output
    assert not (tmp_path / "o").exists()


def test_the_panel_suite_lists_every_builtin_task():
    import tomllib

    from rdl.bench.suite import builtin_suites
    from rdl.tasks import builtin_tasks

    data = tomllib.loads(builtin_suites()["panel"].read_text())
    listed = {t for db in data["database"] for t in db["tasks"]}
    known = set(builtin_tasks())
    assert known <= listed, f"built-in tasks missing from the panel suite: {known - listed}"
    if listed - known:  # databases added beside this change; the suite loads once they are
        pytest.skip(f"panel tasks not in this checkout: {sorted(listed - known)}")
    suite = load_suite("panel")
    assert len({t.database.name for t in suite.tasks}) >= 8 and len(suite.tasks) >= 12


def test_an_isolated_cell_runs_in_its_own_process(suite_file, tmp_path):
    board = run_bench(
        load_suite(str(suite_file)),
        ["lightgbm_aggregated"],
        [3],
        "rolling",
        tmp_path / "out",
        cache_dir=tmp_path / "cache",
    )
    (cell,) = board["cells"]
    assert cell["status"] == "ok" and cell["unit"] == "baselines"
    folder = tmp_path / "out" / cell["folder"]
    assert (folder / "log.txt").exists() and json.loads((folder / "cell.json").read_text())[
        "isolated"
    ]
    (task,) = board["regimes"]["rolling"]["tasks"]
    assert task["models"]["lightgbm_aggregated"]["test"]["n"] == 1


RECIPE = """
NAME = "tiny-shop"
import sys
sys.path.insert(0, {tests!r})
from tests.fixtures.shops import churn_shop as shop_db


def build_database(cut=None):
    return shop_db(num_customers=12, months=4)
"""


def test_a_recipe_is_built_once_and_again_when_it_changes(tmp_path, monkeypatch):
    from rdl.bench.databases import database_url
    from rdl.bench.suite import DatabaseSpec
    from rdl.db import connect

    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "tiny_shop.py").write_text(RECIPE.format(tests=str(Path(__file__).parents[1])))
    monkeypatch.setenv("RDL_DATASETS_PATH", str(recipes))
    spec, said = DatabaseSpec("shop", recipe="tiny-shop"), []
    url = database_url(spec, tmp_path / "cache", said.append)
    path = Path(url.removeprefix("duckdb:///"))
    assert sorted(connect(url).keys()) == ["customers", "orders"] and len(said) == 1
    stamp = path.stat().st_mtime_ns
    assert database_url(spec, tmp_path / "cache", said.append) == url and len(said) == 1
    assert path.stat().st_mtime_ns == stamp and list(path.parent.glob("*building*")) == []
    # an edited recipe is built anew, beside the old one
    (recipes / "tiny_shop.py").write_text(
        RECIPE.format(tests=str(Path(__file__).parents[1])) + "\n# edited\n"
    )
    assert database_url(spec, tmp_path / "cache", said.append) != url and len(said) == 2


def test_a_cell_record_never_holds_the_database_password(tmp_path):
    from rdl.bench.cells import Cell, finished, write_record

    cell = Cell(
        task="db/t",
        task_spec="t",
        kind="entity",
        protocol="relbench",
        seed=1,
        db_url="postgresql+psycopg://u:S3cret@h/db",
        unit="gnn",
        slug="db-t",
    )
    write_record(cell, tmp_path, status="ok")
    (cell.folder(tmp_path) / "results.json").write_text("{}")
    text = (cell.folder(tmp_path) / "cell.json").read_text()
    assert "S3cret" not in text and "u:***@h" in text
    assert finished(cell, tmp_path) is not None  # control: the masked record still matches
