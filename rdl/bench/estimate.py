"""How long the next cells will take, from the cells that finished (budget and ETA)."""

from __future__ import annotations

import statistics
from typing import cast

from rdl.bench.cells import Cell


class Estimator:
    """Seconds a cell will take: the mean ``wall_s`` of finished cells of the same task,
    unit and protocol; else of the same task and unit; else of the same unit; else of all
    finished cells; ``None`` before any cell finished."""

    def __init__(self) -> None:
        self._done: list[tuple[Cell, float]] = []

    def add(self, cell: Cell, wall_s: float) -> None:
        self._done.append((cell, float(wall_s)))

    def estimate(self, cell: Cell) -> float | None:
        keys = (
            lambda c: (c.task, c.unit, c.protocol),
            lambda c: (c.task, c.unit),
            lambda c: c.unit,
            lambda c: None,
        )
        for key in keys:
            same = [s for c, s in self._done if key(c) == key(cell)]
            if same:
                return statistics.fmean(same)
        return None

    def remaining(self, cells: list[Cell]) -> float | None:
        """Estimated seconds of ``cells`` (``None``: nothing to estimate from yet)."""
        parts = [self.estimate(c) for c in cells]
        return None if any(p is None for p in parts) else float(sum(cast("list[float]", parts)))


__all__ = ["Estimator"]
