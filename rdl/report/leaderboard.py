"""The leaderboard of ``rdl bench`` as Markdown (``leaderboard.md``) and as one
self-contained HTML page (``leaderboard.html``), both from the ``leaderboard.json`` dict.

One section per regime (protocol): per task each model's test value (mean ± standard
deviation over the seeds) with its result against the best baseline, the mean ranks and
wins / ties / losses, what ``pick`` chose, and the published anchors of that regime only.
Then the timing and peak memory of every run, and the cells that failed or never started.
Both renderings come from the same blocks (`leaderboard_blocks`).
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path

from rdl.report.table import LABELS

MARK = {"win": "win", "tie": "tie", "loss": "loss"}


def _num(v, digits: int = 4) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _stat(s: dict | None, digits: int = 4) -> str:
    if not s or s.get("mean") is None:
        return "n/a"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def _metric(task: dict) -> str:
    m = task.get("metric")
    if m is None:
        return "n/a"
    return f"{LABELS.get(m, m)} {'↑' if task.get('higher_is_better', True) else '↓'}"


def _regime_blocks(protocol: str, regime: dict, models: list[str]) -> list[tuple]:
    tasks = regime["tasks"]
    head = ["task", "metric", "seeds", *models, "best baseline (on val): test"]
    rows = []
    for t in tasks:
        cells = [t["task"], _metric(t), str(t["seeds_done"])]
        for m in models:
            row = t["models"].get(m)
            text = _stat(row["test"]) if row else "n/a"
            if row and row.get("vs_best_baseline"):
                text += f" ({MARK[row['vs_best_baseline']]})"
            cells.append(text)
        best = t.get("best_baseline")
        cells.append(f"{best['name']} {_stat(best['test'])}" if best else "n/a")
        rows.append(cells)
    blocks = [
        ("h", 2, f"Regime: {regime['label']}"),
        ("table", head, rows),
        (
            "p",
            "Test value of the task's first metric, mean ± standard deviation over the "
            "seeds; (win / tie / loss) against the best baseline.",
        ),
    ]
    summary = [
        [
            m,
            _num(regime["mean_rank"][m]["mean_rank"], 2),
            str(regime["mean_rank"][m]["tasks"]),
            *(str(regime["record"][m][k]) for k in ("wins", "ties", "losses")),
        ]
        for m in models
    ]
    blocks += [
        ("h", 3, "Mean rank and wins / ties / losses against the best baseline"),
        ("table", ["model", "mean rank", "tasks", "wins", "ties", "losses"], summary),
    ]
    picks = [
        [
            t["task"],
            ", ".join(
                f"{n} ×{k}"
                for n, k in Counter(
                    n or "n/a" for n in t["models"]["pick"].get("picked", [])
                ).items()
            )
            or "n/a",
        ]
        for t in tasks
        if "pick" in t["models"]
    ]
    if picks:
        blocks += [
            ("h", 3, "What pick chose (best on validation, per seed)"),
            ("table", ["task", "picked"], picks),
        ]
    anchors = [
        [
            t["task"],
            a["system"],
            LABELS.get(a["metric"], a["metric"]),
            _num(a["value"], 3),
            a["source"],
        ]
        for t in tasks
        for a in t.get("anchors", [])
    ]
    if anchors:
        blocks += [
            ("h", 3, f"Published figures, {protocol} regime only (not rerun here)"),
            ("table", ["task", "system", "metric", "test", "source"], anchors),
        ]
    return blocks


def leaderboard_blocks(board: dict) -> list[tuple]:
    """The page as blocks: ``("h", level, text)``, ``("p", text)``,
    ``("table", header, rows)`` (cells are plain text)."""
    models = board["models"]
    suite = board["suite"]
    blocks: list[tuple] = [
        ("h", 1, f"rdl bench: {suite['name']}"),
        (
            "p",
            f"{suite.get('description') or ''} Models {', '.join(models)}; seeds "
            f"{', '.join(map(str, board['seeds']))}; protocols "
            f"{', '.join(board['protocols'])}; made {board['made']}.".strip(),
        ),
        (
            "p",
            f"pick: {board['pick_rule']}. Best baseline: {board['best_baseline_rule']}. "
            f"Tie: {board['tie_rule']}.",
        ),
    ]
    for protocol in board["protocols"]:
        blocks += _regime_blocks(protocol, board["regimes"][protocol], models)
    runs = [
        [
            r["protocol"],
            r["task"],
            r["unit"],
            str(r["cells"]),
            _stat(r["wall_s"], 1),
            _num(r["peak_rss_mb"], 0) + ("" if r["isolated"] else " (process)"),
            str(r["failed"]),
        ]
        for r in board["runs"]
    ]
    blocks += [
        ("h", 2, "Timing and memory of each run"),
        ("table", ["protocol", "task", "run", "cells", "wall s", "peak RSS MB", "failed"], runs),
        (
            "p",
            "wall s: mean ± standard deviation over the seeds (process start "
            'included); peak RSS: the largest over the seeds ("process": runs '
            "made in one process, whose peak covers every earlier run).",
        ),
    ]
    failed = [
        [c["protocol"], c["task"], c["unit"], str(c["seed"]), c.get("error") or ""]
        for c in board["cells"]
        if c.get("status") != "ok"
    ]
    if failed:
        blocks += [
            ("h", 2, "Failed cells"),
            ("table", ["protocol", "task", "run", "seed", "error"], failed),
        ]
    if board["skipped"]:
        blocks += [
            ("h", 2, "Cells not started"),
            (
                "table",
                ["protocol", "task", "run", "seed", "reason"],
                [
                    [s["protocol"], s["task"], s["unit"], str(s["seed"]), s["reason"]]
                    for s in board["skipped"]
                ],
            ),
        ]
    return blocks


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def leaderboard_markdown(board: dict) -> str:
    """``leaderboard.md``."""
    out = []
    for block in leaderboard_blocks(board):
        if block[0] == "h":
            out.append(f"{'#' * block[1]} {block[2]}\n")
        elif block[0] == "p":
            out.append(block[1] + "\n")
        else:
            _, head, rows = block
            out.append("| " + " | ".join(map(_md_cell, head)) + " |")
            out.append("|" + "---|" * len(head))
            out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
            out.append("")
    return "\n".join(out)


def leaderboard_html(board: dict) -> str:
    """``leaderboard.html``: one page, no external resources (the CSS of `rdl report`)."""
    from rdl.report.html import CSS

    parts = []
    for block in leaderboard_blocks(board):
        if block[0] == "h":
            parts.append(f"<h{block[1]}>{escape(block[2])}</h{block[1]}>")
        elif block[0] == "p":
            parts.append(f"<p>{escape(block[1])}</p>")
        else:
            _, head, rows = block
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows
            )
            parts.append(
                "<table><tr>"
                + "".join(f"<th>{escape(h)}</th>" for h in head)
                + f"</tr>{body}</table>"
            )
    title = escape(f"rdl bench: {board['suite']['name']}")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<link rel='icon' href='data:,'><title>{title}</title><style>{CSS}</style>"
        "</head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def write_leaderboard(board: dict, out_dir: str | Path) -> list[Path]:
    """Write ``leaderboard.md`` and ``leaderboard.html`` into ``out_dir``; returns them."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, html = out / "leaderboard.md", out / "leaderboard.html"
    md.write_text(leaderboard_markdown(board), encoding="utf-8")
    html.write_text(leaderboard_html(board), encoding="utf-8")
    return [md, html]


__all__ = ["leaderboard_blocks", "leaderboard_html", "leaderboard_markdown", "write_leaderboard"]
