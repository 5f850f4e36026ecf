"""Data-parallel training on ``torch.distributed``: ``torchrun --nproc-per-node N -m
rdl.train ...`` (or ``rdl train --nproc N``, which launches the same).

PyTorch's DistributedDataParallel (Li et al. 2020, "PyTorch Distributed: Experiences on
Accelerating Data Parallel Training") around the model, the gloo backend on CPU and
NCCL on GPU; torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``/``MASTER_PORT``) sets up the process group, so several machines work
with torchrun's usual ``--nnodes`` / ``--rdzv-endpoint`` flags.

* Every rank builds the same task tables and opens the same graph (rank 0 builds the
  graph and its CSC first, the others then read them from the cache; an out-of-core
  graph's pages are shared through the page cache).
* Seeds: every rank draws the same epoch order from ``config.seed`` (the order
  ``Trainer.train_batches`` makes — shuffled, entity groups kept together), cut into
  mini-batches of ``config.batch_size``; rank ``r`` takes batches ``r, r + N, ...`` —
  `torch.utils.data.DistributedSampler`'s semantics at batch granularity, padded by
  wrapping around so every rank takes the same number of steps. ``batch_size`` is per
  process: N processes take N batches per optimiser step.
* Gradients are averaged by DDP (``find_unused_parameters=True``: a table absent from a
  batch leaves its encoder unused). Neighbour sampling on rank ``r`` uses seed
  ``config.seed + r``.
* Evaluation: each rank predicts a contiguous block of the seeds with the unwrapped
  model, the blocks are all-gathered, and every rank scores all predictions (so early
  stopping decides alike everywhere); only rank 0 runs baselines and writes
  ``results.json`` and ``model.pt``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

from rdl.sampling.loader import NodeLoader


@dataclass
class Dist:
    """This process's place in the process group."""

    rank: int
    world_size: int
    local_rank: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, batches):
        """This rank's share of an epoch's mini-batches (see the module docstring)."""
        from rdl.train.seed_batches import SeedBatches

        if isinstance(batches, NodeLoader):
            return ShardedNodeLoader(batches, self.rank, self.world_size)
        if isinstance(batches, SeedBatches) and isinstance(batches.loader, NodeLoader):
            # seed inputs ride along: the sharded loader yields the seeds' own indices
            return SeedBatches(
                ShardedNodeLoader(batches.loader, self.rank, self.world_size),
                batches.staleness,
                batches.features,
            )
        return shard_list(list(batches), self.rank, self.world_size)

    def sum(self, *values: float) -> list[float]:
        """Each value summed over the ranks."""
        t = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()

    def gather(self, obj) -> list:
        """``obj`` of every rank, in rank order."""
        out = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        dist.barrier()


def shard_list(batches: list, rank: int, world_size: int) -> list:
    """Batches ``rank, rank + world_size, ...`` of ``batches``, the list first padded by
    wrapping around to a multiple of ``world_size`` (every rank gets as many)."""
    if not batches:
        return []
    n = -(-len(batches) // world_size) * world_size
    padded = [batches[i % len(batches)] for i in range(n)]
    return padded[rank::world_size]


class ShardedNodeLoader(NodeLoader):
    """A `NodeLoader` that yields only this rank's batches of the epoch order (the seed
    order is padded by wrapping to a multiple of ``batch_size * world_size``, so every
    batch is full and every rank takes the same number)."""

    def __init__(self, loader: NodeLoader, rank: int, world_size: int):
        self.__dict__.update(loader.__dict__)
        self.rank, self.world_size = rank, world_size

    def _order(self) -> np.ndarray:
        order = super()._order()
        n, bs, w = len(order), self.batch_size, self.world_size
        if n == 0:
            return order
        total = -(-n // (bs * w)) * bs * w
        order = order[np.arange(total) % n]
        return order.reshape(-1, bs)[self.rank :: w].reshape(-1)

    def __len__(self) -> int:
        n, bs, w = len(self.seed_nodes), self.batch_size, self.world_size
        return -(-n // (bs * w)) if n else 0


def subset(seeds, rows: np.ndarray):
    """Seeds ``rows`` of an entity `rdl.train.seeds.Seeds` or link
    `rdl.train.link.LinkSeeds`."""
    from rdl.train.link.seeds import LinkSeeds
    from rdl.train.seeds import Seeds

    df = seeds.df.iloc[rows].reset_index(drop=True)
    if isinstance(seeds, LinkSeeds):
        counts = seeds.dst_ptr[rows + 1] - seeds.dst_ptr[rows]
        ptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(counts, out=ptr[1:])
        dst = (
            np.concatenate([seeds.dst[seeds.dst_ptr[r] : seeds.dst_ptr[r + 1]] for r in rows])
            if len(rows)
            else np.zeros(0, np.int64)
        )
        return LinkSeeds(seeds.src[rows], seeds.time[rows], ptr, dst, df)
    y = None if seeds.y is None else seeds.y[torch.from_numpy(rows)]
    # seed inputs (stale history, seed features): cut-offs and feature rows follow the
    # seeds; the bank is shared
    return Seeds(
        seeds.node[rows],
        seeds.time[rows],
        y,
        df,
        cutoff=None if seeds.cutoff is None else seeds.cutoff[rows],
        x_bank=seeds.x_bank,
        x_index=None if seeds.x_index is None else seeds.x_index[rows],
        x_raw=None if seeds.x_raw is None else seeds.x_raw.iloc[rows].reset_index(drop=True),
    )


def setup(device: str = "cpu") -> Dist | None:
    """Join the process group torchrun describes (``None`` when not launched by torchrun
    with more than one process). gloo on CPU, NCCL for ``device="cuda"``."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    local = int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if str(device).startswith("cuda") else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Dist(dist.get_rank(), dist.get_world_size(), local, backend)


def make_data_parallel(trainer, d: Dist) -> None:
    """Wrap ``trainer`` for data-parallel training on ``d`` (see the module docstring):
    DDP around its model, its epoch batches sharded (``trainer.dist``), its predictions
    made block-wise and all-gathered."""
    from torch.nn.parallel import DistributedDataParallel

    class _DDP(DistributedDataParallel):
        def __getattr__(self, name):
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self.module, name)

    import warnings

    # DDP's note that a gradient's memory layout differs from its bucket's: only speed
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    trainer.dist = d
    if trainer.train_sampler is not None:
        trainer.train_sampler.reseed(trainer.config.seed + d.rank)
    trainer.model = _DDP(trainer.model, find_unused_parameters=True)
    single = type(trainer).predict

    def predict(seeds, *args, **kwargs):
        n = len(seeds.time)
        lo, hi = n * d.rank // d.world_size, n * (d.rank + 1) // d.world_size
        wrapped, trainer.model = trainer.model, trainer.model.module  # no collectives
        try:
            part = single(trainer, subset(seeds, np.arange(lo, hi)), *args, **kwargs)
        finally:
            trainer.model = wrapped
        parts = [p for p in d.gather(np.asarray(part)) if len(p)]
        return np.concatenate(parts) if parts else np.asarray(part)

    trainer.predict = predict


__all__ = ["Dist", "ShardedNodeLoader", "make_data_parallel", "setup", "shard_list", "subset"]
