"""Table importance over a whole split (``rdl explain --global``): `explain_global`.

The per-row attributions of `rdl.serve.explain.attribute` (``"grad_x_input"`` or
``"attention"``, see `rdl.serve.explain`) of up to ``max_seeds`` seeds of a task split,
summed per table and seed and averaged over the seeds (`GlobalExplanation`). Moved here
from `rdl.serve.explain`, which explains one prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database
from rdl.serve.explain import METHODS, SEED_INPUTS, attribute, reference_encodings
from rdl.serve.predict import load_entity_model
from rdl.train.seed_inputs import seed_input_fn


@dataclass
class GlobalExplanation:
    """Table-level importance averaged over the seeds of a split.

    Attributes:
        tables: DataFrame ``[table, share, share_std, contribution, seeds_with_rows]``: the
            mean over seeds of each table's share of the seed's attribution (shares of a
            seed sum to 1; a table absent from a subgraph counts 0), its standard
            deviation, the mean signed contribution, and the fraction of seeds whose
            subgraph holds a row of the table; by ``share`` descending.
    """

    method: str
    method_text: str
    entity_table: str
    split: str
    num_seeds: int
    tables: pd.DataFrame


def explain_global(
    model_dir: str | Path,
    db: str | Database,
    *,
    split: str = "val",
    method: str = "grad_x_input",
    max_seeds: int | None = 1000,
    seed: int = 0,
    task=None,
    cache_dir=None,
) -> GlobalExplanation:
    """Table-level importance averaged over the seeds of ``split`` of the model's task
    (at most ``max_seeds`` of them, drawn with ``seed``), the subgraphs sampled from the
    task's input database under the model's protocol (``relbench``: the database cut at
    the test timestamp), as in training.

    Args:
        task: the task whose split is used (a spec, class or instance); default: the
            checkpoint's ``task_spec`` (a built-in name, ``FILE.py:NAME`` or a query).

    Raises:
        FileNotFoundError, ValueError: as `rdl.serve.explain.explain_prediction`; unknown split.
    """
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.sampling.loader import NodeLoader
    from rdl.serve.predict import model_tables
    from rdl.train.checkpoint import load_checkpoint
    from rdl.train.job import open_database, resolve_task
    from rdl.train.seeds import make_seeds

    ckpt = load_checkpoint(model_dir)
    database = model_tables(open_database(db)[0], ckpt)
    task, _ = resolve_task(ckpt["task_spec"] if task is None else task, database)
    # the model's inputs as in training: the task's input database under its protocol
    protocol = ckpt["config"].get("protocol", "relbench")
    inputs = task.input_db(protocol)
    ckpt, _, graph, model, config = load_entity_model(
        model_dir, inputs, cache_dir, "explain", ckpt=ckpt
    )
    seeds = make_seeds(task, task.get_table(split), graph, with_labels=False)
    pick = np.arange(len(seeds.node))
    if max_seeds is not None and len(pick) > max_seeds:
        pick = np.sort(np.random.default_rng(seed).choice(len(pick), max_seeds, replace=False))
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    sampler = TemporalNeighborSampler(
        csc,
        graph.num_nodes,
        graph.node_time,
        config.num_neighbors,
        config.temporal_strategy,
        seed=config.seed,
    )
    loader = NodeLoader(
        sampler,
        graph.node_time,
        ckpt["entity_table"],
        seeds.node[pick],
        seeds.time[pick],
        batch_size=config.batch_size,
    )
    encoder = getattr(model, "seed_inputs", None)
    names = list(graph.node_types) + ([SEED_INPUTS] if encoder is not None else [])
    keys = (
        np.asarray(graph.pkey_values[ckpt["entity_table"]])[seeds.node[pick]]
        if graph.pkey_values.get(ckpt["entity_table"]) is not None
        else seeds.node[pick]
    )
    # seed inputs at each seed's information cut-off, as the model predicted in training
    from rdl.train.stale import information_cutoffs

    cut = information_cutoffs(task, seeds.time[pick], protocol, config.stale_val, seeds.node[pick])
    attach = seed_input_fn(model, ckpt, inputs, keys, seeds.time[pick], cut)
    absum = np.zeros((len(pick), len(names)))
    signed = np.zeros_like(absum)
    present = np.zeros_like(absum, dtype=bool)
    target = ""
    reference = (
        reference_encodings(model, graph, until=int(seeds.time[pick].min()))
        if method == "grad_x_input" and len(pick)
        else None
    )
    for batch, idx in loader:
        batch = attach(batch, idx)
        scores, _, target = attribute(model, graph, batch, ckpt["task_type"], method, reference)
        for t, s in scores.items():
            j = names.index(t)
            if t == SEED_INPUTS:
                absum[idx, j] += np.abs(s)
                signed[idx, j] += s
                present[idx, j] = True
                continue
            b = batch[t].batch.numpy()
            absum[idx, j] += np.bincount(b, np.abs(s), minlength=len(idx))
            signed[idx, j] += np.bincount(b, s, minlength=len(idx))
            present[idx, j] |= np.bincount(b, minlength=len(idx)) > 0
    share = absum / np.maximum(absum.sum(1, keepdims=True), 1e-30)
    tables = pd.DataFrame(
        {
            "table": names,
            "share": share.mean(0),
            "share_std": share.std(0),
            "contribution": signed.mean(0),
            "seeds_with_rows": present.mean(0),
        }
    )
    tables = tables[tables["seeds_with_rows"] > 0]
    return GlobalExplanation(
        method=method,
        method_text=METHODS[method].format(target=target),
        entity_table=ckpt["entity_table"],
        split=split,
        num_seeds=len(pick),
        tables=tables.sort_values("share", ascending=False, kind="stable").reset_index(drop=True),
    )


__all__ = ["GlobalExplanation", "explain_global"]
