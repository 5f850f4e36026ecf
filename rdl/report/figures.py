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
from rdl.tasks.kinds import BINARY, LINK, MULTICLASS, REGRESSION, KindParts, TaskKind

FigureMaker = Callable[[dict, "pd.DataFrame | None"], "Figure | None"]

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

#: kind name -> the stems of `FIGURES` drawn for its runs (``training`` is drawn for every
#: run whose models have a history); a kind without an entry gets the training curves only
KIND_FIGURES: KindParts[tuple[str, ...]] = KindParts(
    "figures", "rdl.report.figures.register_figures"
)


def register_figures(
    kind: TaskKind | str, figures: dict[str, FigureMaker] | tuple[str, ...]
) -> tuple[str, ...]:
    """The figures of ``kind``: new ``{stem: maker}`` (added to `FIGURES`; a maker
    returns ``None`` when it cannot draw) or stems already in `FIGURES`. Returns the
    kind's stems."""
    if isinstance(figures, dict):
        FIGURES.update(figures)
    stems = tuple(figures)
    missing = [s for s in stems if s not in FIGURES]
    if missing:
        raise ValueError(
            f"register_figures: no figure maker for {missing} (FIGURES: {list(FIGURES)})"
        )
    return KIND_FIGURES.register(kind, stems)


register_figures(BINARY, ("roc", "pr", "calibration"))
register_figures(MULTICLASS, ("confusion",))
register_figures(REGRESSION, ("pred_vs_true", "residuals"))
register_figures(LINK, ("map_by_time",))


def make_figures(results: dict, preds: pd.DataFrame | None) -> dict[str, Figure]:
    """The run's figures (stem -> `Figure`): training curves when a model has a history,
    then its kind's (`KIND_FIGURES`, from ``results["task_type"]``), which need ``preds``
    (``predictions.parquet``)."""
    out = {}
    for stem in ("training", *(KIND_FIGURES.find(results.get("task_type")) or ())):
        fig = FIGURES[stem](results, preds)
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


__all__ = [
    "FIGURES",
    "KIND_FIGURES",
    "FigureMaker",
    "make_figures",
    "png_bytes",
    "register_figures",
    "write_figures",
]
