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
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.json"
SECTIONS = ("baselines", "models")


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
        raise FileNotFoundError(f"{path} not found: run `rdl train --out {run_dir}` or "
                                f"`rdl baseline --out {run_dir}` first")
    return json.loads(path.read_text())


__all__ = ["RESULTS_FILE", "SECTIONS", "read_results", "write_results"]
