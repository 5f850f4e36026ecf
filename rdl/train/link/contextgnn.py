"""`ContextGNNTrainer`: the ContextGNN link kind of `rdl.train.trainer.Trainer`
(`rdl.nn.contextgnn.ContextGNNModel`; Yuan et al. 2024, kumo-ai/ContextGNN's RelBench
example).

Seeds and sampling as ID-GNN (`rdl.train.link.idgnn.IDGNNTrainer`): one subgraph per
source row at its own seed time, with as many hops as the foreign-key path to the
destination table needs, edges in both directions. The model scores every destination
(reached ones pair-wise, the others two-tower); the loss is softmax cross entropy of each
row's positives among the destinations that exist at the row's seed time (PyG's
``sparse_cross_entropy``). When the destination table has more than
``max_candidates`` rows, each batch scores its positives, the destinations its
subgraphs reach and a uniform sample of the rest (ContextGNN's sampled softmax).
Evaluation scores every existing destination.

The time context of a destination at seed time ``t`` (`ContextGNNTrainer.context_at`,
`NUM_CONTEXT` numbers): ``log1p`` of its links observed by ``t``, of its links in the last
window before ``t`` (`rdl.tasks.LinkHistory`: label windows that close by ``t``, on the
model's input database) and of its age in days at ``t`` (0 without a time column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch_geometric.utils.cross_entropy import sparse_cross_entropy

from rdl.graph import GraphData
from rdl.nn.contextgnn import ContextGNNModel
from rdl.runtime.memory import release_free_memory
from rdl.train.config import TrainConfig
from rdl.train.link.plan import bidirectional, idgnn_fanouts
from rdl.train.link.seeds import LinkSeeds
from rdl.train.link.trainer import LinkTrainer, _chunks

NUM_CONTEXT = 3
DAY = 86400


class ContextGNNTrainer(LinkTrainer):
    """ContextGNN link model with softmax cross entropy over the destinations.

    Args:
        task, graph, config, history: see `LinkTrainer`.
        embedding_dim: size of the two-tower part's embeddings (ContextGNN: 64).
        max_candidates: destinations scored per training batch at most (sampled softmax
            beyond it).

    Raises:
        ValueError: the destination table is not reachable from the source table.
    """

    name = "contextgnn"

    def __init__(
        self,
        task,
        graph: GraphData,
        config: TrainConfig,
        *,
        history=None,
        embedding_dim: int = 64,
        max_candidates: int = 4096,
    ):
        super().__init__(task, graph, config, history=history)
        self.num_hops, self.fanouts = idgnn_fanouts(
            graph.edge_types,
            task.src_entity_table,
            task.dst_entity_table,
            list(config.num_neighbors),
        )
        self.max_candidates = int(max_candidates)
        self.kwargs = dict(
            self._common_kwargs(),
            num_layers=self.num_hops,
            num_dst_nodes=self.num_dst,
            embedding_dim=embedding_dim,
            num_context=NUM_CONTEXT,
        )
        self.model = ContextGNNModel(**self.kwargs)
        self.train_sampler = self.sampler()
        t = graph.node_time[task.dst_entity_table]
        self.dst_time = torch.from_numpy(t) if t is not None else None
        self._prior: float | None = None
        self._context: dict[int, torch.Tensor] = {}

    def context_at(self, t: int) -> torch.Tensor:
        """``[num_dst, NUM_CONTEXT]`` time context of every destination at seed time ``t``
        (seconds since epoch): from links observed by ``t`` and node times only."""
        t = int(t)
        if t not in self._context:
            task = self.task
            ts = pd.Timestamp(t, unit="s")
            hist = self.popularity.at(ts)
            pk = self.graph.pkey_values[task.dst_entity_table]
            node = (
                pd.Index(pk).get_indexer(hist[task.dst_entity_col].to_numpy())
                if pk is not None
                else hist[task.dst_entity_col].to_numpy(np.int64)
            )
            recent = (hist[task.time_col] == ts - task.timedelta).to_numpy()
            ok = node >= 0
            every = np.bincount(node[ok], minlength=self.num_dst)
            last = np.bincount(node[ok & recent], minlength=self.num_dst)
            times = self.graph.node_time[task.dst_entity_table]
            age = (
                np.zeros(self.num_dst)
                if times is None
                else np.clip((t - times.astype(np.float64)) / DAY, 0, 1e5)
            )
            self._context[t] = torch.from_numpy(
                np.log1p(np.stack([every, last, age], axis=1)).astype(np.float32)
            )
        return self._context[t]

    def _contexts(self, times: np.ndarray, dst_index: torch.Tensor) -> torch.Tensor:
        """``[len(times), len(dst_index), NUM_CONTEXT]``."""
        uniq, inv = np.unique(times, return_inverse=True)
        per = torch.stack([self.context_at(t)[dst_index] for t in uniq])
        return per[torch.from_numpy(inv.reshape(-1))]

    def train_batches(self, seeds: LinkSeeds, rng: np.random.Generator) -> list[np.ndarray]:
        self._rng = rng
        if self._prior is None:
            self._prior = self._popularity_loss(seeds)
        order = rng.permutation(len(seeds))
        return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def _targets(self, seeds: LinkSeeds, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row position, destination node)`` of the positives of ``rows`` that exist at
        the row's seed time (a destination created inside the window cannot be ranked)."""
        which, dst = seeds.positives(rows)
        t = self.graph.node_time[self.task.dst_entity_table]
        if t is not None:
            ok = t[dst] <= seeds.time[rows][which]
            which, dst = which[ok], dst[ok]
        return which, dst

    def _popularity_loss(self, seeds: LinkSeeds) -> float | None:
        """The loss of an input-blind model that scores each destination by how often the
        training rows link to it (the label prior of this objective)."""
        which, dst = self._targets(seeds, np.arange(len(seeds)))
        if not len(dst):
            return None
        count = np.bincount(dst, minlength=self.num_dst).astype(np.float64)
        t = self.graph.node_time[self.task.dst_entity_table]
        row_t = seeds.time[which]
        if t is None:
            denom = np.full(len(dst), count.sum())
        else:
            order = np.argsort(t, kind="stable")
            cum = np.concatenate([[0.0], np.cumsum(count[order])])
            denom = cum[np.searchsorted(t[order], row_t, side="right")]
        nll = -np.log(count[dst] / denom)
        return float(nll.sum() / len(np.unique(which)))

    def prior_loss(self) -> float | None:
        return self._prior

    def _mask(
        self, logits: torch.Tensor, dst_index: torch.Tensor, times: np.ndarray
    ) -> torch.Tensor:
        """``-inf`` where a destination does not exist at the row's seed time."""
        if self.dst_time is None:
            return logits
        late = self.dst_time[dst_index].unsqueeze(0) > torch.from_numpy(times).unsqueeze(1)
        return logits.masked_fill(late, float("-inf"))

    def _forward(
        self, seeds: LinkSeeds, rows: np.ndarray, sampler, dst_index: torch.Tensor, dst_emb=None
    ) -> tuple[torch.Tensor, object]:
        sub, batch = self.sample(
            sampler, self.task.src_entity_table, seeds.src[rows], seeds.time[rows]
        )
        edges = bidirectional(sub, self.graph.edge_types)
        context = self._contexts(seeds.time[rows], dst_index)
        with self.config.autocast():
            logits = self.model(
                batch, self.graph.tf_dict, edges, dst_index, dst_emb, context
            ).float()
        return self._mask(logits, dst_index, seeds.time[rows]), sub

    def batch_loss(self, seeds: LinkSeeds, rows: np.ndarray) -> tuple[torch.Tensor, int, int]:
        """Softmax cross entropy of the rows' positives; ``weight`` = number of positives."""
        release_free_memory()  # the previous batch's tensors (rdl.runtime.memory)
        which, pos = self._targets(seeds, rows)
        if not len(pos):
            return torch.zeros(()), 0, len(rows)
        keep = np.unique(which)  # rows with something to learn
        rows, which = rows[keep], np.searchsorted(keep, which)
        if self.num_dst <= self.max_candidates:
            dst_index = torch.arange(self.num_dst)
            col = pos
        else:
            extra = self._rng.choice(self.num_dst, self.max_candidates, replace=False)
            cand = np.unique(np.concatenate([pos, extra]))
            dst_index = torch.from_numpy(cand)
            col = np.searchsorted(cand, pos)
        logits, _ = self._forward(seeds, rows, self.train_sampler, dst_index)
        label = torch.from_numpy(np.stack([which, col]))
        return sparse_cross_entropy(logits, label), len(pos), len(rows)

    def scores(self, sampler, seeds: LinkSeeds, rows: np.ndarray, t: int) -> torch.Tensor:
        """Scores of every destination (``-inf`` for those that do not exist at ``t``)."""
        dst_index = torch.arange(self.num_dst)
        with self.config.autocast():
            dst_emb = self.model.destination_embeddings(dst_index, self.graph.tf_dict)
        out = []
        for part in _chunks(np.arange(len(rows)), self.config.batch_size):
            logits, _ = self._forward(seeds, rows[part], sampler, dst_index, dst_emb)
            out.append(logits)
        return torch.cat(out)

    def result_fields(self) -> dict:
        return {"num_hops": self.num_hops}


__all__ = ["ContextGNNTrainer"]
