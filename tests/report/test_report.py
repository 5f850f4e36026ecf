"""Figures and the HTML report, drawn from a run directory only (``results.json`` +
``predictions.parquet``); predictions kept by the job and the baselines agree with the
metrics in ``results.json``."""

from __future__ import annotations

import base64
import re

import pytest
from matplotlib.image import imread

from rdl.metrics import METRICS
from rdl.report import make_figures, render_html, write_figures, write_report
from rdl.results import prediction_frame, read_predictions, write_results
from tests.fixtures.report import KINDS, fake_run


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
        "http-equiv", ""
    )
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
    res = CliRunner().invoke(
        app, ["report", str(tmp_path / "a"), "--out", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").stat().st_size > 10_000
    res = CliRunner().invoke(
        app, ["report", str(tmp_path / "missing"), "--out", str(tmp_path / "x.html")]
    )
    assert res.exit_code == 1 and "results.json not found" in res.output
    assert "Traceback" not in res.output


def test_baseline_cli_keeps_predictions_and_draws(tmp_path, f1_duckdb):
    """`rdl baseline --out` writes predictions.parquet whose columns give back the metrics
    of results.json, and the figures of a binary task."""
    import json

    from typer.testing import CliRunner

    from rdl.cli import app

    out = tmp_path / "b"
    res = CliRunner().invoke(
        app,
        [
            "baseline",
            "--db",
            f1_duckdb,
            "--task",
            "rel-f1/driver-top3",
            "--only",
            "majority,entity_mean",
            "--out",
            str(out),
        ],
    )
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
    fig = make_figures(
        {
            "task": "t",
            "task_type": "regression",
            "metrics": ["mae"],
            "models": {"gnn": {"history": [{"epoch": 1, "loss": 1.0, "val": {"mae": 2.0}}]}},
        },
        None,
    )
    assert list(fig) == ["training"]
