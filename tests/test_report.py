"""Figures and the HTML report, drawn from a run directory only (``results.json`` +
``predictions.parquet``); predictions kept by the job and the baselines agree with the
metrics in ``results.json``."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from rdl.metrics import METRICS
from rdl.report import make_figures, render_html, write_figures, write_report
from rdl.results import merge_predictions, prediction_frame, read_predictions, write_predictions, \
    write_results

KINDS = {
    "binary_classification": (["roc_auc", "average_precision"], {"training", "roc", "pr", "calibration"}),
    "regression": (["mae", "rmse"], {"training", "pred_vs_true", "residuals"}),
    "multiclass_classification": (["multiclass_accuracy"], {"training", "confusion"}),
    "link_prediction": (["map_at_k"], {"training", "map_by_time"}),
}


def fake_run(out, kind: str, seed: int = 0, n: int = 120):
    """A run directory of task type ``kind``: a model with a two-epoch history and two
    baselines, their val/test predictions and the metrics computed from them."""
    rng = np.random.default_rng(seed)
    metrics, _ = KINDS[kind]
    frames, entries = [], {"gnn": {}, "base_a": {}, "base_b": {}}
    for split in ("val", "test"):
        times = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 4, n) * 30, "D")
        if kind == "binary_classification":
            y = rng.integers(0, 2, n)
            preds = {"gnn": np.clip(y * 0.6 + rng.random(n) * 0.5, 0, 1),
                     "base_a": rng.random(n), "base_b": np.full(n, y.mean())}
        elif kind == "regression":
            y = rng.normal(10, 3, n)
            preds = {"gnn": y + rng.normal(0, 1, n), "base_a": np.full(n, 10.0),
                     "base_b": y + rng.normal(0, 3, n)}
        elif kind == "multiclass_classification":
            y = rng.integers(0, 3, n)
            p = rng.dirichlet(np.ones(3), n)
            p[np.arange(n), y] += 1
            preds = {"gnn": p / p.sum(1, keepdims=True), "base_a": rng.dirichlet(np.ones(3), n),
                     "base_b": np.tile([0.5, 0.3, 0.2], (n, 1))}
        else:
            y = [sorted(rng.choice(20, rng.integers(1, 5), replace=False).tolist()) for _ in range(n)]
            preds = {name: np.stack([rng.permutation(20)[:5] for _ in range(n)])
                     for name in entries}
        label = y
        for name, p in preds.items():
            kw = {"k": 5} if kind == "link_prediction" else {}
            entries[name][split] = {m: float(METRICS[m](label, p, **kw)) for m in metrics}
        frames.append(prediction_frame(split, rng.integers(0, 50, n), times, label, preds))
    history = [{"epoch": e, "loss": 1.0 / e, "val": {metrics[0]: 0.5 + 0.1 * e}} for e in (1, 2)]
    results = {"task": f"fake-{kind}", "db": "duckdb:///fake.duckdb", "task_type": kind,
               "metrics": metrics, "splits": {"train": 3 * n, "val": n, "test": n},
               "models": {"gnn": dict(entries["gnn"], history=history, fit_seconds=1.5)},
               "baselines": {b: dict(entries[b], fit_seconds=0.1) for b in ("base_a", "base_b")},
               "timing": {"total_s": 3.0}, "peak_rss_mb": 512.0, "config": {"epochs": 2},
               **({"eval_k": 5} if kind == "link_prediction" else {})}
    write_results(results, out)
    write_predictions(merge_predictions(frames), out)
    return results


@pytest.mark.parametrize("kind", list(KINDS))
def test_figures_fit_the_task_type(tmp_path, kind):
    fake_run(tmp_path, kind)
    paths = write_figures(tmp_path)
    assert {p.stem for p in paths} == KINDS[kind][1]
    for p in paths:
        img = imread(p)
        assert img.shape[0] > 100 and img.shape[1] > 100
        assert img[..., :3].std() > 0.01  # something is drawn, not a blank canvas


def test_figures_without_predictions_only_training(tmp_path):
    fake_run(tmp_path, "binary_classification")
    (tmp_path / "predictions.parquet").unlink()
    assert [p.stem for p in write_figures(tmp_path)] == ["training"]


def test_predictions_round_trip_and_merge(tmp_path):
    fake_run(tmp_path, "binary_classification")
    df = read_predictions(tmp_path)
    assert list(df.columns) == ["split", "entity", "seed_time", "label", "gnn", "base_a", "base_b"]
    assert df["split"].tolist() == ["val"] * 120 + ["test"] * 120
    with pytest.raises(ValueError, match="3 val predictions of 'm' for 2 rows"):
        prediction_frame("val", [1, 2], ["2020-01-01"] * 2, [0, 1], {"m": [0.1, 0.2, 0.3]})


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_report_is_self_contained(tmp_path):
    runs = []
    for i, kind in enumerate(KINDS):
        runs.append(tmp_path / f"run{i}")
        fake_run(runs[-1], kind, seed=i)
    one = render_html([runs[0]])
    # every figure of the run, embedded; no reference to another file or the network
    assert len(_images(one)) == len(KINDS["binary_classification"][1])
    assert not re.search(r'(src|href)="(?!data:|#)', one) and "http" not in one.replace(
        "http-equiv", "")
    for png in _images(one):
        assert png.startswith(b"\x89PNG")
    # the metrics table marks the best test value of each metric
    assert "0.5" in one and "★" in one and "Split sizes" in one and "peak resident memory" in one
    page = write_report(runs, tmp_path / "report.html").read_text()
    assert "Comparison" in page and all(f"fake-{k}" in page for k in KINDS)
    # one comparison chart + each run's figures
    assert len(_images(page)) == 1 + sum(len(v[1]) for v in KINDS.values())


def test_report_shows_the_protocol_when_the_results_have_one(tmp_path):
    results = fake_run(tmp_path, "regression")
    assert "do not name their evaluation protocol" in render_html([tmp_path])
    results["protocol"] = "relbench"
    write_results(results, tmp_path)
    assert "<code>relbench</code>" in render_html([tmp_path])


def test_report_cli(tmp_path):
    from typer.testing import CliRunner

    from rdl.cli import app

    fake_run(tmp_path / "a", "regression")
    res = CliRunner().invoke(app, ["report", str(tmp_path / "a"), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").stat().st_size > 10_000
    res = CliRunner().invoke(app, ["report", str(tmp_path / "missing"), "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 1 and "results.json not found" in res.output
    assert "Traceback" not in res.output


def test_baseline_cli_keeps_predictions_and_draws(tmp_path, f1_duckdb):
    """`rdl baseline --out` writes predictions.parquet whose columns give back the metrics
    of results.json, and the figures of a binary task."""
    import json

    from typer.testing import CliRunner

    from rdl.cli import app

    out = tmp_path / "b"
    res = CliRunner().invoke(app, ["baseline", "--db", f1_duckdb, "--task", "rel-f1/driver-top3",
                                   "--only", "majority,entity_mean", "--out", str(out)])
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text())
    preds = read_predictions(out)
    assert preds.groupby("split").size().to_dict() == {"test": 726, "val": 588}
    for name in ("majority", "entity_mean"):
        for split in ("val", "test"):
            df = preds[preds["split"] == split]
            got = METRICS["roc_auc"](df["label"].to_numpy(), df[name].to_numpy())
            assert got == pytest.approx(results["baselines"][name][split]["roc_auc"])
    assert {p.stem for p in out.glob("*.png")} == {"roc", "pr", "calibration"}


def test_make_figures_needs_no_files():
    fig = make_figures({"task": "t", "task_type": "regression", "metrics": ["mae"],
                        "models": {"gnn": {"history": [{"epoch": 1, "loss": 1.0,
                                                        "val": {"mae": 2.0}}]}}}, None)
    assert list(fig) == ["training"]
