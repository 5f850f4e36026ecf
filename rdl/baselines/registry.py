"""`BASELINES`: every baseline rdl runs — one entry each with its name, the task kinds it
applies to and its help — and `RUNNERS`, the baseline runner of each kind.

The baseline modules register their own entries when ``rdl.baselines`` is imported
(`rdl.baselines.simple`: the simple statistics; `rdl.baselines.run`: LightGBM;
`rdl.baselines.link`: popularity and past visits); `rdl.baselines.run_baselines` runs a
kind's runner, and ``rdl baseline --only`` checks names and prints its help from here
(`baseline_names`, `baselines_help`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdl.tasks.kinds import KindParts, TaskKind, kind_of


@dataclass(frozen=True)
class BaselineEntry:
    """One baseline.

    Attributes:
        name: its name in ``results.json`` and ``--only``.
        kinds: the kind names it applies to.
        help: one line for ``--help``.
        fn: the prediction function its runner calls (simple baselines:
            ``fn(task, fit_rows, rows, **kw)``; link baselines: ``fn(task, rows, history)``),
            or ``None`` for baselines their runner builds itself (LightGBM).
        learned: a model fitted on features (LightGBM), not a label statistic — the
            diagnosis compares the GNN with the best of each group.
        takes_seed: ``fn`` takes a ``seed`` keyword.
    """

    name: str
    kinds: tuple[str, ...]
    help: str
    fn: Callable | None = None
    learned: bool = False
    takes_seed: bool = False


#: name -> entry, in report order.
BASELINES: dict[str, BaselineEntry] = {}

#: kind name -> ``run(db, task, *, baselines, log, seed, protocol, predictions, ...)`` —
#: the runner of the kind's baselines (`rdl.baselines.run_baselines`' contract).
RUNNERS: KindParts[Callable] = KindParts(
    "baseline runner", "rdl.baselines.registry.RUNNERS.register"
)


def register_baseline(entry: BaselineEntry) -> BaselineEntry:
    """Add ``entry`` to `BASELINES` (replacing one of the same name); returns it."""
    BASELINES[entry.name] = entry
    return entry


def baselines_for(kind: TaskKind | str) -> list[BaselineEntry]:
    """The entries applying to ``kind`` (a kind, its name or a task), in report order."""
    name = kind_of(kind).name
    return [e for e in BASELINES.values() if name in e.kinds]


def baseline_names() -> list[str]:
    """Every registered baseline name (``--only``'s choices)."""
    return list(BASELINES)


def learned_baselines() -> tuple[str, ...]:
    """The names of the learned (feature-based) baselines."""
    return tuple(e.name for e in BASELINES.values() if e.learned)


def baselines_help() -> str:
    """``--only`` help: each baseline, the kinds it applies to and its help line."""
    return "; ".join(f"{e.name} ({', '.join(e.kinds)}): {e.help}" for e in BASELINES.values())


__all__ = [
    "BASELINES",
    "RUNNERS",
    "BaselineEntry",
    "baseline_names",
    "baselines_for",
    "baselines_help",
    "learned_baselines",
    "register_baseline",
]
