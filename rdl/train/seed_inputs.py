"""The seed inputs of a checkpointed entity model at serving time (`rdl.serve.predict`,
`rdl.serve.explain`, `rdl.pretrain.embed`): the seed features at each seed's cut-off
(`seed_feature_fn`) and what a `rdl.nn.seed_inputs.SeedInputModel` reads, attached to a
batch (`seed_input_fn`). Moved here from `rdl.train.entity`, which re-exports them."""

from __future__ import annotations

import numpy as np
import torch

from rdl.train.seed_features import SeedFeatures


def seed_feature_fn(ckpt: dict, db, entity_ids, cutoffs: np.ndarray):
    """``f(index) -> [len(index), F]`` seed features of a checkpointed model for seeds
    ``(entity_ids[i], cutoffs[i])`` on ``db`` (``None`` when the model takes none): the
    checkpoint's aggregation plan, past labels and scaler, nothing dated after a seed's
    cut-off (`rdl.serve.predict.predict_at`)."""
    inputs = ckpt.get("seed_inputs")
    if not inputs:
        return None
    features = SeedFeatures.from_state(inputs["features"], db)
    frame, index = features.bank(np.asarray(entity_ids), np.asarray(cutoffs, dtype=np.int64))
    bank = inputs["scaler"].transform(frame[inputs["columns"]])
    return lambda idx: bank[torch.from_numpy(index[idx])]


def seed_input_fn(model, ckpt: dict, db, entity_ids, seed_time, cutoffs=None):
    """``f(batch, idx) -> batch``: attaches what a `rdl.nn.seed_inputs.SeedInputModel`
    reads to a batch of the seeds ``idx`` (indices into the arrays below) — ``seed_x``, the
    entity's features at its cut-off (`seed_feature_fn`, computed once for all seeds), and
    ``staleness`` = seed time − cut-off (``int64`` seconds); the identity for other models.

    Args:
        entity_ids: ``[n]`` primary keys; seed_time, cutoffs: ``int64 [n]`` seconds since
            epoch (``cutoffs`` default: the seed times, i.e. staleness 0).
    """
    encoder = getattr(model, "seed_inputs", None)
    if encoder is None:
        return lambda batch, idx: batch
    t = np.asarray(seed_time, dtype=np.int64)
    c = t if cutoffs is None else np.asarray(cutoffs, dtype=np.int64)
    features = seed_feature_fn(ckpt, db, entity_ids, c)
    stale = torch.from_numpy(t - c) if encoder.staleness else None

    def attach(batch, idx):
        idx = np.asarray(idx)
        if features is not None:
            batch.seed_x = features(idx)
        if stale is not None:
            batch.staleness = stale[torch.from_numpy(idx)]
        return batch

    return attach


__all__ = ["seed_feature_fn", "seed_input_fn"]
