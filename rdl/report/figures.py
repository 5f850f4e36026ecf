"""All figures of a run directory, as PNG files beside ``results.json``.

`write_figures` is what ``rdl train --out DIR`` and ``rdl baseline --out DIR`` call when
they finish: it reads ``DIR/results.json`` and ``DIR/predictions.parquet`` (never the
training internals) and writes one PNG per figure that fits the task type.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from rdl.report import plots
from rdl.results import read_predictions, read_results

#: file stem -> figure maker ``(results, predictions) -> Figure | None``, in report order
FIGURES: dict[str, Callable[[dict, pd.DataFrame | None], Figure | None]] = {
    "training": lambda r, p: plots.plot_training(r),
    "roc": plots.plot_roc,
    "pr": plots.plot_pr,
    "calibration": plots.plot_calibration,
    "confusion": plots.plot_confusion,
    "pred_vs_true": plots.plot_pred_vs_true,
    "residuals": plots.plot_residuals,
    "map_by_time": plots.plot_map_by_time,
}


def make_figures(results: dict, preds: pd.DataFrame | None) -> dict[str, Figure]:
    """Every figure of `FIGURES` that fits the run (stem -> `Figure`): training curves when
    a model has a history; the rest need ``preds`` (``predictions.parquet``)."""
    out = {}
    for stem, make in FIGURES.items():
        fig = make(results, preds)
        if fig is not None:
            out[stem] = fig
    return out


def png_bytes(fig: Figure) -> bytes:
    """``fig`` rendered as PNG (Agg canvas)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_figures(run_dir: str | Path) -> list[Path]:
    """Write ``<stem>.png`` for every figure of the run into ``run_dir``.

    Returns:
        the paths written, in `FIGURES` order (none when the run kept no predictions and
        trained no model).

    Raises:
        FileNotFoundError: ``run_dir`` holds no ``results.json``.
    """
    run_dir = Path(run_dir)
    results = read_results(run_dir)
    written = []
    for stem, fig in make_figures(results, read_predictions(run_dir)).items():
        path = run_dir / f"{stem}.png"
        path.write_bytes(png_bytes(fig))
        written.append(path)
    return written


__all__ = ["FIGURES", "make_figures", "png_bytes", "write_figures"]
