"""The leaderboard dict of a bench, from its cells' ``results.json`` files.

Per protocol (regime) and task: each model's validation and test value of the task's
first metric over the seeds (mean, standard deviation, the values), its rank among the
``--models`` (1 = best, ties share the mean rank), and its result against the task's best
baseline — the `rdl.baselines` entry with the best mean validation value (`compare`).
Per model: the mean rank over the tasks where it applies and its wins / ties / losses.
Beside them the timing and peak memory of every run, the cells that failed or were not
started, and the published anchors of the same regime only (`rdl.bench.anchors`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rdl.bench.anchors import anchors_for
from rdl.bench.cells import Cell
from rdl.bench.models import BASELINES_UNIT, PICK, entry_for, metric_higher

REGIME_LABELS = {
    "relbench": "frozen (relbench protocol): every model input cut at the test timestamp, "
    "as RelBench's get_db()",
    "rolling": "rolling protocol: each test row sees the database up to its own seed time, "
    "as get_db(upto_test_timestamp=False)",
}
TIE_RULE = (
    "the two test means differ by at most the larger of their standard deviations over the seeds"
)


def stats(values: list[float | None]) -> dict:
    """``{"mean", "std", "n", "values"}`` (std: sample standard deviation, 0 for one value)."""
    vals = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return {"mean": None, "std": None, "n": 0, "values": []}
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return {"mean": statistics.fmean(vals), "std": sd, "n": len(vals), "values": vals}


def compare(model: dict, baseline: dict, higher: bool) -> str | None:
    """``"win"``, ``"tie"`` or ``"loss"`` of ``model`` against ``baseline`` (two `stats`
    of the test metric): a tie when the means differ by at most the larger standard
    deviation; ``None`` when either has no value."""
    if model.get("mean") is None or baseline.get("mean") is None:
        return None
    diff = model["mean"] - baseline["mean"]
    if abs(diff) <= max(model["std"] or 0.0, baseline["std"] or 0.0):
        return "tie"
    return "win" if (diff > 0) == higher else "loss"


def ranks(means: dict[str, float], higher: bool) -> dict[str, float]:
    """Rank of each name by its mean (1 = best; equal means share their mean rank)."""
    order = sorted(means, key=lambda n: -means[n] if higher else means[n])
    out, i = {}, 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and means[order[j + 1]] == means[order[i]]:
            j += 1
        for n in order[i : j + 1]:
            out[n] = (i + j) / 2 + 1
        i = j + 1
    return out


def _load(cell: Cell, out: Path) -> dict | None:
    try:
        return json.loads((cell.folder(out) / "results.json").read_text())
    except (OSError, ValueError):
        return None


def _best_baseline(per_seed: list[dict], metric: str, higher: bool) -> dict | None:
    names = list(
        dict.fromkeys(
            n
            for runs in per_seed
            for n in ((runs.get(BASELINES_UNIT) or {}).get("baselines") or {})
        )
    )
    best = None
    for name in names:
        entries = [
            ((runs.get(BASELINES_UNIT) or {}).get("baselines") or {}).get(name) or {}
            for runs in per_seed
        ]
        val = stats([(e.get("val") or {}).get(metric) for e in entries])
        if val["mean"] is None:
            continue
        if best is None or (
            val["mean"] > best["val"]["mean"] if higher else val["mean"] < best["val"]["mean"]
        ):
            best = {
                "name": name,
                "val": val,
                "test": stats([(e.get("test") or {}).get(metric) for e in entries]),
            }
    return best


def _task_board(
    task: str, spec: str, kind: str, protocol: str, models: list[str], per_seed: list[dict]
) -> dict:
    metric = next(
        (r["metrics"][0] for runs in per_seed for r in runs.values() if r.get("metrics")), None
    )
    board: dict[str, Any] = {
        "task": task,
        "task_spec": spec,
        "kind": kind,
        "metric": metric,
        "seeds_done": len(per_seed),
        "models": {},
        "best_baseline": None,
        "anchors": [],
    }
    if metric is None:
        return board
    higher = metric_higher(metric)
    board["higher_is_better"] = higher
    for model in models:
        found = [entry_for(model, kind, runs) for runs in per_seed]
        row = {
            "val": stats([(e or {}).get("val", {}).get(metric) for _, e in found]),
            "test": stats([(e or {}).get("test", {}).get(metric) for _, e in found]),
            "fit_s": stats([(e or {}).get("fit_seconds") for _, e in found])["mean"],
        }
        if model == PICK:
            row["picked"] = [n for n, _ in found]
        board["models"][model] = row
    best = board["best_baseline"] = _best_baseline(per_seed, metric, higher)
    means = {
        m: r["test"]["mean"] for m, r in board["models"].items() if r["test"]["mean"] is not None
    }
    for m, r in ranks(means, higher).items():
        board["models"][m]["rank"] = r
    for row in board["models"].values():
        row["vs_best_baseline"] = compare(row["test"], best["test"], higher) if best else None
    board["anchors"] = anchors_for(spec, protocol, metric)
    return board


def _regime(protocol: str, tasks: list[dict], models: list[str]) -> dict:
    mean_rank, record = {}, {}
    for m in models:
        rs = [t["models"][m]["rank"] for t in tasks if "rank" in t["models"].get(m, {})]
        mean_rank[m] = {"mean_rank": statistics.fmean(rs) if rs else None, "tasks": len(rs)}
        res = [t["models"].get(m, {}).get("vs_best_baseline") for t in tasks]
        record[m] = {
            "wins": res.count("win"),
            "ties": res.count("tie"),
            "losses": res.count("loss"),
        }
    return {
        "label": REGIME_LABELS[protocol],
        "tasks": tasks,
        "mean_rank": mean_rank,
        "record": record,
    }


def _runs_table(cells: list[Cell], records: dict[tuple, dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for c in cells:
        if c.key in records:
            groups.setdefault((c.task, c.protocol, c.unit), []).append(records[c.key])
    rows = []
    for (task, protocol, unit), recs in groups.items():
        ok = [r for r in recs if r["status"] == "ok"]
        peaks = [r["peak_rss_mb"] for r in ok if r.get("peak_rss_mb") is not None]
        rows.append(
            {
                "task": task,
                "protocol": protocol,
                "unit": unit,
                "cells": len(ok),
                "failed": len(recs) - len(ok),
                "wall_s": stats([r["wall_s"] for r in ok]),
                "peak_rss_mb": max(peaks) if peaks else None,
                "isolated": all(r.get("isolated", True) for r in ok),
            }
        )
    return rows


def leaderboard(
    suite,
    models: list[str],
    seeds: list[int],
    protocols: list[str],
    cells: list[Cell],
    records: dict[tuple, dict],
    out: str | Path,
    skipped: Sequence[tuple[Cell, str]] = (),
) -> dict:
    """The leaderboard dict (``leaderboard.json``) of ``cells`` whose ``records``
    (``Cell.key`` -> ``cell.json``) are known."""
    out = Path(out)
    regimes = {}
    for protocol in protocols:
        tasks = []
        for t in suite.tasks:
            mine = [c for c in cells if c.task == t.id and c.protocol == protocol]
            per_seed = []
            for seed in seeds:
                runs = {
                    c.unit: _load(c, out)
                    for c in mine
                    if c.seed == seed and (records.get(c.key) or {}).get("status") == "ok"
                }
                runs = {u: r for u, r in runs.items() if r is not None}
                if runs:
                    per_seed.append(runs)
            kind = mine[0].kind if mine else "entity"
            tasks.append(_task_board(t.id, t.spec, kind, protocol, models, per_seed))
        regimes[protocol] = _regime(protocol, tasks, models)
    return {
        "suite": {"name": suite.name, "path": str(suite.path), "description": suite.description},
        "made": dt.datetime.now().isoformat(timespec="seconds"),
        "models": list(models),
        "seeds": list(seeds),
        "protocols": list(protocols),
        "tie_rule": TIE_RULE,
        "best_baseline_rule": "the rdl.baselines entry with the best mean validation value "
        "of the task's first metric over the seeds",
        "pick_rule": "per run, the entry of results.json's models (default trained run) and "
        "baselines with the best validation value of the task's first metric",
        "regimes": regimes,
        "runs": _runs_table(cells, records),
        "cells": [
            {
                "task": c.task,
                "protocol": c.protocol,
                "seed": c.seed,
                "unit": c.unit,
                "folder": str(c.folder(out).relative_to(out)),
                **{k: records[c.key].get(k) for k in ("status", "wall_s", "peak_rss_mb", "error")},
            }
            for c in cells
            if c.key in records
        ],
        "skipped": [
            {"task": c.task, "protocol": c.protocol, "seed": c.seed, "unit": c.unit, "reason": why}
            for c, why in skipped
        ],
    }


__all__ = ["REGIME_LABELS", "TIE_RULE", "compare", "leaderboard", "ranks", "stats"]
