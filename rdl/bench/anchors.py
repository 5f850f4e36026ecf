"""Published figures to show beside rdl's (``anchors.toml``), each under its own regime."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

ANCHORS_FILE = Path(__file__).resolve().parent / "anchors.toml"
REGIMES = ("relbench", "rolling")


@lru_cache(maxsize=4)
def load_anchors(path: str | Path = ANCHORS_FILE) -> tuple[dict, ...]:
    """Every anchor: ``{"task", "regime", "system", "metric", "value", "source"}``.

    Raises:
        ValueError: an anchor without one of those keys or with an unknown regime.
    """
    rows = tomllib.loads(Path(path).read_text()).get("anchor") or []
    need = {"task", "regime", "system", "metric", "value", "source"}
    for row in rows:
        if set(row) != need or row["regime"] not in REGIMES:
            raise ValueError(
                f"{path}: anchor {row} must have exactly {sorted(need)} with a regime in {REGIMES}"
            )
    return tuple(rows)


def anchors_for(task_spec: str, regime: str, metric: str) -> list[dict]:
    """The anchors of a task (built-in name, e.g. ``rel-f1/driver-dnf``) measured under
    ``regime`` on ``metric``; none from another regime."""
    return [
        dict(a)
        for a in load_anchors()
        if a["task"] == task_spec and a["regime"] == regime and a["metric"] == metric
    ]


__all__ = ["ANCHORS_FILE", "REGIMES", "anchors_for", "load_anchors"]
