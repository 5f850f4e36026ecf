"""Training and evaluation of link models (`rdl.nn.link`) on link tasks
(`rdl.tasks.LinkTask`); `train_link_task` is ``rdl train`` for link tasks.

Seeds are the task-table rows (source, seed time ``t``, destinations linked in
``(t, t + timedelta]``). Every subgraph is sampled by rdl's `TemporalNeighborSampler` at
the row's own seed time, so no row dated after ``t`` reaches the model; the destination
lists are used only as training targets of their own row and to score.

* two-tower (RelBench ``examples/gnn_link.py`` with ``--share_same_time``): a mini-batch
  holds source rows of one seed time ``t``; the sources are embedded from their subgraphs
  at ``t``, and so are the batch's destinations — the positives of every row of the batch
  (in-batch negatives for the other rows) plus ``num_negatives`` destinations drawn
  uniformly from those that exist at ``t``. Loss: BPR (Rendle et al., UAI 2009) over every
  (row, positive, negative) triple of the batch. Evaluation embeds every destination that
  exists at ``t`` once per distinct seed time and ranks all of them.
* ID-GNN (RelBench ``examples/idgnn_link.py``): one subgraph per source row, sampled with
  as many hops as the foreign-key path from the source table to the destination table
  needs (hops beyond ``config.num_layers`` only follow edges toward the destination
  table); edges in both directions; BCE of every reached destination against the row's
  destination list. Evaluation ranks the reached destinations by score, then the others
  by global popularity at ``t`` (`rdl.baselines.link.LinkHistory`).
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.nn.link import IDGNNModel, TwoTowerModel
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import to_batch
from rdl.train.config import TrainConfig
from rdl.train.early_stopping import EarlyStopping
from rdl.train.seeds import to_seconds

MODELS = ("two-tower", "idgnn")
CHECKPOINT = "model.pt"


# --------------------------------------------------------------------------- seeds


@dataclass
class LinkSeeds:
    """One split's link seeds.

    Attributes:
        src: ``int64 [n]`` source node indices (rows of the source table).
        time: ``int64 [n]`` seed times, seconds since epoch.
        dst_ptr, dst: CSR of the destination node indices of each row: row ``i`` links to
            ``dst[dst_ptr[i]:dst_ptr[i + 1]]`` (empty when the labels are hidden).
        df: the task table.
    """

    src: np.ndarray
    time: np.ndarray
    dst_ptr: np.ndarray
    dst: np.ndarray
    df: pd.DataFrame

    def __len__(self) -> int:
        return len(self.src)

    def positives(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row position in rows, destination node)`` of every link of ``rows``."""
        counts = self.dst_ptr[rows + 1] - self.dst_ptr[rows]
        which = np.repeat(np.arange(len(rows)), counts)
        starts = np.repeat(self.dst_ptr[rows], counts)
        offset = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, self.dst[starts + offset]


def make_link_seeds(task, table, graph: GraphData) -> LinkSeeds:
    """Seeds of a link task table (`rdl.Table` or DataFrame from ``task.get_table``).

    Raises:
        KeyError: a source or destination id is not a row of its table.
    """
    df = getattr(table, "df", table)
    src = graph.node_index(task.src_entity_table, df[task.src_entity_col].to_numpy())
    seconds = to_seconds(df[task.time_col])
    if task.dst_entity_col in df.columns:
        lists = df[task.dst_entity_col].tolist()
        counts = np.array([len(x) for x in lists], dtype=np.int64)
        flat = [v for x in lists for v in x]
        dst = graph.node_index(task.dst_entity_table, flat) if flat else np.zeros(0, np.int64)
    else:
        counts = np.zeros(len(df), dtype=np.int64)
        dst = np.zeros(0, np.int64)
    ptr = np.zeros(len(df) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return LinkSeeds(src, seconds, ptr, dst, df)


# --------------------------------------------------------------------------- sampling


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


def idgnn_fanouts(edge_types, src_table: str, dst_table: str,
                  num_neighbors: list[int]) -> tuple[int, object]:
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
        raise ValueError(f"ID-GNN: table {dst_table!r} is not reachable from {src_table!r} "
                         "through foreign keys; use the two-tower model")
    base = len(num_neighbors)
    hops = max(base, dist[src_table])
    if hops == base:
        return hops, list(num_neighbors)
    fan = {}
    for et in edge_types:
        new, _, frontier = et  # sampling a frontier node of type `frontier` adds `new` nodes
        per_hop = list(num_neighbors)
        for h in range(base + 1, hops + 1):
            toward = (new in dist and frontier in dist and dist[new] == dist[frontier] - 1
                      and dist[new] <= hops - h)
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


# --------------------------------------------------------------------------- trainer


def _autocast(config):
    fn = getattr(config, "autocast", None)
    return fn() if callable(fn) else contextlib.nullcontext()


class LinkTrainer:
    """Trains a two-tower or ID-GNN link model on one link task.

    Adam (``config.lr``), fixed seeds, evaluation on the validation seeds after every
    epoch, early stopping (``config.patience``) and best-checkpoint restore on
    ``task.metrics[0]`` (MAP@k by default).

    Args:
        task: a `rdl.tasks.LinkTask`.
        graph: the database's `GraphData`.
        config: `TrainConfig` (``batch_size`` = source rows per mini-batch).
        model: ``"two-tower"`` or ``"idgnn"``.
        shallow: two-tower only: add a learned per-row embedding to the destination rows.
        num_negatives: two-tower only: random destinations per mini-batch, on top of the
            in-batch ones (all existing destinations when there are fewer).
        history: a `rdl.baselines.link.LinkHistory` to share (ID-GNN's popularity fill).

    Raises:
        ValueError: unknown ``model``; ID-GNN with a destination table that foreign keys
            do not connect to the source table.
    """

    def __init__(self, task, graph: GraphData, config: TrainConfig, model: str = "two-tower",
                 *, shallow: bool = False, num_negatives: int = 64, history=None):
        if model not in MODELS:
            raise ValueError(f"unknown link model {model!r}; choose one of {list(MODELS)}")
        self.task, self.graph, self.config, self.kind = task, graph, config, model
        self.num_negatives = int(num_negatives)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        np.random.seed(config.seed)
        common = dict(
            col_names_dict={t: tf.col_names_dict for t, tf in graph.tf_dict.items()},
            col_stats=graph.col_stats,
            node_types=graph.node_types,
            edge_types=graph.edge_types,
            time_tables=[t for t, v in graph.node_time.items() if v is not None],
            src_table=task.src_entity_table,
            dst_table=task.dst_entity_table,
            channels=config.channels,
            aggr=config.aggr,
            encoder_layers=config.encoder_layers,
        )
        if model == "two-tower":
            self.num_hops, self.fanouts = config.num_layers, list(config.num_neighbors)
            self.kwargs = dict(common, num_layers=config.num_layers,
                               num_dst_nodes=graph.num_nodes[task.dst_entity_table],
                               shallow=shallow)
            self.model = TwoTowerModel(**self.kwargs)
        else:
            self.num_hops, self.fanouts = idgnn_fanouts(
                graph.edge_types, task.src_entity_table, task.dst_entity_table,
                list(config.num_neighbors))
            self.kwargs = dict(common, num_layers=self.num_hops)
            self.model = IDGNNModel(**self.kwargs)
        self.csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
        self.sampler = self._sampler(config.seed)
        self.num_dst = graph.num_nodes[task.dst_entity_table]
        dst_pk = graph.pkey_values[task.dst_entity_table]
        self.dst_keys = dst_pk if dst_pk is not None else np.arange(self.num_dst)
        self._history = history
        self.history: list[dict] = []

    # helpers ----------------------------------------------------------------------------
    def _sampler(self, seed: int) -> TemporalNeighborSampler:
        return TemporalNeighborSampler(self.csc, self.graph.num_nodes, self.graph.node_time,
                                       self.fanouts, self.config.temporal_strategy, seed=seed)

    @property
    def popularity(self):
        if self._history is None:
            from rdl.baselines.link import LinkHistory

            self._history = LinkHistory(self.task)
        return self._history

    def _candidates(self, t_seconds: int) -> np.ndarray:
        """Node indices of the destinations that exist at ``t``."""
        mask = self.task.candidate_mask(pd.Timestamp(int(t_seconds), unit="s"))
        return np.flatnonzero(mask)

    def _sample(self, sampler, table: str, nodes: np.ndarray, times: np.ndarray):
        sub = sampler.sample(table, nodes, times)
        return sub, to_batch(sub, self.graph.node_time)

    # batches ----------------------------------------------------------------------------
    def _train_batches(self, seeds: LinkSeeds, rng: np.random.Generator) -> list[np.ndarray]:
        """Row indices per mini-batch; two-tower batches share one seed time."""
        bs = self.config.batch_size
        if self.kind == "idgnn":
            order = rng.permutation(len(seeds))
            return [order[i:i + bs] for i in range(0, len(order), bs)]
        batches = []
        for t in np.unique(seeds.time):
            rows = rng.permutation(np.flatnonzero(seeds.time == t))
            batches += [rows[i:i + bs] for i in range(0, len(rows), bs)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def _two_tower_loss(self, seeds: LinkSeeds, rows: np.ndarray, rng) -> tuple[torch.Tensor, int]:
        t = int(seeds.time[rows[0]])
        which, pos_dst = seeds.positives(rows)
        cand = self._candidates(t)
        neg = cand if self.num_negatives >= len(cand) else rng.choice(
            cand, self.num_negatives, replace=False)
        dst_nodes, pos_col = np.unique(np.concatenate([pos_dst, neg]), return_inverse=True)
        pos_col = pos_col[: len(pos_dst)]
        _, src_batch = self._sample(self.sampler, self.task.src_entity_table, seeds.src[rows],
                                    seeds.time[rows])
        _, dst_batch = self._sample(self.sampler, self.task.dst_entity_table, dst_nodes,
                                    np.full(len(dst_nodes), t, dtype=np.int64))
        with _autocast(self.config):
            scores = self.model(src_batch, dst_batch, self.graph.tf_dict).float()
        pos = torch.zeros(scores.shape, dtype=torch.bool)
        pos[torch.from_numpy(which), torch.from_numpy(pos_col)] = True
        # BPR over every (row, positive, negative) triple
        diff = scores.unsqueeze(1) - scores.unsqueeze(2)  # [b, pos j, neg l]: s_il - s_ij
        valid = pos.unsqueeze(2) & ~pos.unsqueeze(1)
        if not valid.any():
            return scores.sum() * 0.0, 0
        return F.softplus(diff[valid]).mean(), int(pos.sum())

    def _idgnn_loss(self, seeds: LinkSeeds, rows: np.ndarray) -> tuple[torch.Tensor, int]:
        sub, batch = self._sample(self.sampler, self.task.src_entity_table, seeds.src[rows],
                                  seeds.time[rows])
        edges = bidirectional(sub, self.graph.edge_types)
        with _autocast(self.config):
            logits = self.model(batch, self.graph.tf_dict, edges).float()
        if logits.numel() == 0:
            return logits.sum(), 0
        target = self._idgnn_target(seeds, rows, sub)
        return F.binary_cross_entropy_with_logits(logits, target), logits.numel()

    def _idgnn_target(self, seeds: LinkSeeds, rows: np.ndarray, sub) -> torch.Tensor:
        """1 for every reached destination copy that the copy's own row links to."""
        which, pos_dst = seeds.positives(rows)
        dst_t = self.task.dst_entity_table
        key = sub.batch[dst_t] * self.num_dst + sub.node[dst_t]
        return torch.from_numpy(np.isin(key, which * self.num_dst + pos_dst).astype(np.float32))

    # training ---------------------------------------------------------------------------
    def fit(self, train: LinkSeeds, val: LinkSeeds, progress: bool = True) -> list[dict]:
        """Train for ``config.epochs`` (or until ``patience`` runs out), evaluating on
        ``val`` after every epoch, and restore the best model.

        Returns:
            one dict per epoch: ``epoch``, ``loss``, ``val`` metrics, ``train_seconds``,
            ``seconds``, ``rows_per_s``.

        Raises:
            ValueError: ID-GNN reached no destination in a whole epoch (more hops or
                larger fanouts needed).
        """
        cfg = self.config
        metric = self.task.metrics[0]
        stopper = EarlyStopping(metric, cfg.patience)
        opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        rng = np.random.default_rng(cfg.seed)
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            self.model.train()
            batches = self._train_batches(train, rng)[: cfg.max_steps_per_epoch]
            total, count, rows_done = 0.0, 0, 0
            bar = tqdm(total=len(batches), desc=f"epoch {epoch}/{cfg.epochs}",
                       disable=not progress, unit="batch", leave=False)
            for rows in batches:
                if self.kind == "two-tower":
                    loss, n = self._two_tower_loss(train, rows, rng)
                else:
                    loss, n = self._idgnn_loss(train, rows)
                if n:
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * n
                    count += n
                rows_done += len(rows)
                bar.update(1)
                bar.set_postfix(loss=f"{total / max(count, 1):.4f}",
                                rows_s=f"{rows_done / (time.perf_counter() - t0):.0f}")
            bar.close()
            if self.kind == "idgnn" and count == 0:
                raise ValueError(
                    f"ID-GNN did not reach a single {self.task.dst_entity_table!r} node in any "
                    f"mini-batch of epoch {epoch}; increase the fanouts (--num-neighbors) or "
                    "the number of layers")
            train_s = time.perf_counter() - t0
            val_metrics = self.evaluate(val)
            record = {"epoch": epoch, "loss": total / max(count, 1), "val": val_metrics,
                      "train_seconds": train_s, "seconds": time.perf_counter() - t0,
                      "rows_per_s": rows_done / max(train_s, 1e-9)}
            self.history.append(record)
            if progress:
                tqdm.write(f"epoch {epoch}: loss {record['loss']:.4f}  val {metric} "
                           f"{val_metrics[metric]:.4f}  ({record['seconds']:.1f} s)")
            if stopper.update(val_metrics[metric], self.model):
                break
        stopper.restore(self.model)
        return self.history

    # ranking ----------------------------------------------------------------------------
    @torch.no_grad()
    def rank(self, seeds: LinkSeeds) -> np.ndarray:
        """Top-``eval_k`` destinations per seed row, best first: ``[n, eval_k]`` primary-key
        values of the destination table (only destinations that exist at the row's seed
        time). Sampling uses a sampler seeded with ``config.seed`` (reproducible)."""
        self.model.eval()
        sampler = self._sampler(self.config.seed)
        k = self.task.eval_k
        out = np.zeros((len(seeds), k), dtype=np.int64)
        for t in np.unique(seeds.time):
            rows = np.flatnonzero(seeds.time == t)
            scores = (self._two_tower_scores if self.kind == "two-tower"
                      else self._idgnn_scores)(sampler, seeds, rows, int(t))
            out[rows] = torch.topk(scores, k, dim=1).indices.numpy()
        return self.dst_keys[out]

    def _two_tower_scores(self, sampler, seeds, rows, t) -> torch.Tensor:
        """``[len(rows), num_dst]`` inner products; ``-inf`` for destinations absent at t."""
        bs = self.config.batch_size
        cand = self._candidates(t)
        with _autocast(self.config):
            dst_emb = torch.cat([
                self.model.encode(self._sample(sampler, self.task.dst_entity_table, c,
                                               np.full(len(c), t, np.int64))[1],
                                  self.graph.tf_dict, "dst").float()
                for c in np.array_split(cand, max(1, -(-len(cand) // bs)))])
            src_emb = torch.cat([
                self.model.encode(self._sample(sampler, self.task.src_entity_table,
                                               seeds.src[r], seeds.time[r])[1],
                                  self.graph.tf_dict, "src").float()
                for r in np.array_split(rows, max(1, -(-len(rows) // bs)))])
        scores = torch.full((len(rows), self.num_dst), float("-inf"))
        scores[:, torch.from_numpy(cand)] = src_emb @ dst_emb.t()
        return scores

    def _idgnn_scores(self, sampler, seeds, rows, t) -> torch.Tensor:
        """``[len(rows), num_dst]``: reached destinations score ``sigmoid(logit)`` in
        (0, 1); the other existing ones ``-1 - popularity rank`` (so they follow, in
        popularity order); absent ones ``-inf``."""
        fill = torch.full((self.num_dst,), float("-inf"))
        pop = self.task_pop_nodes(t)
        fill[torch.from_numpy(pop)] = -1.0 - torch.arange(len(pop), dtype=torch.float)
        scores = fill.repeat(len(rows), 1)
        dst_t = self.task.dst_entity_table
        bs = self.config.batch_size
        for part in np.array_split(np.arange(len(rows)), max(1, -(-len(rows) // bs))):
            r = rows[part]
            sub, batch = self._sample(sampler, self.task.src_entity_table, seeds.src[r],
                                      seeds.time[r])
            with _autocast(self.config):
                logits = self.model(batch, self.graph.tf_dict,
                                    bidirectional(sub, self.graph.edge_types)).float()
            if logits.numel():
                seed_of = torch.from_numpy(part[sub.batch[dst_t]])
                scores[seed_of, torch.from_numpy(sub.node[dst_t])] = torch.sigmoid(logits)
        return scores

    def task_pop_nodes(self, t_seconds: int) -> np.ndarray:
        """Node indices of the existing destinations at ``t`` in popularity order."""
        keys = self.popularity.popularity(pd.Timestamp(int(t_seconds), unit="s"))
        return self.graph.node_index(self.task.dst_entity_table, keys)

    def evaluate(self, seeds: LinkSeeds, pred: np.ndarray | None = None) -> dict[str, float]:
        """``{metric: value}`` at ``eval_k`` for every metric of the task."""
        if pred is None:
            pred = self.rank(seeds)
        true = seeds.df[self.task.dst_entity_col].tolist()
        return {m: float(METRICS[m](true, pred, k=self.task.eval_k)) for m in self.task.metrics}


# --------------------------------------------------------------------------- the job


def train_link_task(
    db,
    task_spec,
    config: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    *,
    model: str = "two-tower",
    baselines: bool = True,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    shallow: bool = False,
    num_negatives: int = 64,
    task_name: str | None = None,
    db_url: str | None = None,
) -> dict:
    """Train and evaluate a link model on one link task, beside the link baselines.

    Args:
        db: a database URL / path, or a `Database`.
        task_spec: ``FILE.py:NAME`` or a built-in name
            (``rel-f1/driver-circuit-compete``), or a `LinkTask` class or instance.
        config: `TrainConfig` (defaults: RelBench's; ``num_neighbors`` are the first
            hops' fanouts, see `idgnn_fanouts`).
        out_dir: where ``results.json`` and ``model.pt`` go (``None``: nothing written).
        model: ``"two-tower"`` or ``"idgnn"``.
        baselines: also run `rdl.baselines.link.run_link_baselines` (same report).
        cache_dir: graph / text-embedding cache.
        shallow, num_negatives: see `LinkTrainer`.
        task_name, db_url: names for the report (default: the spec and the URL).

    Returns:
        the results dict of `rdl.train.train_task` (``task``, ``db``, ``splits``,
        ``baselines``, ``models`` (here ``{model: {"val", "test", "fit_seconds",
        "epochs_run", "history"}}`` with the ranking metrics at ``eval_k``), ``timing``,
        ``peak_rss_mb``, ``config``) plus ``eval_k`` and ``task_type``.

    Raises:
        ValueError: not a link task, or an unknown ``model``.
    """
    from rdl.report import write_results
    from rdl.train.run import _open, add_timing, resolve_task, split_tables_and_graph

    t_start = time.perf_counter()
    if model not in MODELS:
        raise ValueError(f"unknown link model {model!r}; choose one of {list(MODELS)}")
    config = config or TrainConfig()
    database, url = _open(db)
    task, spec = resolve_task(task_spec, database)
    if str(task.task_type) != "link_prediction":
        raise ValueError(f"train_link_task: task {spec!r} is a {task.task_type} task; use "
                         "rdl.train.train_task")
    tables, graph, graph_build_s = split_tables_and_graph(task, database, config, cache_dir)
    seeds = {s: make_link_seeds(task, t, graph) for s, t in tables.items()}

    from rdl.baselines.link import LinkHistory, run_link_baselines

    history = LinkHistory(task)
    t0 = time.perf_counter()
    trainer = LinkTrainer(task, graph, config, model, shallow=shallow,
                          num_negatives=num_negatives, history=history)
    epochs = trainer.fit(seeds["train"], seeds["val"], progress=progress)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    val = trainer.evaluate(seeds["val"])
    test = trainer.evaluate(seeds["test"])
    eval_s = time.perf_counter() - t0

    results = {
        "task": task_name or spec,
        "db": db_url or url,
        "task_type": str(task.task_type),
        "metrics": list(task.metrics),
        "eval_k": task.eval_k,
        "splits": {s: len(t.df) for s, t in tables.items()},
        "baselines": {},
        "models": {model: {"val": val, "test": test, "fit_seconds": train_s,
                           "eval_seconds": eval_s, "epochs_run": len(epochs),
                           "history": epochs, "num_hops": trainer.num_hops,
                           "shallow": bool(shallow) if model == "two-tower" else None}},
    }
    if baselines:
        results["baselines"] = run_link_baselines(database, task, history=history)["baselines"]
    add_timing(results, graph, graph_build_s, train_s, epochs, t_start, config)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        torch.save({
            "state_dict": trainer.model.state_dict(),
            "model": model,
            "model_kwargs": trainer.kwargs,
            "fanouts": trainer.fanouts,
            "config": config.to_dict(),
            "task_spec": spec,
            "task_type": str(task.task_type),
            "src_entity_table": task.src_entity_table,
            "dst_entity_table": task.dst_entity_table,
            "eval_k": task.eval_k,
            "db": url,
        }, out / CHECKPOINT)
        write_results(results, out)
    return results


__all__ = ["LinkSeeds", "LinkTrainer", "MODELS", "bidirectional", "idgnn_fanouts",
           "make_link_seeds", "schema_distances", "train_link_task"]
