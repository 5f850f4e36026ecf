"""What a run's figures are worth: intervals, per-time metrics, the pick, and the warnings a
pooled metric needs (added to ``results.json`` by the training job).

From the val and test predictions of every model and baseline (``predictions.parquet``'s
frame) this adds:

* ``entry["intervals"][split][metric]``: a 95 % bootstrap interval resampling entities
  (`rdl.metrics.bootstrap`; 1,000 draws, seeded);
* ``entry["by_time"][split][metric]``: the first metric at each seed time
  (`rdl.metrics.by_time`);
* ``results["positives"][split]`` for binary tasks (how many positives a split holds);
* ``results["selected"]``: ``{"name", "section", "split", "metric", "value"}`` — the model
  or baseline with the best value of the task's first metric on the selection split, over
  models *and* baselines;
* warnings: labels constant at a seed time, a pooled metric that the calendar explains
  (`rdl.metrics.by_time.calendar_signal`), and a pick whose test value falls below its
  selection value by more than its test interval.
"""

from __future__ import annotations

import math

import numpy as np

from rdl.metrics import higher_is_better
from rdl.metrics.bootstrap import bootstrap_interval
from rdl.metrics.by_time import calendar_signal, constant_label_times, metric_by_time

SPLITS = ("val", "test")
DRAWS = 1000
#: above this many rows in a split, only the first metric gets an interval
MAX_ROWS_ALL_METRICS = 200_000


def _arrays(rows, name: str, ranking: bool):
    ok = rows[name].notna() if not ranking else rows[name].map(lambda v: v is not None)
    rows = rows[ok]
    if ranking:
        return list(rows["label"]), list(rows[name]), rows
    true = (
        np.stack(rows["label"].to_numpy())
        if rows["label"].dtype == object
        else rows["label"].to_numpy()
    )
    pred = rows[name].to_numpy()
    if pred.dtype == object:
        pred = np.stack(pred)
    return true, pred, rows


def add_evidence(
    results: dict, frame, *, selection_split: str = "val", seed: int = 0, draws: int = DRAWS
) -> list[str]:
    """Add the entries of the module doc to ``results`` in place.

    Args:
        results: the job's results dict (``metrics``, ``models``, ``baselines``, ...).
        frame: `rdl.results.merge_predictions` of the run's prediction frames.
        selection_split: the split the pick is made on (``"val"``, ``"val_stale"``).
        seed: the bootstrap's seed.

    Returns:
        the warnings (one paragraph each).
    """
    metrics = list(results.get("metrics") or [])
    if frame is None or len(frame) == 0 or not metrics:
        return []
    ranking = metrics[0].endswith("_at_k")
    k = results.get("eval_k")
    warnings: list[str] = []
    for section in ("models", "baselines"):
        for name, entry in (results.get(section) or {}).items():
            if name not in frame.columns:
                continue
            for split in SPLITS:
                rows = frame[frame["split"] == split]
                if not len(rows):
                    continue
                true, pred, used = _arrays(rows, name, ranking)
                if not len(used):
                    continue
                groups = used["entity"].astype(str).to_numpy()
                ivs = {}
                # a very large split: the first metric only (each interval is O(rows x draws))
                for m in metrics if len(used) <= MAX_ROWS_ALL_METRICS else metrics[:1]:
                    try:
                        ivs[m] = bootstrap_interval(
                            m, true, pred, groups, draws=draws, seed=seed, k=k
                        )
                    except ValueError:
                        ivs[m] = None
                entry.setdefault("intervals", {})[split] = ivs
                try:
                    per = metric_by_time(metrics[0], true, pred, used["seed_time"].to_numpy(), k)
                except ValueError:
                    per = {}
                entry.setdefault("by_time", {})[split] = {metrics[0]: per}
    _positives(results, frame)
    warnings += _constant_labels(results, frame)
    selected = select(results, selection_split)
    if selected is not None:
        results["selected"] = selected
        warnings += _pick_warnings(results, selected)
    return warnings


def select(results: dict, split: str = "val") -> dict | None:
    """The model or baseline with the best ``split`` value of the first metric (ties:
    models before baselines, then by name). Only entries scored on ``split`` compete — a
    model on the stale validation is never compared with a baseline on RelBench's; when
    no entry has ``split``, the pick is made on ``val``."""
    metrics = results.get("metrics") or []
    if not metrics:
        return None
    metric, higher = metrics[0], higher_is_better(metrics[0])
    entries = [
        (order, section, name, entry)
        for order, section in enumerate(("models", "baselines"))
        for name, entry in sorted((results.get(section) or {}).items())
    ]
    if not any((e.get(split) or {}).get(metric) is not None for *_, e in entries):
        split = "val"
    best = None
    for order, section, name, entry in entries:
        v = (entry.get(split) or {}).get(metric)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        key = (-v if higher else v, order, name)
        if best is None or key < best[0]:
            best = (
                key,
                {
                    "name": name,
                    "section": section,
                    "split": split,
                    "metric": metric,
                    "value": float(v),
                },
            )
    return best[1] if best else None


def _positives(results: dict, frame) -> None:
    if results.get("task_type") != "binary_classification":
        return
    out = {}
    for split in SPLITS:
        lab = frame.loc[frame["split"] == split, "label"]
        if len(lab):
            out[split] = int(np.asarray(lab, dtype=float).sum())
    results["positives"] = out


def _constant_labels(results: dict, frame) -> list[str]:
    if results.get("task_type") not in ("binary_classification", "multiclass_classification"):
        return []
    out = []
    for split in SPLITS:
        rows = frame[frame["split"] == split]
        times = constant_label_times(rows["label"].to_numpy(), rows["seed_time"].to_numpy())
        if times:
            out.append(
                f"{split}: the labels are all the same at seed time(s) {times[:5]}"
                f"{' ...' if len(times) > 5 else ''}: no model can rank entities there, and "
                "a metric pooled over seed times then mostly measures whether a model tells "
                "the times apart (see each model's by_time values in results.json)."
            )
    return out


def _pick_warnings(results: dict, sel: dict) -> list[str]:
    entry = results[sel["section"]][sel["name"]]
    metric, out = sel["metric"], []
    for split in SPLITS:
        pooled = (entry.get(split) or {}).get(metric)
        per = ((entry.get("by_time") or {}).get(split) or {}).get(metric) or {}
        iv = ((entry.get("intervals") or {}).get(split) or {}).get(metric)
        flag = calendar_signal(metric, pooled, per, iv) if pooled is not None else None
        if flag:
            out.append(
                f"{sel['name']} (the pick): its pooled {split} {metric} {flag['pooled']:.3f} "
                f"exceeds the mean {metric} within each seed time ({flag['within_mean']:.3f}) "
                f"by more than its 95% interval's half width ({flag['half_width']:.3f}): the "
                "signal is mostly the calendar (which seed time a row belongs to), not the "
                "entities."
            )
    test = (entry.get("test") or {}).get(metric)
    iv = ((entry.get("intervals") or {}).get("test") or {}).get(metric)
    if test is not None and iv:
        worse = iv["high"] < sel["value"] if higher_is_better(metric) else iv["low"] > sel["value"]
        if worse:
            out.append(
                f"{sel['name']} (the pick): {sel['split']} {metric} {sel['value']:.3f} -> test "
                f"{test:.3f}, outside its test interval [{iv['low']:.3f}, {iv['high']:.3f}]: the "
                "validation the pick was made on does not look like the test; trust the test "
                "figures and the interval, not the validation."
            )
    return out


__all__ = ["add_evidence", "select"]
