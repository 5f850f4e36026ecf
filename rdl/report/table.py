"""The results as a rich table (``rdl baseline`` / ``rdl train`` print it)."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from rdl.db.sources import safe_url
from rdl.metrics import higher_is_better
from rdl.results import SECTIONS

#: column headers for metric names (the JSON keeps `rdl.metrics` names)
LABELS = {
    "roc_auc": "AUROC",
    "average_precision": "AP",
    "accuracy": "accuracy",
    "f1": "F1",
    "log_loss": "log loss",
    "mae": "MAE",
    "mse": "MSE",
    "rmse": "RMSE",
    "r2": "R²",
    "multiclass_accuracy": "accuracy",
    "macro_f1": "macro F1",
    "micro_f1": "micro F1",
    "map_at_k": "MAP@k",
    "recall_at_k": "recall@k",
    "precision_at_k": "precision@k",
    "ndcg_at_k": "NDCG@k",
}


def _rows(results: dict) -> list[tuple[str, str, dict]]:
    rows = []
    for section in SECTIONS:
        for name, entry in (results.get(section) or {}).items():
            rows.append((section, name, entry))
    return rows


def _metric_order(results: dict) -> list[str]:
    names = list(results.get("metrics") or [])
    for _, _, entry in _rows(results):
        for split in ("val", "test"):
            for m in entry.get(split) or {}:
                if m not in names:
                    names.append(m)
    return names


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4f}"


def results_table(results: dict) -> RichTable:
    """The results as a rich table: two rows per baseline / model (val, test), one column
    per metric (arrow: direction of better; the best value on the selection split — the
    split ``results["selected"]`` was chosen on, else val — in bold, never the best test
    value: choosing by test would be choosing on the test), a 95 % interval under a test
    value when the run has one, and the fit time in seconds."""
    splits = results.get("splits") or {}
    title = f"{results.get('task', '?')} on {safe_url(results.get('db', '?'))}"
    if results.get("protocol"):
        title += f", {results['protocol']} protocol"
    if splits:
        title += " (" + ", ".join(f"{s} {n:,}" for s, n in splits.items()) + " rows)"
    table = RichTable(title=title)
    table.add_column("model", no_wrap=True)
    table.add_column("split", no_wrap=True)
    metrics = _metric_order(results)
    for m in metrics:
        table.add_column(f"{LABELS.get(m, m)} {'↑' if _known_higher(m) else '↓'}", justify="right")
    table.add_column("fit s", justify="right")
    rows = _rows(results)
    pick = (results.get("selected") or {}).get("split", "val")
    best: dict[str, float] = {}
    for m in metrics:
        values = [
            v
            for _, _, e in rows
            if (v := (e.get(pick) or {}).get(m)) is not None and not math.isnan(v)
        ]
        if values:
            best[m] = max(values) if _known_higher(m) else min(values)
    for section, name, entry in rows:
        label = name if section == "baselines" else f"[bold]{name}[/bold]"
        fit = entry.get("fit_seconds")
        for split in ("val", "test"):
            cells = [label if split == "val" else "", split]
            for m in metrics:
                value = (entry.get(split) or {}).get(m)
                text = _fmt(value)
                if split == "val" and pick != "val":
                    value = (entry.get(pick) or {}).get(m, value)
                bold = split == "val" and value is not None and best.get(m) == value
                iv = ((entry.get("intervals") or {}).get(split) or {}).get(m)
                if iv and split == "test":
                    text += f"\n[dim][{iv['low']:.3f}, {iv['high']:.3f}][/dim]"
                cells.append(f"[bold]{text}[/bold]" if bold else text)
            cells.append("" if fit is None or split == "test" else f"{fit:.1f}")
            table.add_row(*cells, end_section=split == "test")
    return table


def _known_higher(metric: str) -> bool:
    try:
        return higher_is_better(metric)
    except ValueError:
        return True


def print_results(results: dict, console: Console | None = None, text=str) -> None:
    """Print `results_table`, any metric errors recorded in the entries and the
    results' ``warnings`` (one paragraph each, under the table); ``text`` spells each
    warning (the CLI passes ``rdl.cli.errors.cli_text``: the arguments it names as flags)."""
    console = console or Console()
    console.print(results_table(results))
    sel = results.get("selected")
    if sel:
        console.print(
            f"selected: [bold]{escape(sel['name'])}[/bold] ({sel['section'][:-1]}), "
            f"the best {sel['split']} {LABELS.get(sel['metric'], sel['metric'])} "
            f"{sel['value']:.4f}; its test figures are the ones to quote"
        )
    for _section, name, entry in _rows(results):
        for key, message in (entry.get("errors") or {}).items():
            console.print(f"{name} {key}: {message}", markup=False)
    for message in results.get("warnings") or []:
        console.print(f"[bold yellow]warning:[/bold yellow] {escape(text(message))}")


__all__ = ["LABELS", "print_results", "results_table"]
