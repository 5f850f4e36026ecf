"""``rdl report``: one self-contained HTML page for one or several run directories.

Fed by ``results.json`` and ``predictions.parquet`` of each run directory only (plus the
PNG files found there, e.g. an explanation): the configuration, the evaluation protocol
(when the results carry one), the split sizes, the metrics table of every model and
baseline (the best value on the selection split marked, never the best test value), the
figures (embedded as base64
PNG, so the page needs no other file and no network), timing and memory. Several run
directories give one comparison page: a summary table and, per task, a chart of every
run's test metric, then one section per run.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from rdl.db.errors import ArgumentError
from rdl.db.sources import safe_url
from rdl.metrics import higher_is_better
from rdl.report.figures import FIGURES, make_figures, png_bytes
from rdl.report.plots import best_baseline
from rdl.report.table import LABELS
from rdl.results import read_predictions, read_results

#: models first, then baselines (the order of the tables)
SECTIONS = ("models", "baselines")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1180px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2.4rem}h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best{font-weight:700;background:#eaf6ea}tr.model td:first-child{font-weight:700}
.note{background:#fff8e1;border-left:4px solid #f0c040;padding:.4rem .8rem;margin:.5rem 0}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}code{background:#f4f4f4;padding:0 .2rem}
.muted{color:#777;font-size:.85rem}
"""


def _fmt(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _kv_table(items) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape('–' if v is None else _fmt(v))}</td></tr>"
        for k, v in items
    )
    return f"<table>{rows}</table>"


def _img(png: bytes, alt: str, caption: str = "") -> str:
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">{cap}</figure>'


def _higher(metric: str) -> bool:
    try:
        return higher_is_better(metric)
    except ValueError:
        return True


def _entries(results: dict):
    for section in SECTIONS:
        for name, entry in (results.get(section) or {}).items():
            yield section, name, entry


def _metrics(results: dict) -> list[str]:
    names = list(results.get("metrics") or [])
    for _, _, entry in _entries(results):
        for split in ("val", "test"):
            names += [m for m in entry.get(split) or {} if m not in names]
    return names


def _best(results: dict, metric: str, split: str = "test"):
    values = [
        v
        for _, _, entry in _entries(results)
        if (v := (entry.get(split) or {}).get(metric)) is not None and not math.isnan(v)
    ]
    if not values:
        return None
    return max(values) if _higher(metric) else min(values)


def metrics_table(results: dict) -> str:
    """Every model and baseline, val and test values of every metric (arrow: direction
    of better); the best test value of each metric marked."""
    metrics = _metrics(results)
    head = "".join(
        f"<th>{escape(LABELS.get(m, m))} {'↑' if _higher(m) else '↓'}</th>" for m in metrics
    )
    rows = []
    pick = (results.get("selected") or {}).get("split", "val")
    best = {m: _best(results, m, pick) for m in metrics}
    for section, name, entry in _entries(results):
        cls = "model" if section == "models" else "baseline"
        for split in ("val", "test"):
            cells = []
            for m in metrics:
                v = (entry.get(split) or {}).get(m)
                sv = (entry.get(pick) or {}).get(m, v) if split == "val" else v
                mark = split == "val" and sv is not None and sv == best[m]
                iv = ((entry.get("intervals") or {}).get(split) or {}).get(m)
                shown = escape(_fmt(v)) + (
                    f"<br><span class='muted'>[{iv['low']:.3f}, {iv['high']:.3f}]</span>"
                    if iv
                    else ""
                )
                cells.append(
                    f'<td class="num{" best" if mark else ""}">{shown}{" ★" if mark else ""}</td>'
                )
            fit = entry.get("fit_seconds")
            label = (
                f"{escape(name)} <span class='muted'>({section[:-1]})</span>"
                if split == "val"
                else ""
            )
            rows.append(
                f'<tr class="{cls}"><td>{label}</td><td>{split}</td>{"".join(cells)}'
                f'<td class="num">{"" if fit is None or split == "test" else f"{fit:.1f}"}'
                "</td></tr>"
            )
    return (
        f"<table><tr><th>model</th><th>split</th>{head}<th>fit s</th></tr>"
        f"{''.join(rows)}</table><p class='muted'>★ best value on the selection split "
        f"({escape(pick)}): the pick is made there, never on test; test is reported once, "
        "with its 95% bootstrap interval (entities resampled).</p>"
        + (
            f"<p><b>selected:</b> {escape(results['selected']['name'])}</p>"
            if results.get("selected")
            else ""
        )
    )


def _timing(results: dict) -> str:
    items = [(f"timing: {k}", v) for k, v in (results.get("timing") or {}).items()]
    if "total_seconds" in results:
        items.append(("total seconds", results["total_seconds"]))
    if "peak_rss_mb" in results:
        items.append(("peak resident memory (MB)", results["peak_rss_mb"]))
    for _section, name, entry in _entries(results):
        for key in ("fit_seconds", "eval_seconds", "epochs_run", "feature_seconds"):
            if key in entry:
                items.append((f"{name}: {key}", entry[key]))
    return _kv_table(items) if items else "<p class='muted'>no timing recorded</p>"


def _protocol(results: dict) -> str:
    protocol = results.get("protocol")
    if protocol is None:
        return (
            "<p class='muted'>The results do not name their evaluation protocol "
            "(runs made before rdl recorded it follow RelBench's).</p>"
        )
    if isinstance(protocol, dict):
        return _kv_table(protocol.items())
    return f"<p><code>{escape(str(protocol))}</code></p>"


def run_section(run_dir: str | Path, results: dict | None = None, title: str | None = None) -> str:
    """The HTML section of one run directory."""
    run_dir = Path(run_dir)
    results = results if results is not None else read_results(run_dir)
    preds = read_predictions(run_dir)
    parts = [
        f"<h2 id='{escape(_anchor(run_dir))}'>{escape(title or str(run_dir))}</h2>",
        _kv_table(
            [
                ("task", results.get("task")),
                ("task type", results.get("task_type")),
                ("database", safe_url(results.get("db"))),
                ("run directory", str(run_dir)),
            ]
        ),
    ]
    for note in results.get("notes") or []:
        parts.append(f"<div class='note'>{escape(str(note))}</div>")
    parts += ["<h3>Metrics</h3>", metrics_table(results)]
    splits = results.get("splits") or {}
    parts += ["<h3>Split sizes (rows)</h3>", _kv_table(splits.items())]
    parts += ["<h3>Protocol</h3>", _protocol(results)]
    if results.get("config"):
        parts += ["<h3>Configuration</h3>", _kv_table(results["config"].items())]
    parts.append("<h3>Figures</h3>")
    figures = make_figures(results, preds)
    for stem, fig in figures.items():
        parts.append(_img(png_bytes(fig), f"{stem} figure", stem.replace("_", " ")))
    for png in sorted(run_dir.glob("*.png")):
        if png.stem not in FIGURES:  # e.g. an explanation written by `rdl explain`
            parts.append(_img(png.read_bytes(), png.stem, png.name))
    if not figures:
        parts.append(
            "<p class='muted'>no figures: the run kept no predictions "
            "(predictions.parquet) and trained no model.</p>"
        )
    parts += ["<h3>Timing and memory</h3>", _timing(results)]
    return "\n".join(parts)


def _anchor(run_dir: Path) -> str:
    return "run-" + "".join(c if c.isalnum() else "-" for c in str(run_dir))


def _summary_row(run_dir: Path, results: dict) -> str:
    metric = (results.get("metrics") or ["?"])[0]
    cells = [
        f"<a href='#{escape(_anchor(run_dir))}'>{escape(str(run_dir))}</a>",
        escape(str(results.get("task"))),
        escape(LABELS.get(metric, metric)),
    ]
    for section in SECTIONS:
        names = list(results.get(section) or {})
        if section == "baselines":
            names = [n for n in [best_baseline(results)] if n]
        text = ", ".join(
            f"{n}: {_fmt(((results[section][n]).get('test') or {}).get(metric))}" for n in names
        )
        cells.append(escape(text or "–"))
    timing = results.get("timing") or {}
    total = timing.get("total_s", results.get("total_seconds"))
    cells += [_fmt(total, 1), _fmt(results.get("peak_rss_mb"), 0)]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def comparison_figure(runs: list[tuple[Path, dict]]) -> Figure | None:
    """Per task of several runs: the test value of the task's first metric of every run's
    models and best baseline (horizontal bars). ``None`` with a single run."""
    if len(runs) < 2:
        return None
    tasks: dict[str, list] = {}
    for run_dir, results in runs:
        tasks.setdefault(str(results.get("task")), []).append((run_dir, results))
    bars = [sum(len(r.get("models") or {}) + 1 for _, r in items) for items in tasks.values()]
    fig = Figure(figsize=(8, 0.8 * len(tasks) + 0.32 * sum(bars)), dpi=100, layout="constrained")
    axes = fig.subplots(len(tasks), 1, squeeze=False, height_ratios=bars)[:, 0]
    for ax, (task, items) in zip(axes, tasks.items()):
        metric = (items[0][1].get("metrics") or ["?"])[0]
        labels, values, colors = [], [], []
        for run_dir, results in items:
            names = [(n, "C0") for n in results.get("models") or {}]
            best = best_baseline(results)
            names += [(best, "C7")] if best else []
            for name, color in names:
                entry = _entry(results, name)
                v = (entry.get("test") or {}).get(metric)
                labels.append(f"{run_dir.name}: {name}")
                values.append(np.nan if v is None else v)
                colors.append(color)
        ax.barh(labels, values, color=colors, height=0.6)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
        ax.set_xlim(0, np.nanmax(values + [0.0]) * 1.15 or 1.0)
        ax.invert_yaxis()
        ax.set(
            title=f"{task}: test {LABELS.get(metric, metric)}", xlabel=LABELS.get(metric, metric)
        )
        ax.grid(alpha=0.3, axis="x")
    return fig


def _entry(results: dict, name: str) -> dict:
    for _, n, entry in _entries(results):
        if n == name:
            return entry
    return {}


def render_html(run_dirs: Sequence[str | Path], title: str | None = None) -> str:
    """The report page of ``run_dirs`` as one HTML string (no external resources).

    Raises:
        FileNotFoundError: a directory holds no ``results.json``.
        ValueError: no run directory given.
    """
    if not run_dirs:
        raise ArgumentError(
            "give at least one run directory (written by training or the "
            "baselines with an output directory)"
        )
    runs = [(Path(d), read_results(d)) for d in run_dirs]
    title = title or (
        "rdl report: "
        + ", ".join(str(r.get("task")) for _, r in runs[:3])
        + (" …" if len(runs) > 3 else "")
    )
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='muted'>made {dt.datetime.now().isoformat(timespec='seconds')} by "
        f"rdl from {len(runs)} run director{'y' if len(runs) == 1 else 'ies'}</p>",
    ]
    if len(runs) > 1:
        head = (
            "<tr><th>run</th><th>task</th><th>metric</th><th>models (test)</th>"
            "<th>best baseline on val (test)</th><th>total s</th><th>peak MB</th></tr>"
        )
        parts += [
            "<h2>Comparison</h2>",
            f"<table>{head}{''.join(_summary_row(d, r) for d, r in runs)}</table>",
        ]
        fig = comparison_figure(runs)
        if fig is not None:
            parts.append(_img(png_bytes(fig), "comparison", "test metric per run"))
    parts += [run_section(d, r, str(d)) for d, r in runs]
    body = "\n".join(parts)
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def write_report(run_dirs: Sequence[str | Path], out: str | Path, title: str | None = None) -> Path:
    """Write `render_html` of ``run_dirs`` to ``out`` (parent directories created).

    Returns:
        the path written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(run_dirs, title), encoding="utf-8")
    return out


__all__ = ["comparison_figure", "metrics_table", "render_html", "run_section", "write_report"]
