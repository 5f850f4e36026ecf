"""Batched inference of a trained `RDLModel` on seeds."""

from __future__ import annotations

import numpy as np
import torch

from rdl.sampling import TemporalNeighborSampler
from rdl.sampling.loader import NodeLoader


@torch.no_grad()
def predict_seeds(model, graph, csc, config, task_type: str, clamp, seed_nodes: np.ndarray,
                  seed_time: np.ndarray, batch_size: int | None = None) -> np.ndarray:
    """Predictions for seeds (entity node ``[n]``, seed time ``[n]`` seconds since epoch).

    Returns:
        probabilities (binary ``[n]``, multiclass/multilabel ``[n, C]``) or values
        (regression ``[n]``, clamped to ``clamp`` when given). Sampling uses a sampler
        seeded with ``config.seed``, so predictions are reproducible.
    """
    model.eval()
    sampler = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, config.num_neighbors,
                                      config.temporal_strategy, seed=config.seed)
    loader = NodeLoader(sampler, graph.node_time, model.entity_table, seed_nodes, seed_time,
                        batch_size=batch_size or config.batch_size)
    with config.autocast():
        outs = [model(batch, graph.tf_dict).float() for batch, _ in loader]
    if not outs:
        return np.zeros(0)
    out = torch.cat(outs)
    if task_type == "binary_classification":
        return torch.sigmoid(out.view(-1)).numpy()
    if task_type == "multilabel_classification":
        return torch.sigmoid(out).numpy()
    if task_type == "multiclass_classification":
        return torch.softmax(out, dim=-1).numpy()
    pred = out.view(-1)
    if clamp is not None:
        pred = pred.clamp(*clamp)
    return pred.numpy()
