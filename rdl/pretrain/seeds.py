"""Seeds of pretraining: rows of the entity table on a grid of times, and a split of the
entities into training and held-out ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from rdl.graph import GraphData
from rdl.graph.build import NEVER

SECONDS_PER_DAY = 86400


@dataclass
class PretrainSeeds:
    """``node`` ``int64 [n]`` entity node indices and ``time`` ``int64 [n]`` seed times
    (seconds since epoch)."""

    node: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return len(self.node)

    def take(self, index: np.ndarray) -> PretrainSeeds:
        return PretrainSeeds(self.node[index], self.time[index])


def first_time(graph: GraphData) -> int | None:
    """The earliest row time of the graph (seconds), ``None`` without time columns."""
    values = [
        int(t[t != NEVER].min())
        for t in graph.node_time.values()
        if t is not None and (t != NEVER).any()
    ]
    return min(values) if values else None


def grid_times(first: int, until: int, every: int) -> np.ndarray:
    """``until, until - every, ...`` down to ``first``, ascending (``int64`` seconds)."""
    if until < first:
        return np.array([until], dtype=np.int64)
    n = (until - first) // every + 1
    return (until - every * np.arange(n, dtype=np.int64))[::-1].copy()


def referencing_rows(graph: GraphData, entity_table: str) -> tuple[np.ndarray, np.ndarray]:
    """``(entity node, row time)`` of every timed row that references an entity row through
    a foreign key (edge types ``(child, "f2p_<col>", entity_table)``), sorted by time."""
    ents, times = [], []
    for (src, rel, dst), ei in graph.edge_index.items():
        if dst != entity_table or not rel.startswith("f2p_") or graph.node_time.get(src) is None:
            continue
        ents.append(ei[1])
        times.append(cast(np.ndarray, graph.node_time[src])[ei[0]])  # not None: checked above
    if not ents:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ent, time = np.concatenate(ents), np.concatenate(times)
    order = np.argsort(time, kind="stable")
    return ent[order], time[order]


def pretrain_seeds(
    graph: GraphData, entity_table: str, times: np.ndarray, active_within: int | None
) -> PretrainSeeds:
    """Seeds ``(entity row, t)`` for each grid time ``t`` in ``times`` (seconds).

    An entity row is a seed at ``t`` if it exists at ``t`` (its time ``<= t`` when the table
    has a time column) and — with ``active_within`` (seconds) — a timed row referencing it
    is dated in ``(t - active_within, t]``. Entity tables no timed row references keep
    every existing row.
    """
    n = graph.num_nodes[entity_table]
    own = graph.node_time.get(entity_table)
    ent, ref_time = referencing_rows(graph, entity_table)
    use_activity = active_within is not None and len(ent) > 0
    nodes, stamps = [], []
    for t in np.asarray(times, dtype=np.int64):
        if use_activity:
            lo = np.searchsorted(ref_time, t - active_within, side="right")
            hi = np.searchsorted(ref_time, t, side="right")
            cand = np.unique(ent[lo:hi])
        else:
            cand = np.arange(n, dtype=np.int64)
        if own is not None:
            cand = cand[own[cand] <= t]
        nodes.append(cand)
        stamps.append(np.full(len(cand), t, dtype=np.int64))
    if not nodes:
        return PretrainSeeds(np.zeros(0, np.int64), np.zeros(0, np.int64))
    return PretrainSeeds(np.concatenate(nodes).astype(np.int64), np.concatenate(stamps))


def split_by_entity(
    seeds: PretrainSeeds, fraction: float, seed: int, max_val: int = 1024
) -> tuple[PretrainSeeds, PretrainSeeds]:
    """Hold out ``fraction`` of the entities (all their seeds; at most ``max_val`` seeds,
    drawn at random) to score the relation head on entities it never trained on.

    Raises:
        ValueError: fewer than 4 distinct entities (no pairs of different entities to
            learn from and to hold out).
    """
    entities = np.unique(seeds.node)
    if len(entities) < 4:
        raise ValueError(
            f"{len(entities)} distinct entities among the seeds: pretraining needs at least 4"
        )
    rng = np.random.default_rng(seed)
    n_val = min(max(2, round(fraction * len(entities))), len(entities) - 2)
    held = rng.choice(entities, n_val, replace=False)
    is_val = np.isin(seeds.node, held)
    val_idx = np.flatnonzero(is_val)
    if len(val_idx) > max_val:
        val_idx = np.sort(rng.choice(val_idx, max_val, replace=False))
    return seeds.take(np.flatnonzero(~is_val)), seeds.take(val_idx)


__all__ = [
    "SECONDS_PER_DAY",
    "PretrainSeeds",
    "first_time",
    "grid_times",
    "pretrain_seeds",
    "referencing_rows",
    "split_by_entity",
]
