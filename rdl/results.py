"""``results.json``: the results of ``rdl baseline`` / ``rdl train`` as one JSON file.

A leaf module (it imports nothing of rdl): training writes results, the report room reads
them.

A results dict looks like::

    {"task": "rel-f1/driver-dnf", "db": "duckdb:///rel-f1.duckdb",
     "splits": {"train": 11411, "val": 566, "test": 702},
     "baselines": {"entity_mean": {"val": {"roc_auc": 0.59, ...},
                                   "test": {"roc_auc": 0.70, ...}, "fit_seconds": 0.1}},
     "models": {"gnn": {...same shape...}}}            # "models" optional

Other fields are kept as they are.

Beside it, ``predictions.parquet`` (`write_predictions` / `read_predictions`) keeps the
val and test predictions of every model and baseline with their keys and labels, so that
figures and reports can be drawn from the run directory alone: one row per
(split, entity, seed time) with the columns `KEY_COLUMNS` (``split``, ``entity``,
``seed_time``, ``label``) and one column per model / baseline named as in
``results.json``. Entity tasks: binary ``[n]`` probabilities, regression values,
multiclass / multilabel lists of probabilities; link tasks: ``label`` the list of
destination keys, each model's column its top-k destination keys, best first.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rdl.spelling import Spoken, spelled

RESULTS_FILE = "results.json"


class ResultsNotFound(Spoken, FileNotFoundError):
    """A run directory without ``results.json``; the message says what writes one."""


PREDICTIONS_FILE = "predictions.parquet"
SECTIONS = ("baselines", "models")
#: the key and label columns of ``predictions.parquet`` (then one column per model)
KEY_COLUMNS = ("split", "entity", "seed_time", "label")


def _clean(obj: Any) -> Any:
    """JSON-safe copy: numpy scalars -> Python numbers, NaN/inf -> None, tuples -> lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def write_results(results: dict, out_dir: str | Path) -> Path:
    """Write ``results`` to ``out_dir/results.json`` (directory created if needed).

    NaN and infinite values are written as ``null``; numpy numbers as plain numbers.

    Returns:
        the path of the written file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / RESULTS_FILE
    path.write_text(json.dumps(_clean(results), indent=2) + "\n")
    return path


def read_results(run_dir: str | Path) -> dict:
    """The results dict of a run directory (``run_dir/results.json``).

    Raises:
        FileNotFoundError: ``run_dir`` holds no ``results.json``.
    """
    path = Path(run_dir) / RESULTS_FILE
    if not path.exists():
        raise ResultsNotFound(
            f"{path} not found: "
            + spelled(
                f"train a model or run the baselines with {run_dir} as the output directory first",
                f"run `rdl train --out {run_dir}` or `rdl baseline --out {run_dir}` first",
            )
        )
    return json.loads(path.read_text())


def _cells(values):
    """A column's values: 1-d arrays as they are, 2-d arrays / lists of arrays as one list
    per row (parquet list columns)."""
    import numpy as np

    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.ndim == 1 and arr.dtype != object:
        return arr
    return [list(np.asarray(v).tolist()) if np.ndim(v) else v for v in values]


def prediction_frame(split: str, entity, seed_time, label, preds: dict):
    """One split's predictions in the ``predictions.parquet`` layout.

    Args:
        split: ``"val"`` or ``"test"``.
        entity: ``[n]`` entity (link tasks: source) primary-key values.
        seed_time: ``[n]`` seed times.
        label: ``[n]`` labels, ``[n, L]`` label matrices or ``n`` destination lists.
        preds: model / baseline name -> ``[n]`` or ``[n, C]`` predictions (link tasks:
            ``[n, k]`` destination keys).

    Returns:
        DataFrame ``[split, entity, seed_time, label, *preds]``.

    Raises:
        ValueError: a prediction array whose length is not ``n``.
    """
    import pandas as pd

    n = len(entity)
    out = pd.DataFrame(
        {
            "split": [split] * n,
            "entity": pd.Series(entity).to_numpy(),
            "seed_time": pd.to_datetime(pd.Series(seed_time)).to_numpy(),
        }
    )
    out["label"] = _cells(label)
    for name, values in preds.items():
        if len(values) != n:
            raise ValueError(f"{len(values)} {split} predictions of {name!r} for {n} rows")
        out[name] = _cells(values)
    return out


def merge_predictions(frames: list):
    """Frames of `prediction_frame` (several splits and producers) -> one frame, joined on
    ``(split, entity, seed_time)``; the first frame's ``label`` is kept."""
    import pandas as pd

    keys = list(KEY_COLUMNS[:3])
    by_cols: dict[tuple, list] = {}
    for f in frames:  # stack the splits of one producer, then join the producers
        by_cols.setdefault(tuple(c for c in f.columns if c not in KEY_COLUMNS), []).append(f)
    parts = [pd.concat(fs, ignore_index=True) for fs in by_cols.values()]
    if not parts:
        return pd.DataFrame(columns=list(KEY_COLUMNS))
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part.drop(columns="label"), on=keys, how="outer", sort=False)
    split_order = out["split"].map({"train": 0, "val": 1, "test": 2}).fillna(3)
    order = (
        pd.DataFrame({"s": split_order, "t": out["seed_time"]})
        .sort_values(["s", "t"], kind="stable")
        .index
    )
    return out.loc[order].reset_index(drop=True)


def write_predictions(frame, out_dir: str | Path) -> Path:
    """Write ``frame`` (`prediction_frame` / `merge_predictions`) to
    ``out_dir/predictions.parquet``.

    Returns:
        the path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / PREDICTIONS_FILE
    frame.to_parquet(path, index=False)
    return path


def read_predictions(run_dir: str | Path):
    """The ``predictions.parquet`` of a run directory as a DataFrame, or ``None`` when the
    run wrote none (runs made before rdl kept predictions)."""
    import pandas as pd

    path = Path(run_dir) / PREDICTIONS_FILE
    return pd.read_parquet(path) if path.exists() else None


__all__ = [
    "KEY_COLUMNS",
    "PREDICTIONS_FILE",
    "RESULTS_FILE",
    "SECTIONS",
    "merge_predictions",
    "prediction_frame",
    "read_predictions",
    "read_results",
    "write_predictions",
    "write_results",
]
