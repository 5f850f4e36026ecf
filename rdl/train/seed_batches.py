"""Mini-batches of entity seeds with their information cut-offs and seed inputs.

`seed_batches` wraps `rdl.sampling.loader.NodeLoader`: each seed's subgraph is sampled at
its information cut-off ``c <= t`` (no row dated after ``c``), and the batch carries

* ``seed_time``: the time ages are encoded against — the seed time ``t``
  (``time_reference="seed"``: a stale seed's newest rows look old) or the cut-off ``c``
  (``"cutoff"``: every seed's history looks as fresh as at ``c``, and how stale it is
  comes in separately);
* ``staleness``: ``t - c`` in seconds ``[num_seeds]`` (when the model encodes it);
* ``seed_x``: the seed's feature row at ``c`` ``[num_seeds, F]`` (when the model takes
  seed features, `rdl.train.seed_features`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from rdl.db.errors import ArgumentError, arg
from rdl.sampling.loader import NodeLoader

TIME_REFERENCES = ("seed", "cutoff")


class SeedBatches:
    """A `NodeLoader` whose batches also carry ``staleness`` and ``seed_x``.

    Args:
        loader: the node loader (its seeds in the same order as the arrays below).
        staleness: ``int64 [n]`` seconds, or ``None`` (not attached).
        features: ``f(index) -> [len(index), F]`` seed features, or ``None``.
    """

    def __init__(
        self,
        loader: NodeLoader,
        staleness: np.ndarray | None = None,
        features: Callable[[np.ndarray], torch.Tensor] | None = None,
    ):
        self.loader, self.staleness, self.features = loader, staleness, features

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for data, idx in self.loader:
            if self.staleness is not None:
                data.staleness = torch.from_numpy(self.staleness[idx])
            if self.features is not None:
                data.seed_x = self.features(idx)
            yield data, idx


def seed_batches(
    sampler,
    node_time: dict,
    entity_table: str,
    node: np.ndarray,
    seed_time: np.ndarray,
    cutoff: np.ndarray | None,
    *,
    time_reference: str,
    batch_size: int,
    shuffle: bool = False,
    generator: np.random.Generator | None = None,
    group: np.ndarray | None = None,
    staleness: bool = False,
    features: Callable[[np.ndarray], torch.Tensor] | None = None,
) -> SeedBatches:
    """Batches of seeds ``(node[i], seed_time[i])`` sampled at ``cutoff[i]``.

    Args:
        cutoff: ``int64 [n]`` information cut-offs ``<= seed_time`` (``None``: the seed
            times; later values are clipped to the seed time).
        time_reference: ``"seed"`` or ``"cutoff"`` (see the module docstring).
        staleness: attach ``seed_time - cutoff``.
        features, batch_size, shuffle, generator, group: see `SeedBatches` / `NodeLoader`.

    Raises:
        ValueError: an unknown ``time_reference``.
    """
    if time_reference not in TIME_REFERENCES:
        raise ArgumentError(
            f"{arg('time_reference', repr(time_reference), cli=time_reference)}: "
            f"use one of {list(TIME_REFERENCES)}"
        )
    t = np.asarray(seed_time, dtype=np.int64)
    c = t if cutoff is None else np.minimum(np.asarray(cutoff, dtype=np.int64), t)
    if time_reference == "cutoff":
        loader = NodeLoader(
            sampler,
            node_time,
            entity_table,
            node,
            c,
            batch_size=batch_size,
            shuffle=shuffle,
            generator=generator,
            group=group,
        )
    else:
        sample_time = None if cutoff is None else (lambda idx, _t: c[idx])
        loader = NodeLoader(
            sampler,
            node_time,
            entity_table,
            node,
            t,
            batch_size=batch_size,
            shuffle=shuffle,
            generator=generator,
            group=group,
            sample_time=sample_time,
        )
    return SeedBatches(loader, (t - c) if staleness else None, features)


__all__ = ["TIME_REFERENCES", "SeedBatches", "seed_batches"]
