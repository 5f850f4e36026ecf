"""The link-task kinds of `rdl.train.trainer.Trainer`: `LinkTrainer` (what they share),
two-tower here, ID-GNN in `rdl.train.link.idgnn` (moved there; ContextGNN:
`rdl.train.link.contextgnn`).

Seeds are the task-table rows (source, seed time ``t``, destinations linked in
``(t, t + timedelta]``). Every subgraph is sampled by rdl's `TemporalNeighborSampler` at
the row's own seed time, so no row dated after ``t`` reaches the model; the destination
lists are used only as training targets of their own row and to score.

* two-tower (RelBench ``examples/gnn_link.py`` with ``--share_same_time``): a mini-batch
  holds source rows of one seed time ``t``; the sources are embedded from their subgraphs
  at ``t``, and so are the batch's destinations — the positives of every row of the batch
  (in-batch negatives for the other rows) plus ``num_negatives`` destinations drawn
  uniformly from those that exist at ``t``, at most ``max_dst_per_batch`` of them
  (memory). Loss: BPR (Rendle et al., UAI 2009) over every
  (row, positive, negative) triple of the batch. Evaluation embeds every destination that
  exists at ``t`` once per distinct seed time and ranks all of them.
* ID-GNN (RelBench ``examples/idgnn_link.py``; `rdl.train.link.idgnn`): one subgraph
  per source row, sampled with as many hops as the foreign-key path from the source table
  to the destination table needs (hops beyond ``config.num_layers`` only follow edges
  toward the destination table); edges in both directions; BCE of every reached
  destination against the row's destination list. Evaluation ranks the reached
  destinations by score, then the others by global popularity at ``t``
  (`rdl.tasks.LinkHistory`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.nn.link import TwoTowerModel
from rdl.runtime.memory import release_free_memory
from rdl.sampling.loader import to_batch
from rdl.train.config import TrainConfig
from rdl.train.link.seeds import LinkSeeds, make_link_seeds
from rdl.train.trainer import Trainer, backbone_kwargs


def bpr_loss(scores: torch.Tensor, pos: torch.Tensor) -> tuple[torch.Tensor, int]:
    """BPR (Rendle et al., UAI 2009) over every triple (row ``i``, positive ``j``,
    negative ``l``) of a score matrix: the mean of ``softplus(s_il - s_ij)``.

    Args:
        scores: ``[b, M]`` scores; pos: ``[b, M]`` bool, the positives of each row (every
            other destination of the row is a negative).

    Returns:
        ``(loss, number of positives)``; ``(0, 0)`` when no row has a positive and a
        negative. Memory ``[num_positives, M]`` — a ``[b, M, M]`` tensor of every triple
        took 1.7 GB at ``b = 512, M = 900``.
    """
    bi, bj = pos.nonzero(as_tuple=True)
    neg = ~pos[bi]
    if not neg.any():
        return scores.sum() * 0.0, 0
    diff = scores[bi] - scores[bi, bj].unsqueeze(1)
    return (F.softplus(diff) * neg).sum() / neg.sum(), len(bi)


def _chunks(index: np.ndarray, size: int) -> list[np.ndarray]:
    return np.array_split(index, max(1, -(-len(index) // size)))


class LinkTrainer(Trainer):
    """What the two link models share: seeds, candidates (destinations that exist at
    ``t``), popularity, ranking and the ranking metrics at ``eval_k``.

    Args:
        task: a `rdl.tasks.LinkTask`.
        graph: the database's `GraphData`.
        config: `TrainConfig` (``batch_size`` = source rows per mini-batch).
        history: a `rdl.tasks.LinkHistory` of ``task`` to share (popularity at ``t``),
            observing links in ``task.input_db(config.protocol)``.
    """

    num_hops: int  # message-passing hops (set by each model's trainer)

    def __init__(self, task, graph: GraphData, config: TrainConfig, *, history=None):
        super().__init__(task, graph, config)
        self.num_dst = graph.num_nodes[task.dst_entity_table]
        dst_pk = graph.pkey_values[task.dst_entity_table]
        self.dst_keys = dst_pk if dst_pk is not None else np.arange(self.num_dst)
        self._history = history

    def _common_kwargs(self) -> dict:
        return dict(
            backbone_kwargs(self.graph, self.config),
            src_table=self.task.src_entity_table,
            dst_table=self.task.dst_entity_table,
        )

    @property
    def popularity(self):
        """The task's `LinkHistory` (links observed by ``t``)."""
        if self._history is None:
            from rdl.tasks import LinkHistory

            self._history = LinkHistory(self.task, self.task.input_db(self.config.protocol))
        return self._history

    def make_seeds(self, table) -> LinkSeeds:
        return make_link_seeds(self.task, table, self.graph)

    def candidates(self, t_seconds: int) -> np.ndarray:
        """Node indices of the destinations that exist at ``t`` (seconds since epoch): the
        graph's destination rows dated ``<= t`` (all of them for a table without a time
        column) — `LinkTask.candidate_mask` on the database the graph was built from."""
        node_time = self.graph.node_time[self.task.dst_entity_table]
        if node_time is None:
            return np.arange(self.num_dst)
        return np.flatnonzero(node_time <= t_seconds)

    def popular_nodes(self, t_seconds: int) -> np.ndarray:
        """Node indices of the existing destinations at ``t`` in popularity order."""
        keys = self.popularity.popularity(pd.Timestamp(int(t_seconds), unit="s"))
        return self.graph.node_index(self.task.dst_entity_table, keys)

    def sample(self, sampler, table: str, nodes: np.ndarray, times: np.ndarray):
        """``(SampledSubgraph, HeteroData)`` of seeds ``nodes`` of ``table`` at ``times``."""
        sub = sampler.sample(table, nodes, times)
        return sub, to_batch(sub, self.graph.node_time)

    def scores(self, sampler, seeds: LinkSeeds, rows: np.ndarray, t: int) -> torch.Tensor:
        """``[len(rows), num_dst]`` scores of every destination for ``rows`` (all at seed
        time ``t``); ``-inf`` for destinations that do not exist at ``t``."""
        raise NotImplementedError

    @torch.no_grad()
    def rank(self, seeds: LinkSeeds) -> np.ndarray:
        """Top-``eval_k`` destinations per seed row, best first: ``[n, eval_k]`` primary-key
        values of the destination table (only destinations that exist at the row's seed
        time). Sampling uses a sampler seeded with ``config.seed`` (reproducible)."""
        self.model.eval()
        sampler = self.sampler()
        k = self.task.eval_k
        out = np.zeros((len(seeds), k), dtype=np.int64)
        for t in np.unique(seeds.time):
            rows = np.flatnonzero(seeds.time == t)
            out[rows] = torch.topk(
                self.scores(sampler, seeds, rows, int(t)), k, dim=1
            ).indices.numpy()
            release_free_memory()
        return self.dst_keys[out]

    predict = rank

    def score(self, seeds: LinkSeeds, pred: np.ndarray) -> dict[str, float]:
        true = seeds.df[self.task.dst_entity_col].tolist()
        return {m: float(METRICS[m](true, pred, k=self.task.eval_k)) for m in self.task.metrics}

    def checkpoint_fields(self) -> dict:
        return {
            "model": self.name,
            "fanouts": self.fanouts,
            "src_entity_table": self.task.src_entity_table,
            "dst_entity_table": self.task.dst_entity_table,
            "eval_k": self.task.eval_k,
            "text_encoders": self.graph.text_encoders,
        }

    def run_fields(self) -> dict:
        return {"eval_k": self.task.eval_k}

    def baseline_inputs(self) -> dict:
        return {"link_history": self._history}

    def prediction_frames(self, seeds: dict, pred: dict) -> list:
        """One frame per split: source key, seed time, true destinations, ranked ones."""
        from rdl.results import prediction_frame

        t = self.task
        return [
            prediction_frame(
                split,
                seeds[split].df[t.src_entity_col],
                seeds[split].df[t.time_col],
                seeds[split].df[t.dst_entity_col],
                {self.name: pred[split]},
            )
            for split in ("val", "test")
        ]

    def result_fields(self) -> dict:
        return {"num_hops": self.num_hops}


class TwoTowerTrainer(LinkTrainer):
    """Two-tower link model (`rdl.nn.link.TwoTowerModel`) with BPR loss.

    Args:
        task, graph, config, history: see `LinkTrainer`.
        shallow: add a learned per-row embedding to the destination rows (default:
            ``config.shallow``).
        num_negatives: random destinations per mini-batch, on top of the in-batch ones
            (all existing destinations when there are fewer; default:
            ``config.num_negatives``).
        max_dst_per_batch: destinations embedded per training batch at most (negatives
            included): when a batch's rows link to more, a random subset of those
            destinations is kept (with the rows that link to them). Each destination
            brings its whole sampled subgraph into the batch, so this bounds memory: on
            synthetic-ratings (100k rows, 512 users a batch linking to ~900 items) the
            process peaked at 4.2 GB without it.
    """

    name = "two-tower"

    def __init__(
        self,
        task,
        graph: GraphData,
        config: TrainConfig,
        *,
        shallow: bool | None = None,
        num_negatives: int | None = None,
        max_dst_per_batch: int = 256,
        history=None,
    ):
        super().__init__(task, graph, config, history=history)
        shallow = config.shallow if shallow is None else shallow
        num_negatives = config.num_negatives if num_negatives is None else num_negatives
        self.shallow, self.num_negatives = bool(shallow), int(num_negatives)
        self.max_dst_per_batch = int(max_dst_per_batch)
        self.num_hops = config.num_layers
        self.kwargs = dict(
            self._common_kwargs(),
            num_layers=config.num_layers,
            num_dst_nodes=self.num_dst,
            shallow=self.shallow,
        )
        self.model = TwoTowerModel(**self.kwargs)
        self.train_sampler = self.sampler()

    def train_batches(self, seeds: LinkSeeds, rng: np.random.Generator) -> list[np.ndarray]:
        """Row indices per mini-batch; each batch holds rows of one seed time."""
        self._rng = rng  # the negatives are drawn from the same generator, batch by batch
        bs = self.batch_size
        batches = []
        for t in np.unique(seeds.time):
            rows = rng.permutation(np.flatnonzero(seeds.time == t))
            batches += [rows[i : i + bs] for i in range(0, len(rows), bs)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def batch_loss(
        self, seeds: LinkSeeds, rows: np.ndarray, rng=None
    ) -> tuple[torch.Tensor, int, int]:
        """BPR over every (row, positive, negative) triple of the batch; ``weight`` is the
        number of positives."""
        rng = rng if rng is not None else self._rng
        release_free_memory()  # the previous batch's tensors (rdl.runtime.memory)
        t, num_seeds = int(seeds.time[rows[0]]), len(rows)
        which, pos_dst = seeds.positives(rows)
        cand = self.candidates(t)
        neg = (
            cand
            if self.num_negatives >= len(cand)
            else rng.choice(cand, self.num_negatives, replace=False)
        )
        uniq = np.unique(pos_dst)
        room = max(self.max_dst_per_batch - len(neg), 1)
        if len(uniq) > room:  # bound the destination tower: a random share of the positives
            keep = np.isin(pos_dst, rng.choice(uniq, room, replace=False))
            which, pos_dst = which[keep], pos_dst[keep]
            kept_rows, which = np.unique(which, return_inverse=True)
            rows = rows[kept_rows]
        dst_nodes, pos_col = np.unique(np.concatenate([pos_dst, neg]), return_inverse=True)
        pos_col = pos_col[: len(pos_dst)]
        _, src_batch = self.sample(
            self.train_sampler, self.task.src_entity_table, seeds.src[rows], seeds.time[rows]
        )
        _, dst_batch = self.sample(
            self.train_sampler,
            self.task.dst_entity_table,
            dst_nodes,
            np.full(len(dst_nodes), t, dtype=np.int64),
        )
        with self.config.autocast():
            scores = self.model(src_batch, dst_batch, self.graph.tf_dict).float()
        pos = torch.zeros(scores.shape, dtype=torch.bool)
        pos[torch.from_numpy(which), torch.from_numpy(pos_col)] = True
        loss, n = bpr_loss(scores, pos)
        return loss, n, num_seeds

    def scores(self, sampler, seeds: LinkSeeds, rows: np.ndarray, t: int) -> torch.Tensor:
        """Inner products of source and destination embeddings at ``t``."""
        bs = self.config.batch_size
        cand = self.candidates(t)
        with self.config.autocast():
            dst_emb = torch.cat(
                [
                    self.model.encode(
                        self.sample(
                            sampler, self.task.dst_entity_table, c, np.full(len(c), t, np.int64)
                        )[1],
                        self.graph.tf_dict,
                        "dst",
                    ).float()
                    for c in _chunks(cand, bs)
                ]
            )
            src_emb = torch.cat(
                [
                    self.model.encode(
                        self.sample(
                            sampler, self.task.src_entity_table, seeds.src[r], seeds.time[r]
                        )[1],
                        self.graph.tf_dict,
                        "src",
                    ).float()
                    for r in _chunks(rows, bs)
                ]
            )
        out = torch.full((len(rows), self.num_dst), float("-inf"))
        out[:, torch.from_numpy(cand)] = src_emb @ dst_emb.t()
        return out

    def result_fields(self) -> dict:
        return {"num_hops": self.num_hops, "shallow": self.shallow}


__all__ = ["LinkTrainer", "TwoTowerTrainer", "bpr_loss"]
