"""Sampling plans for link models: hops to the destination table (ID-GNN fanouts) and
bidirectional subgraph edges."""

from __future__ import annotations

from collections import deque

import numpy as np
import torch


def schema_distances(edge_types, target: str) -> dict[str, int]:
    """Hops from every node type to ``target`` in the schema graph (edge types taken in
    both directions); unreachable types are absent."""
    nbrs: dict[str, set] = {}
    for a, _, b in edge_types:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    dist, todo = {target: 0}, deque([target])
    while todo:
        u = todo.popleft()
        for v in nbrs.get(u, ()):
            if v not in dist:
                dist[v] = dist[u] + 1
                todo.append(v)
    return dist


def idgnn_fanouts(
    edge_types, src_table: str, dst_table: str, num_neighbors: list[int]
) -> tuple[int, object]:
    """Hops and fanouts for ID-GNN subgraphs that reach the destination table.

    The first ``len(num_neighbors)`` hops sample every edge type with the given fanouts.
    If the destination table is further away (``d`` foreign-key hops), hops
    ``len(num_neighbors) + 1 .. d`` only follow edge types that step one hop closer to
    the destination table and can still reach it in the hops left (fanout: the last of
    ``num_neighbors``) — e.g. on rel-f1 drivers -> circuits is 3 hops (driver <- results
    -> races -> circuits) and hop 3 only looks up each race's circuit.

    Returns:
        ``(num_hops, fanouts)``: ``fanouts`` is ``num_neighbors`` or a per-edge-type dict.

    Raises:
        ValueError: the destination table cannot be reached from the source table.
    """
    dist = schema_distances(edge_types, dst_table)
    if src_table not in dist:
        raise ValueError(
            f"ID-GNN: table {dst_table!r} is not reachable from {src_table!r} "
            "through foreign keys; use the two-tower model"
        )
    base = len(num_neighbors)
    hops = max(base, dist[src_table])
    if hops == base:
        return hops, list(num_neighbors)
    fan = {}
    for et in edge_types:
        new, _, frontier = et  # sampling a frontier node of type `frontier` adds `new` nodes
        per_hop = list(num_neighbors)
        for h in range(base + 1, hops + 1):
            toward = (
                new in dist
                and frontier in dist
                and dist[new] == dist[frontier] - 1
                and dist[new] <= hops - h
            )
            per_hop.append(num_neighbors[-1] if toward else 0)
        fan[et] = per_hop
    return hops, fan


def bidirectional(sub, edge_types) -> dict:
    """The sampled edges of ``sub`` plus each one reversed (``f2p_x`` <-> ``rev_f2p_x``),
    without duplicates: ``{edge_type: LongTensor [2, E]}`` of local indices (RelBench's
    ``subgraph_type="bidirectional"``)."""
    known = set(edge_types)
    parts: dict = {}
    for (a, rel, b), ei in sub.edge_index.items():
        if ei.shape[1] == 0:
            continue
        parts.setdefault((a, rel, b), []).append(ei)
        rev = (b, rel[4:] if rel.startswith("rev_") else f"rev_{rel}", a)
        if rev in known:
            parts.setdefault(rev, []).append(ei[::-1])
    out = {}
    for et, chunks in parts.items():
        ei = np.concatenate(chunks, axis=1) if len(chunks) > 1 else chunks[0]
        n_dst = int(ei[1].max()) + 1
        key = np.unique(ei[0] * n_dst + ei[1])
        out[et] = torch.from_numpy(np.stack([key // n_dst, key % n_dst]))
    return out


__all__ = ["bidirectional", "idgnn_fanouts", "schema_distances"]
