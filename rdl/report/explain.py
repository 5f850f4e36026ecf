"""Rendering of explanations (`rdl.serve.explain`): rich tables for the terminal and a
PNG figure — fed by the explanation's plain data, never by the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from rich.table import Table as RichTable


def _pred_text(pred) -> str:
    if isinstance(pred, (list, tuple)):
        return "[" + ", ".join(f"{p:.3f}" for p in pred) + "]"
    return f"{pred:.4f}"


def explanation_tables(expl) -> list[RichTable]:
    """An `rdl.serve.explain.Explanation` as two rich tables: per table, then the top rows."""
    title = (
        f"{expl.entity_table} {expl.entity} at {expl.at}: prediction {_pred_text(expl.prediction)}"
    )
    per_table = RichTable(title=title, caption=f"method: {expl.method_text}")
    for col in ("table", "rows", "share", "contribution (signed)"):
        per_table.add_column(col, justify="left" if col == "table" else "right")
    for r in expl.tables.itertuples():
        per_table.add_row(str(r.table), f"{r.rows:,}", f"{r.share:.1%}", f"{r.contribution:+.4g}")
    top = RichTable(title=f"top {len(expl.rows)} rows of the sampled subgraph")
    for col in ("table", "key", "time", "hop", "share", "contribution"):
        top.add_column(col, justify="left" if col in ("table", "key", "time") else "right")
    for r in expl.rows.itertuples():
        time = "" if pd.isna(r.time) else str(r.time)
        top.add_row(
            str(r.table), str(r.key), time, str(r.hop), f"{r.share:.1%}", f"{r.contribution:+.4g}"
        )
    return [per_table, top]


def global_table(gexpl) -> RichTable:
    """An `rdl.serve.explain_global.GlobalExplanation` as a rich table."""
    table = RichTable(
        title=f"{gexpl.entity_table}: table importance over {gexpl.num_seeds:,} "
        f"{gexpl.split} seeds",
        caption=f"method: {gexpl.method_text}",
    )
    for col in ("table", "mean share", "std", "mean contribution", "seeds with rows"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for r in gexpl.tables.itertuples():
        table.add_row(
            str(r.table),
            f"{r.share:.1%}",
            f"{r.share_std:.1%}",
            f"{r.contribution:+.4g}",
            f"{r.seeds_with_rows:.0%}",
        )
    return table


def _bars(ax, labels, values, colors, xlabel: str, title: str) -> None:
    y = np.arange(len(labels))
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel=xlabel, title=title)
    ax.grid(alpha=0.3, axis="x")


def _wrap(text: str, width: int = 110) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def plot_explanation(expl) -> Figure:
    """Per-table shares (left) and the top rows' signed contributions (right; red pushes
    the prediction up, blue down)."""
    fig = Figure(
        figsize=(11, 0.9 + 0.32 * max(len(expl.rows), len(expl.tables), 4)),
        dpi=100,
        layout="constrained",
    )
    ax_t, ax_r = fig.subplots(1, 2, width_ratios=[1, 1.4])
    _bars(
        ax_t,
        expl.tables["table"].tolist(),
        expl.tables["share"].to_numpy(),
        "C0",
        "share of |attribution|",
        "per table",
    )
    labels = [
        f"{t} {k}" + ("" if pd.isna(ts) else f" ({pd.Timestamp(ts).date()})")
        for t, k, ts in zip(expl.rows["table"], expl.rows["key"], expl.rows["time"])
    ]
    contrib = expl.rows["contribution"].to_numpy()
    _bars(
        ax_r,
        labels,
        contrib,
        np.where(contrib >= 0, "C3", "C0"),
        "contribution",
        f"top {len(labels)} rows",
    )
    ax_r.axvline(0, color="grey", lw=0.8)
    fig.suptitle(
        _wrap(
            f"{expl.entity_table} {expl.entity} at {expl.at}: prediction "
            f"{_pred_text(expl.prediction)} — {expl.method_text}"
        ),
        fontsize=9,
    )
    return fig


def plot_global_explanation(gexpl) -> Figure:
    """Mean share of each table over the split's seeds, with its standard deviation."""
    fig = Figure(figsize=(7, 1.2 + 0.4 * len(gexpl.tables)), dpi=100, layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(gexpl.tables))
    ax.barh(y, gexpl.tables["share"], xerr=gexpl.tables["share_std"], color="C0", capsize=3)
    ax.set_yticks(y, gexpl.tables["table"].tolist())
    ax.invert_yaxis()
    ax.set(xlabel="mean share of |attribution|", xlim=(0, 1))
    ax.grid(alpha=0.3, axis="x")
    fig.suptitle(
        _wrap(
            f"{gexpl.entity_table}: table importance over {gexpl.num_seeds:,} "
            f"{gexpl.split} seeds — {gexpl.method_text}",
            90,
        ),
        fontsize=9,
    )
    return fig


__all__ = ["explanation_tables", "global_table", "plot_explanation", "plot_global_explanation"]
