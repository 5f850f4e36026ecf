"""Cells of a bench: one run of one task under one protocol and seed, in its own folder.

``OUT/runs/PROTOCOL/TASK/UNIT/seed-S/`` holds the run's ``results.json`` (and
``predictions.parquet``, ``model.pt`` for trained runs), ``log.txt`` and, written last,
``cell.json``: the cell's spec, ``status`` (``"ok"`` / ``"failed"``), ``wall_s`` (seconds
the run took, process start included when isolated), ``peak_rss_mb`` and ``error``. A cell
counts as finished when its ``cell.json`` says ``ok`` for the same spec: a run killed
before that line is written is run again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

CELL_FILE = "cell.json"


@dataclass(frozen=True)
class Cell:
    """What one run needs (JSON-safe; the isolated worker gets it as a file)."""

    task: str  # the leaderboard id, DATABASE/TASK
    task_spec: str  # for rdl.tasks.load_task
    kind: str  # "entity" | "link"
    db_url: str
    protocol: str
    seed: int
    unit: str  # "baselines" or a trained model ("gnn", "two-tower", ...)
    slug: str
    schema: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """``(task, protocol, seed, unit)``: what tells cells apart."""
        return (self.task, self.protocol, self.seed, self.unit)

    @property
    def label(self) -> str:
        return f"{self.task} {self.unit} {self.protocol} seed {self.seed}"

    def folder(self, out: str | Path) -> Path:
        return Path(out) / "runs" / self.protocol / self.slug / self.unit / f"seed-{self.seed}"

    def spec(self) -> dict:
        return asdict(self)

    def shown_spec(self) -> dict:
        """`spec` as it may be written down: the database URL without its password
        (`rdl.db.sources.safe_url`); ``cell.json`` keeps this one."""
        from rdl.db.sources import safe_url

        return {**self.spec(), "db_url": safe_url(self.db_url)}


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
    os.replace(tmp, path)


def read_record(cell: Cell, out: str | Path) -> dict | None:
    """The ``cell.json`` of ``cell`` under ``out``, or ``None`` (none, unreadable)."""
    path = cell.folder(out) / CELL_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def finished(cell: Cell, out: str | Path) -> dict | None:
    """The record of ``cell`` if it finished (``ok``, same spec), else ``None``."""
    rec = read_record(cell, out)
    if (
        rec is None
        or rec.get("status") != "ok"
        or rec.get("spec") != json.loads(json.dumps(cell.shown_spec()))
    ):
        return None
    if not (cell.folder(out) / "results.json").exists():
        return None
    return rec


def write_record(cell: Cell, out: str | Path, **fields) -> dict:
    """Write ``cell.json`` (the spec plus ``fields``) and return it."""
    rec = {"spec": cell.shown_spec(), **fields}
    write_json(cell.folder(out) / CELL_FILE, rec)
    return rec


__all__ = ["CELL_FILE", "Cell", "finished", "read_record", "write_json", "write_record"]
