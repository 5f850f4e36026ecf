"""Mini-batches of per-seed temporal subgraphs as PyG `HeteroData`."""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import HeteroData

from rdl.sampling.sampler import SampledSubgraph, TemporalNeighborSampler


def to_batch(
    sub: SampledSubgraph, node_time: dict, seed_time: np.ndarray | None = None
) -> HeteroData:
    """A sampled subgraph as `HeteroData` that PyG layers consume directly.

    ``seed_time`` (``int64 [num_seeds]``, default the times the subgraph was sampled at)
    is the time the model encodes ages against: a subgraph sampled at an earlier
    information cut-off ``c <= t`` but encoded relative to the seed time ``t`` shows the
    model history that stops ``t - c`` before the prediction time (`NodeLoader`'s
    ``sample_time``).

    Per table: ``n_id`` (global node ids, one per per-seed copy, ``[N]``), ``batch`` (seed
    index ``[N]``), ``uniq``/``inv`` (distinct rows and the copy -> distinct index, so each
    row is encoded once), ``time`` (seconds since epoch, tables with a time column).
    Per edge type: ``edge_index`` ``[2, E]`` local. Graph level: ``seed_time``
    ``[num_seeds]`` seconds since epoch, ``num_sampled_nodes_dict`` /
    ``num_sampled_edges_dict`` (per-hop counts, for layer-wise trimming).
    """
    data = HeteroData()
    for nt, ids in sub.node.items():
        n_id = torch.from_numpy(ids)
        uniq, inv = np.unique(ids, return_inverse=True)
        store = data[nt]
        store.n_id = n_id
        store.batch = torch.from_numpy(sub.batch[nt])
        store.uniq = torch.from_numpy(uniq)
        store.inv = torch.from_numpy(inv.reshape(-1))
        store.num_nodes = len(ids)
        if node_time.get(nt) is not None:
            store.time = torch.from_numpy(node_time[nt][ids])
    for et, ei in sub.edge_index.items():
        data[et].edge_index = torch.from_numpy(ei)
    data.seed_time = torch.from_numpy(
        sub.seed_time if seed_time is None else np.asarray(seed_time, dtype=np.int64)
    )
    data.num_sampled_nodes_dict = {nt: list(map(int, v)) for nt, v in sub.num_sampled_nodes.items()}
    data.num_sampled_edges_dict = {et: list(map(int, v)) for et, v in sub.num_sampled_edges.items()}
    return data


class NodeLoader:
    """Iterates over seeds (entity node, seed time) in batches, sampling each batch's
    disjoint temporal subgraphs with a `TemporalNeighborSampler`.

    Args:
        sampler: the sampler (owns fanouts, strategy and the random state).
        node_time: table -> node times (seconds) or ``None``.
        seed_type: the entity table.
        seed_nodes: ``int64 [num_seeds]`` node indices.
        seed_time: ``int64 [num_seeds]`` seconds since epoch.
        batch_size: seeds per batch (RelBench: 512).
        shuffle: shuffle seeds each epoch (with ``generator``).
        group: optional ``[num_seeds]`` group id per seed (e.g. the entity): when
            shuffling, groups are shuffled and each group's seeds stay together, so a batch
            holds few groups and their shared rows are encoded once (see `RDLModel`).
        sample_time: optional ``f(index, seed_time) -> int64 [len(index)]``: the
            information cut-off of each seed of a batch (seconds since epoch; values after
            the seed time are clipped to it). The subgraph is sampled at the cut-off (no
            row dated after it) while ages are still encoded relative to the seed time —
            e.g. stale-history training or pretraining views. ``None``: the seed time.

    Yields:
        ``(HeteroData, index)``: the batch and the positions of its seeds in the input.
    """

    def __init__(
        self,
        sampler: TemporalNeighborSampler,
        node_time: dict,
        seed_type: str,
        seed_nodes: np.ndarray,
        seed_time: np.ndarray,
        batch_size: int = 512,
        shuffle: bool = False,
        generator: np.random.Generator | None = None,
        group: np.ndarray | None = None,
        sample_time=None,
    ):
        if len(seed_nodes) != len(seed_time):
            raise ValueError(f"{len(seed_nodes)} seed nodes but {len(seed_time)} seed times")
        self.sampler, self.node_time, self.seed_type = sampler, node_time, seed_type
        self.seed_nodes = np.asarray(seed_nodes, dtype=np.int64)
        self.seed_time = np.asarray(seed_time, dtype=np.int64)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.generator = generator or np.random.default_rng(0)
        if group is not None and len(group) != len(seed_nodes):
            raise ValueError(f"{len(group)} group ids for {len(seed_nodes)} seeds")
        self.group = None if group is None else np.unique(group, return_inverse=True)[1].reshape(-1)
        self.sample_time = sample_time

    def _order(self) -> np.ndarray:
        n = len(self.seed_nodes)
        if not self.shuffle:
            return np.arange(n)
        if self.group is None:
            return self.generator.permutation(n)
        group_rank = self.generator.permutation(int(self.group.max()) + 1)
        return np.lexsort((self.generator.random(n), group_rank[self.group]))

    def __len__(self) -> int:
        return (len(self.seed_nodes) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            seed_time = self.seed_time[idx]
            cut = seed_time
            if self.sample_time is not None:
                cut = np.minimum(
                    np.asarray(self.sample_time(idx, seed_time), dtype=np.int64), seed_time
                )
            sub = self.sampler.sample(self.seed_type, self.seed_nodes[idx], cut)
            yield to_batch(sub, self.node_time, seed_time), idx
