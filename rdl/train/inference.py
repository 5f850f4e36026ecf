"""Batched inference of a trained `RDLModel` on seeds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from rdl.runtime.interrupt import check as check_interrupt
from rdl.runtime.memory import release_memory
from rdl.sampling import TemporalNeighborSampler
from rdl.train.heads import HEADS
from rdl.train.seed_batches import seed_batches


def to_output(out: torch.Tensor, task_type, clamp) -> np.ndarray:
    """Raw model outputs ``[n, out_channels]`` -> the kind's predictions (its
    `rdl.train.heads.EntityHead.output`: probabilities — binary ``[n]``,
    multiclass/multilabel ``[n, C]`` — or values, regression ``[n]`` clamped to ``clamp``
    when given). ``task_type``: a kind, its name or a task."""
    return HEADS.get(task_type).output(out, clamp).numpy()


@torch.no_grad()
def predict_seeds(
    model,
    graph,
    csc,
    config,
    task_type: str,
    clamp,
    seed_nodes: np.ndarray,
    seed_time: np.ndarray,
    batch_size: int | None = None,
    *,
    cutoff: np.ndarray | None = None,
    features: Callable[[np.ndarray], torch.Tensor] | None = None,
) -> np.ndarray:
    """Predictions for seeds (entity node ``[n]``, seed time ``[n]`` seconds since epoch).

    Args:
        cutoff: ``int64 [n]`` information cut-offs (`rdl.train.stale`; ``None``: the seed
            times): each seed's subgraph holds no row dated after its cut-off.
        features: ``f(index) -> [len(index), F]`` seed features, for a model that takes
            them (`rdl.nn.seed_inputs.SeedInputModel`).

    Returns:
        see `to_output`. Sampling uses a sampler seeded with ``config.seed``, so
        predictions are reproducible.
    """
    model.eval()
    sampler = TemporalNeighborSampler(
        csc,
        graph.num_nodes,
        graph.node_time,
        config.num_neighbors,
        config.temporal_strategy,
        seed=config.seed,
    )
    encoder = getattr(model, "seed_inputs", None)
    loader = seed_batches(
        sampler,
        graph.node_time,
        model.entity_table,
        seed_nodes,
        seed_time,
        cutoff,
        time_reference=getattr(config, "time_reference", "seed"),
        batch_size=batch_size or config.batch_size,
        staleness=bool(encoder is not None and encoder.staleness),
        features=features,
    )
    outs = []
    with config.autocast():
        for i, (batch, _) in enumerate(loader):
            outs.append(model(batch, graph.tf_dict).float())
            release_memory(i)  # mapped pages, heap fragmentation (rdl.runtime.memory)
            check_interrupt()  # a Ctrl-C a library swallowed (rdl.runtime.interrupt)
    if not outs:
        return np.zeros(0)
    return to_output(torch.cat(outs), task_type, clamp)
