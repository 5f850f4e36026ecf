"""Figures of one run, drawn from ``results.json`` and ``predictions.parquet`` only.

Every function returns a `matplotlib.figure.Figure` built with matplotlib's object API
(no pyplot, no display: the figure renders with the Agg canvas whatever the backend), or
``None`` when the run has nothing to draw for it. Models are drawn as solid lines,
baselines as thinner dashed lines, each labelled with its test (or val) metric.

* `plot_training`: loss and validation metric per epoch (baselines' val metric as
  horizontal lines);
* binary classification: `plot_roc` (ROC, Fawcett 2006), `plot_pr` (precision-recall),
  `plot_calibration` (reliability diagram, scikit-learn's ``calibration_curve``);
* multiclass: `plot_confusion` (row-normalised confusion matrix, argmax prediction);
* regression: `plot_pred_vs_true`, `plot_residuals`;
* link prediction: `plot_map_by_time` (MAP@k per seed time).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rdl.metrics import METRICS, higher_is_better
from rdl.report.table import LABELS

SPLITS = ("val", "test")


def _names(results: dict, preds: pd.DataFrame | None = None) -> list[tuple[str, bool]]:
    """``(name, is_model)`` for every model, then every baseline (present in ``preds``)."""
    out = [(n, True) for n in results.get("models") or {}]
    out += [(n, False) for n in results.get("baselines") or {}]
    return [(n, m) for n, m in out if preds is None or n in preds.columns]


def _style(i: int, is_model: bool) -> dict:
    if is_model:
        return {"lw": 2.2, "ls": "-", "color": f"C{i % 10}", "zorder": 3}
    return {"lw": 1.2, "ls": "--", "color": f"C{i % 10}", "alpha": 0.9}


def _entry(results: dict, name: str) -> dict:
    return (
        (results.get("models") or {}).get(name) or (results.get("baselines") or {}).get(name) or {}
    )


def _value_text(results: dict, name: str, metric: str, split: str = "test") -> str:
    value = (_entry(results, name).get(split) or {}).get(metric)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f" ({LABELS.get(metric, metric)} {value:.3f})"


def _figure(ncols: int = 1, width: float = 5.2, height: float = 4.2) -> tuple[Figure, list]:
    fig = Figure(figsize=(width * ncols, height), dpi=100, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _title(fig: Figure, results: dict, what: str) -> None:
    fig.suptitle(f"{results.get('task', '?')}: {what}", fontsize=10)


def _split(preds: pd.DataFrame, split: str) -> pd.DataFrame:
    return preds[preds["split"] == split]


def plot_training(results: dict) -> Figure | None:
    """Loss (left) and the first validation metric (right) per epoch of every model; the
    baselines' validation metric as dashed horizontal lines. ``None`` without history."""
    models = {n: e["history"] for n, e in (results.get("models") or {}).items() if e.get("history")}
    if not models:
        return None
    metric = (results.get("metrics") or [None])[0]
    fig, (ax_loss, ax_val) = _figure(2)
    for i, (name, hist) in enumerate(models.items()):
        epochs = [h["epoch"] for h in hist]
        ax_loss.plot(epochs, [h["loss"] for h in hist], marker="o", label=name, **_style(i, True))
        if metric:
            vals = [(h.get("val") or {}).get(metric) for h in hist]
            ax_val.plot(
                epochs,
                [np.nan if v is None else v for v in vals],
                marker="o",
                label=name,
                **_style(i, True),
            )
    for j, (name, entry) in enumerate((results.get("baselines") or {}).items()):
        v = (entry.get("val") or {}).get(metric)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            ax_val.axhline(v, label=name, **_style(len(models) + j, False))
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss per epoch")
    label = LABELS.get(metric, metric or "")
    ax_val.set(xlabel="epoch", ylabel=f"val {label}", title=f"validation {label} per epoch")
    for ax in (ax_loss, ax_val):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
    _title(fig, results, "training")
    return fig


def _binary_frame(results, preds):
    return preds


def plot_roc(results: dict, preds: pd.DataFrame | None) -> Figure | None:
    """ROC curves of every model and baseline, val (left) and test (right)."""
    from sklearn.metrics import roc_curve

    if _binary_frame(results, preds) is None:
        return None
    fig, axes = _figure(2)
    for ax, split in zip(axes, SPLITS):
        df = _split(preds, split)
        y = df["label"].to_numpy(dtype=float)
        if len(np.unique(y)) < 2:
            ax.text(0.5, 0.5, f"{split}: one class only", ha="center")
            continue
        for i, (name, is_model) in enumerate(_names(results, preds)):
            fpr, tpr, _ = roc_curve(y, df[name].to_numpy(dtype=float))
            ax.plot(
                fpr,
                tpr,
                label=name + _value_text(results, name, "roc_auc", split),
                **_style(i, is_model),
            )
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        ax.set(
            xlabel="false positive rate",
            ylabel="true positive rate",
            title=f"ROC, {split}",
            xlim=(0, 1),
            ylim=(0, 1.01),
        )
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    _title(fig, results, "ROC curves")
    return fig


def plot_pr(results: dict, preds: pd.DataFrame | None) -> Figure | None:
    """Precision-recall curves of every model and baseline, val and test; the positive
    rate as a dotted line."""
    from sklearn.metrics import precision_recall_curve

    if _binary_frame(results, preds) is None:
        return None
    fig, axes = _figure(2)
    for ax, split in zip(axes, SPLITS):
        df = _split(preds, split)
        y = df["label"].to_numpy(dtype=float)
        if y.sum() == 0:
            ax.text(0.5, 0.5, f"{split}: no positive label", ha="center")
            continue
        for i, (name, is_model) in enumerate(_names(results, preds)):
            prec, rec, _ = precision_recall_curve(y, df[name].to_numpy(dtype=float))
            ax.plot(
                rec,
                prec,
                label=name + _value_text(results, name, "average_precision", split),
                **_style(i, is_model),
            )
        ax.axhline(y.mean(), color="grey", lw=0.8, ls=":")
        ax.set(
            xlabel="recall",
            ylabel="precision",
            title=f"precision-recall, {split}",
            xlim=(0, 1),
            ylim=(0, 1.01),
        )
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    _title(fig, results, "precision-recall curves")
    return fig


def plot_calibration(results: dict, preds: pd.DataFrame | None, bins: int = 10) -> Figure | None:
    """Reliability diagram on the test split: mean predicted probability vs fraction of
    positives in ``bins`` quantile bins, every model and baseline whose predictions are
    probabilities in [0, 1]."""
    from sklearn.calibration import calibration_curve

    if _binary_frame(results, preds) is None:
        return None
    df = _split(preds, "test")
    y = df["label"].to_numpy(dtype=float)
    fig, (ax,) = _figure(1, 5.6)
    for i, (name, is_model) in enumerate(_names(results, preds)):
        p = df[name].to_numpy(dtype=float)
        if len(np.unique(p)) < 2 or p.min() < 0 or p.max() > 1:
            continue
        frac, mean = calibration_curve(y, p, n_bins=bins, strategy="quantile")
        ax.plot(mean, frac, marker="o", ms=3, label=name, **_style(i, is_model))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="perfectly calibrated")
    ax.set(
        xlabel="mean predicted probability",
        ylabel="fraction of positives",
        title="calibration, test",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _title(fig, results, "calibration")
    return fig


def plot_confusion(results: dict, preds: pd.DataFrame | None, max_panels: int = 3) -> Figure | None:
    """Row-normalised confusion matrices on the test split (prediction: the most probable
    class) of the models and the best baseline by the first metric (multiclass only)."""
    from sklearn.metrics import confusion_matrix

    if preds is None:
        return None
    df = _split(preds, "test")
    y = df["label"].to_numpy(dtype=int)
    names = [n for n, m in _names(results, preds) if m]
    best = best_baseline(results, preds)
    names = (names + ([best] if best else []))[:max_panels]
    fig, axes = _figure(len(names), 4.6)
    for ax, name in zip(axes, names):
        prob = np.stack(df[name].to_numpy())
        classes = np.arange(max(prob.shape[1], int(y.max()) + 1))
        cm = confusion_matrix(y, prob.argmax(1), labels=classes).astype(float)
        cm /= np.maximum(cm.sum(1, keepdims=True), 1)
        im = ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
        ax.set(xlabel="predicted class", ylabel="true class", title=name)
        fig.colorbar(im, ax=ax, shrink=0.8)
    _title(fig, results, "confusion matrices, test (rows sum to 1)")
    return fig


def best_baseline(results: dict, preds: pd.DataFrame | None = None) -> str | None:
    """The baseline with the best validation value of the task's first metric."""
    metric = (results.get("metrics") or [None])[0]
    best, best_v = None, None
    for name, is_model in _names(results, preds):
        v = (_entry(results, name).get("val") or {}).get(metric)
        if is_model or v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if best_v is None or (v > best_v if _higher(metric) else v < best_v):
            best, best_v = name, v
    return best


def _higher(metric) -> bool:
    try:
        return higher_is_better(metric)
    except ValueError:
        return True


def _regression_names(results, preds):
    if preds is None:
        return None
    names = [n for n, m in _names(results, preds) if m]
    best = best_baseline(results, preds)
    return names + ([best] if best and best not in names else [])


def plot_pred_vs_true(results: dict, preds: pd.DataFrame | None) -> Figure | None:
    """Predicted vs true values on the test split: the models and the best baseline (by
    validation metric) on the same axes, with the diagonal."""
    names = _regression_names(results, preds)
    if not names:
        return None
    df = _split(preds, "test")
    y = df["label"].to_numpy(dtype=float)
    fig, (ax,) = _figure(1, 5.6)
    for i, name in enumerate(names):
        ax.scatter(
            y,
            df[name].to_numpy(dtype=float),
            s=8,
            alpha=0.45,
            color=f"C{i}",
            label=name + _value_text(results, name, (results.get("metrics") or ["mae"])[0]),
        )
    lo, hi = np.nanmin(y), np.nanmax(y)
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls=":")
    ax.set(xlabel="true value", ylabel="predicted value", title="predicted vs true, test")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _title(fig, results, "predicted vs true")
    return fig


def plot_residuals(results: dict, preds: pd.DataFrame | None) -> Figure | None:
    """Histogram of residuals (predicted - true) on the test split, models and every
    baseline on the same axes."""
    if _regression_names(results, preds) is None:
        return None
    df = _split(preds, "test")
    y = df["label"].to_numpy(dtype=float)
    res = {n: df[n].to_numpy(dtype=float) - y for n, _ in _names(results, preds)}
    spread = np.nanpercentile(np.abs(np.concatenate(list(res.values()))), 99) or 1.0
    bins = np.linspace(-spread, spread, 41)
    fig, (ax,) = _figure(1, 5.6)
    for i, (name, is_model) in enumerate(_names(results, preds)):
        st = _style(i, is_model)
        ax.hist(
            res[name],
            bins=bins,
            histtype="step",
            lw=st["lw"],
            ls=st["ls"],
            color=st["color"],
            label=f"{name} (mean {np.nanmean(res[name]):+.2f})",
        )
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set(xlabel="residual (predicted - true)", ylabel="rows", title="residuals, test")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _title(fig, results, "residuals")
    return fig


def plot_map_by_time(results: dict, preds: pd.DataFrame | None) -> Figure | None:
    """MAP@k per seed time (val and test seed times on one axis) of every model and
    baseline (link tasks); the split boundary as a vertical line."""
    if preds is None:
        return None
    k = int(results.get("eval_k") or 10)
    fig, (ax,) = _figure(1, 8.0)
    times = sorted(preds["seed_time"].unique())
    for i, (name, is_model) in enumerate(_names(results, preds)):
        values = []
        for t in times:
            df = preds[preds["seed_time"] == t]
            true = [list(v) for v in df["label"]]
            pred = np.array([list(v) for v in df[name]], dtype=object)
            try:
                values.append(METRICS["map_at_k"](true, pred, k=k))
            except ValueError:  # e.g. no row with a destination at this seed time
                values.append(np.nan)
        ax.plot(times, values, marker="o", ms=3, label=name, **_style(i, is_model))
    test = preds.loc[preds["split"] == "test", "seed_time"]
    if len(test):
        ax.axvline(test.min(), color="grey", lw=0.8, ls=":")
        ax.text(test.min(), ax.get_ylim()[1], " test", va="top", fontsize=8, color="grey")
    ax.set(xlabel="seed time", ylabel=f"MAP@{k}", title=f"MAP@{k} per seed time (val, test)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _title(fig, results, f"MAP@{k} by seed time")
    return fig


__all__ = [
    "best_baseline",
    "plot_calibration",
    "plot_confusion",
    "plot_map_by_time",
    "plot_pr",
    "plot_pred_vs_true",
    "plot_residuals",
    "plot_roc",
    "plot_training",
]
