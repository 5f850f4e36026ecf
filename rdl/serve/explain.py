"""Why did a trained entity model predict what it did? (``rdl explain``)

Attribution of one prediction (`explain_prediction`) to the tables and rows of the seed's
sampled temporal subgraph. Table importance over the predictions of a whole split
(`explain_global`, `GlobalExplanation`) lives in `rdl.serve.explain_global`.

Methods:

* ``"grad_x_input"`` (default): gradient × input on the *row encodings*, against a
  reference (Shrikumar et al. 2017, "Learning Important Features Through Propagating
  Activation Differences" — gradient × (input − reference), the first-order DeepLIFT /
  Integrated-Gradients approximation). For every sampled row copy ``v`` of table ``T``,
  ``c_v = sum_channels((e_v - mean_T) * d y / d x_v)``: ``x_v`` is the input of message
  passing (`rdl.nn.RelationalBackbone.features`: the row's ResNet encoding ``e_v`` plus
  its temporal encoding), ``mean_T`` the mean row encoding of up to 2,048 rows of ``T``
  dated ``<=`` the seed time (the reference: "an average row of its table"), and ``y``
  the seed's logit (binary), value (regression) or the logit of the most probable class
  (multiclass / multilabel). So ``c_v`` is what the row's *contents* add to ``y``
  compared with an average row of its table; when a row is dated is not attributed.
  (With a zero reference, the constant part of every learned encoding would be
  attributed too: on a toy database whose signal sits in one table the seed row then
  takes a third of the attribution although its columns are noise.) A table's
  contribution is the sum over its rows; its *share* is ``sum |c_v|`` over its rows
  divided by the sum over all rows of the subgraph.
* ``"attention"`` (models trained with ``--pooling attention`` only): the attention
  weights of the readout (`rdl.nn.SubgraphPooling`, gated attention pooling) over the
  nodes that reach it; a table's share is the sum of its rows' weights.

The subgraph is sampled exactly as for `rdl.train.predict_at` (the model's fanouts and
seed; only rows dated ``<= at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rdl.db import Database
from rdl.db.errors import ArgumentError, arg
from rdl.serve.predict import load_entity_model
from rdl.train.heads import HEADS
from rdl.train.seed_inputs import seed_input_fn

METHODS = {
    "grad_x_input": "gradient × input on the row encodings (gradient of the seed's {target} "
    "times the row's encoding minus its table's mean row encoding, summed "
    "over channels)",
    "attention": "attention weights of the readout (gated attention pooling) over the sampled rows",
}


@dataclass
class Explanation:
    """One prediction explained (plain data; `rdl.report.explain` renders it).

    Attributes:
        method: the method's key (`METHODS`) and ``method_text`` its description.
        entity_table, entity, at: the seed (primary-key value, seed time).
        prediction: the model's output for the seed (probability / value / list).
        tables: DataFrame ``[table, rows, contribution, abs_contribution, share]``, one
            row per table of the subgraph, by ``share`` descending (shares sum to 1).
        rows: DataFrame ``[table, key, time, hop, contribution, abs_contribution, share]``
            of the ``top`` rows with the largest ``abs_contribution`` (a row sampled
            several times in the subgraph counts once, its copies summed).
    """

    method: str
    method_text: str
    entity_table: str
    entity: object
    at: pd.Timestamp
    prediction: object
    tables: pd.DataFrame
    rows: pd.DataFrame


def _target(out: torch.Tensor, task_type) -> tuple[torch.Tensor, str]:
    """The scalar per seed that is explained, and its name (the kind's
    `rdl.train.heads.EntityHead.explain_target`)."""
    return HEADS.get(task_type).explain_target(out)


def _prediction(out: torch.Tensor, task_type, clamp) -> list:
    return HEADS.get(task_type).output(out, clamp).tolist()


#: the pseudo-table of a model's seed inputs (`rdl.nn.seed_inputs`: the entity's
#: aggregates and past labels at its cut-off, its staleness), scored as one "row" per seed
SEED_INPUTS = "(seed inputs)"


@torch.no_grad()
def reference_encodings(
    model, graph, until: int | None = None, max_rows: int = 2048, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Per table the mean row encoding ``[channels]`` of up to ``max_rows`` rows (drawn
    with ``seed``) dated ``<= until`` (seconds since epoch; static tables: any row) — the
    reference of ``"grad_x_input"``."""
    model.eval()
    rng = np.random.default_rng(seed)
    out = {}
    for t, tf in graph.tf_dict.items():
        times = graph.node_time.get(t)
        rows = (
            np.arange(len(tf)) if times is None or until is None else np.flatnonzero(times <= until)
        )
        if len(rows) == 0:
            rows = np.arange(len(tf))
        if len(rows) > max_rows:
            rows = np.sort(rng.choice(rows, max_rows, replace=False))
        if len(rows):
            out[t] = model.backbone.encoder(t, tf[torch.from_numpy(rows)]).float().mean(0)
    return out


def attribute(
    model,
    graph,
    batch,
    task_type: str,
    method: str = "grad_x_input",
    reference: dict[str, torch.Tensor] | None = None,
):
    """Per sampled row copy attributions of a batch of seeds.

    Args:
        model: an `rdl.nn.RDLModel` (eval mode is set).
        graph: its `GraphData`; ``batch``: `HeteroData` from `rdl.sampling.loader.to_batch`.
        task_type: the task type (what is differentiated, see `_target`).
        method: a key of `METHODS`.
        reference: ``"grad_x_input"``'s mean row encodings (`reference_encodings`;
            default: computed over every row).

    Returns:
        ``(scores, out, target_name)``: ``scores`` table -> ``float [num_copies]`` (copies
        not reached by the readout: 0), ``out`` the model's ``[num_seeds, C]`` output.

    Raises:
        ValueError: unknown method, or ``"attention"`` on a model without attention pooling.
    """
    if method not in METHODS:
        raise ValueError(f"unknown explanation method {method!r}; choose one of {list(METHODS)}")
    if method == "attention" and model.pool.mode != "attention":
        raise ArgumentError(
            f"the model pools with {model.pool.mode!r}, which has no attention "
            "weights; use "
            f"{arg('method', repr('grad_x_input'), cli='grad_x_input')} "
            f"(or train with {arg('pooling', repr('attention'), cli='attention')})"
        )
    model.eval()
    num_seeds = batch.seed_time.numel()
    with torch.enable_grad():
        x_dict, _ = model.backbone.features(batch, graph.tf_dict)
        leaves = {t: x.detach().requires_grad_(True) for t, x in x_dict.items()}
        x_in, extra = dict(leaves), None
        encoder = getattr(model, "seed_inputs", None)  # `rdl.nn.seed_inputs.SeedInputModel`
        if encoder is not None:
            extra = encoder(getattr(batch, "staleness", None), getattr(batch, "seed_x", None))
        if extra is not None:  # added to the seeds' encodings, as SeedInputModel.embed does
            x = leaves[model.entity_table]
            extra = extra.to(x.dtype).detach().requires_grad_(True)
            x_in[model.entity_table] = torch.cat([x[:num_seeds] + extra, x[num_seeds:]])
        h_dict, b_dict = model.backbone(batch, graph.tf_dict, x_dict=x_in)
        out = model.head(model.pool(h_dict[model.entity_table][:num_seeds], h_dict, b_dict))
        target, name = _target(out, task_type)
        if method == "grad_x_input":
            inputs = list(leaves.values()) + ([extra] if extra is not None else [])
            grads = torch.autograd.grad(target.sum(), inputs, allow_unused=True)
    if method == "grad_x_input":
        reference = reference if reference is not None else reference_encodings(model, graph)
        scores = {}
        with torch.no_grad():
            for (t, x), g in zip(leaves.items(), grads):
                if g is None:
                    scores[t] = np.zeros(len(x), dtype=np.float32)
                    continue
                store = batch[t]
                enc = model.backbone.encoder(t, graph.tf_dict[t][store.uniq])[store.inv]
                scores[t] = (g * (enc - reference[t])).sum(-1).numpy()
            if extra is not None and grads[-1] is not None:  # reference: no seed inputs (0)
                scores[SEED_INPUTS] = (grads[-1] * extra).sum(-1).float().numpy()
        return scores, out.detach(), name
    from torch_geometric.utils import softmax

    tables = list(h_dict)
    x = torch.cat([h_dict[t] for t in tables])
    index = torch.cat([b_dict[t] for t in tables])
    weights = softmax(model.pool.aggr.gate_nn(x).view(-1), index, num_nodes=num_seeds)
    scores, start = {}, 0
    for t in tables:
        n = h_dict[t].size(0)
        full = np.zeros(len(leaves[t]), dtype=np.float32)
        full[:n] = weights[start : start + n].detach().numpy()
        scores[t], start = full, start + n
    return scores, out.detach(), "readout"


def _hops(counts: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def _key(database: Database, table: str, key):
    """``key`` (e.g. text from the command line) in the dtype of the table's primary key."""
    pk = database[table].df[database[table].pkey_col]
    if isinstance(key, str) and pd.api.types.is_integer_dtype(pk):
        try:
            return int(key)
        except ValueError:
            pass
    return key


def explain_prediction(
    model_dir: str | Path,
    db: str | Database,
    entity,
    at,
    *,
    method: str = "grad_x_input",
    top: int = 10,
    cache_dir=None,
) -> Explanation:
    """Explain the model's prediction for ``entity`` at seed time ``at``.

    Raises:
        FileNotFoundError: no ``model.pt`` in ``model_dir``.
        ValueError: a link model; unknown method; ``entity`` not a row of the entity
            table (or not yet existing at ``at``).
    """
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.sampling.loader import to_batch
    from rdl.train.seeds import to_seconds

    ckpt, database, graph, model, config = load_entity_model(model_dir, db, cache_dir, "explain")
    table = ckpt["entity_table"]
    at = pd.Timestamp(at)
    key = _key(database, table, entity)
    try:
        node = graph.node_index(table, [key])
    except KeyError:
        raise ArgumentError(
            f"{arg('entity', repr(entity), cli=entity)} is not a primary key of table {table!r}"
        ) from None
    t_node = graph.node_time.get(table)
    seconds = to_seconds([at])[0]
    if t_node is not None and t_node[node[0]] > seconds:
        raise ArgumentError(
            f"{arg('entity', repr(entity), cli=entity)} of {table!r} is dated "
            f"after {arg('at', repr(str(at)), cli=at)} (it does not exist yet "
            f"at the seed time); pick a later {arg('at')}"
        )
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    sampler = TemporalNeighborSampler(
        csc,
        graph.num_nodes,
        graph.node_time,
        config.num_neighbors,
        config.temporal_strategy,
        seed=config.seed,
    )
    sub = sampler.sample(table, node, np.array([seconds], dtype=np.int64))
    reference = (
        reference_encodings(model, graph, until=seconds) if method == "grad_x_input" else None
    )
    attach = seed_input_fn(model, ckpt, database, np.array([key]), np.array([seconds]))
    batch = attach(to_batch(sub, graph.node_time), np.arange(1))
    scores, out, target = attribute(model, graph, batch, ckpt["task_type"], method, reference)
    parts = []
    for t, s in scores.items():
        if t == SEED_INPUTS:
            parts.append(
                pd.DataFrame(
                    {
                        "table": t,
                        "node": [-1],
                        "key": [key],
                        "time": [at],
                        "hop": [0],
                        "contribution": s,
                    }
                )
            )
            continue
        ids = sub.node[t]
        pk = graph.pkey_values[t]
        times = graph.node_time[t]
        parts.append(
            pd.DataFrame(
                {
                    "table": t,
                    "node": ids,
                    "key": pk[ids] if pk is not None else ids,
                    "time": pd.to_datetime(times[ids], unit="s") if times is not None else pd.NaT,
                    "hop": _hops(sub.num_sampled_nodes[t]),
                    "contribution": s,
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    rows["abs_contribution"] = rows["contribution"].abs()
    total = rows["abs_contribution"].sum() or 1.0
    rows = (
        rows.groupby(["table", "node"], sort=False)
        .agg(
            key=("key", "first"),
            time=("time", "first"),
            hop=("hop", "min"),
            contribution=("contribution", "sum"),
            abs_contribution=("abs_contribution", "sum"),
        )
        .reset_index()
        .drop(columns="node")
    )
    rows["share"] = rows["abs_contribution"] / total
    tables = (
        rows.groupby("table")
        .agg(
            rows=("key", "size"),
            contribution=("contribution", "sum"),
            abs_contribution=("abs_contribution", "sum"),
        )
        .reset_index()
    )
    tables["share"] = tables["abs_contribution"] / total
    pred = _prediction(out, ckpt["task_type"], ckpt.get("clamp"))[0]
    return Explanation(
        method=method,
        method_text=METHODS[method].format(target=target),
        entity_table=table,
        entity=key,
        at=at,
        prediction=pred,
        tables=tables.sort_values("share", ascending=False, kind="stable").reset_index(drop=True),
        rows=rows.sort_values("abs_contribution", ascending=False, kind="stable")
        .head(top)
        .reset_index(drop=True),
    )


__all__ = [
    "METHODS",
    "Explanation",
    "attribute",
    "explain_prediction",
]
