"""Distractor rows for robustness experiments (``benchmarks/distractors.py``; not used by
``rdl train``).

`DistractorTransform` adds ``k`` rows of *unrelated* entities to every seed's sampled
subgraph: rows of the tables whose foreign key points at the entity table (for rel-f1
drivers: ``results``, ``standings``, ``qualifying``) that belong to another entity and
are dated ``<=`` the seed time, so nothing from the seed's future enters. They are
copies of real rows, the same kind of rows as the seed's own first-hop neighbours, and
are placed in the first hop, so they survive layer-wise trimming and join the pooled
set of every readout (`rdl.nn.SubgraphPooling`).

Two settings:

* ``attach=True`` (default): each distractor is linked to its seed by the same edge
  types as a real first-hop row (``row -> entity`` and ``entity -> row``), so message
  passing sees it too. This is the setting of Brothers (2025, "Robust Noise Attenuation
  via Adaptive Pooling of Transformer Outputs"): the noise vectors are inputs of the
  encoder, which processes them with the signal, and the pooling receives the encoder's
  outputs for signal and noise alike.
* ``attach=False``: the distractors only join the pooled set (no edges); message
  passing, and so the seed embedding, is unchanged. This isolates the readout.

Distractors are dated ``<=`` the batch's ``seed_time``; batches sampled at an earlier
information cut-off (`rdl.sampling.loader.NodeLoader`'s ``sample_time``) are not meant
for it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import HeteroData

from rdl.graph import GraphData


class DistractorTransform:
    """Adds ``k`` distractor rows per seed to a batch from `rdl.sampling.loader.to_batch`.

    Args:
        graph: the database's graph.
        entity_table: the seed table.
        k: distractors per seed (fewer when fewer candidate rows are dated ``<=`` the
            seed time; none for a seed with no candidate).
        attach: link each distractor to its seed (see the module docstring).
        seed: seed of the random draws.

    Raises:
        ValueError: no table with a time column has a foreign key to ``entity_table``.
    """

    def __init__(
        self, graph: GraphData, entity_table: str, k: int, attach: bool = True, seed: int = 0
    ):
        self.entity_table, self.k, self.attach = entity_table, k, attach
        self.rng = np.random.default_rng(seed)
        self.links = [
            et
            for et in graph.edge_types
            if et[2] == entity_table
            and et[1].startswith("f2p_")
            and graph.node_time.get(et[0]) is not None
        ]
        if not self.links:
            raise ValueError(
                f"no dated table has a foreign key to {entity_table!r}: "
                "nothing to draw distractors from"
            )
        table, row, entity, time = [], [], [], []
        for code, (src, _, _) in enumerate(self.links):
            ei = graph.edge_index[self.links[code]]
            table.append(np.full(ei.shape[1], code))
            row.append(ei[0])
            entity.append(ei[1])
            time.append(graph.node_time[src][ei[0]])
        order = np.argsort(np.concatenate(time), kind="stable")
        self.cand_table = np.concatenate(table)[order]
        self.cand_row = np.concatenate(row)[order]
        self.cand_entity = np.concatenate(entity)[order]
        self.cand_time = np.concatenate(time)[order]
        self.node_time = graph.node_time

    def draw(self, seed_entity: np.ndarray, seed_time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(seed index, candidate position)`` of the distractors of seeds
        (``[S]`` entity node ids and times in seconds): ``k`` uniform draws among the
        candidate rows dated ``<=`` each seed time that belong to another entity."""
        avail = np.searchsorted(self.cand_time, seed_time, side="right")
        seed = np.repeat(np.arange(len(seed_time)), self.k)
        pos = (self.rng.random(len(seed)) * avail[seed]).astype(np.int64)
        ok = avail[seed] > 0
        for _ in range(20):  # redraw the (rare) rows of the seed's own entity
            own = ok & (
                self.cand_entity[np.minimum(pos, len(self.cand_time) - 1)] == seed_entity[seed]
            )
            if not own.any():
                break
            pos[own] = (self.rng.random(int(own.sum())) * avail[seed[own]]).astype(np.int64)
        ok &= self.cand_entity[np.minimum(pos, len(self.cand_time) - 1)] != seed_entity[seed]
        return seed[ok], pos[ok]

    def __call__(self, batch: HeteroData) -> HeteroData:
        """The batch with the distractors added (a new `HeteroData`; ``batch`` is left as
        it is)."""
        if self.k == 0:
            return batch
        out = batch.clone()
        num_seeds = out.seed_time.numel()
        seed_entity = out[self.entity_table].n_id[:num_seeds].numpy()
        seed, pos = self.draw(seed_entity, out.seed_time.numpy())
        nodes = {nt: list(v) for nt, v in out.num_sampled_nodes_dict.items()}
        edges = {et: list(v) for et, v in out.num_sampled_edges_dict.items()}
        for code, (table, rel, _) in enumerate(self.links):
            mine = self.cand_table[pos] == code
            rows, owner = torch.from_numpy(self.cand_row[pos[mine]]), torch.from_numpy(seed[mine])
            m = len(rows)
            if m == 0:
                continue
            at = nodes[table][0] + nodes[table][1]  # end of the first hop
            store = out[table]
            store.n_id = torch.cat([store.n_id[:at], rows, store.n_id[at:]])
            store.batch = torch.cat([store.batch[:at], owner, store.batch[at:]])
            store.time = torch.cat(
                [
                    store.time[:at],
                    torch.from_numpy(self.node_time[table][rows.numpy()]),
                    store.time[at:],
                ]
            )
            uniq, inv = np.unique(store.n_id.numpy(), return_inverse=True)
            store.uniq, store.inv = torch.from_numpy(uniq), torch.from_numpy(inv.reshape(-1))
            store.num_nodes = store.n_id.numel()
            nodes[table][1] += m
            for et in out.edge_types:  # later hops of the table move up by m
                ei = out[et].edge_index
                for side in (0, 1):
                    if et[side * 2] == table:
                        ei[side] = torch.where(ei[side] >= at, ei[side] + m, ei[side])
            if self.attach:
                new = torch.arange(at, at + m)
                self._append(
                    out, edges, (table, rel, self.entity_table), torch.stack([new, owner]), 0
                )
                rev = (self.entity_table, "rev_" + rel, table)
                if rev in edges and len(edges[rev]) > 1:  # into first-hop rows: block 1
                    self._append(out, edges, rev, torch.stack([owner, new]), 1)
        out.num_sampled_nodes_dict = nodes
        out.num_sampled_edges_dict = edges
        return out

    @staticmethod
    def _append(out: HeteroData, edges: dict, et, new: torch.Tensor, hop: int) -> None:
        """Insert edges ``new [2, m]`` at the end of block ``hop`` of edge type ``et``."""
        ei = out[et].edge_index
        end = sum(edges[et][: hop + 1])
        out[et].edge_index = torch.cat([ei[:, :end], new, ei[:, end:]], dim=1)
        edges[et][hop] += new.size(1)


class DistractorLoader:
    """Wraps a `rdl.sampling.loader.NodeLoader`: yields ``(transform(batch), index)``."""

    def __init__(self, loader, transform: DistractorTransform):
        self.loader, self.transform = loader, transform

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for batch, idx in self.loader:
            yield self.transform(batch), idx


__all__ = ["DistractorLoader", "DistractorTransform"]
