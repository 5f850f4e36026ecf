"""Learned set readouts: from the node embeddings of each seed's subgraph to one vector.

Every module here maps ``(x [N, C], index [N], seed_x [S, C])`` to ``[S, C]``: ``x`` holds
the embeddings of every node of the batch (all tables), ``index`` the seed each node
belongs to (``0 <= index < S``) and ``seed_x`` the seeds' own embeddings. Per-seed
reductions are segment operations over ``index`` (PyG `scatter` / `softmax`); nothing
loops over seeds.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch_geometric.utils import scatter, softmax


class AdaptivePooling(torch.nn.Module):
    """AdaPool (Brothers 2025, "Robust Noise Attenuation via Adaptive Pooling of
    Transformer Outputs"): cross-attention pooling whose query is one designated
    member of the set — here the seed node's embedding.

    ``out_s = sum_i a_si W_v x_i``, ``a_s = softmax_i((W_q seed_s) . (W_k x_i) / sqrt(d))``
    over the nodes ``i`` of seed ``s``'s subgraph, per head (``d = C / heads``), heads
    concatenated. The weights can drop distractors (``a_si -> 0``) at any signal-to-noise
    ratio, unlike mean (``1 / N``) or max pooling.

    Args:
        channels: ``C``; heads: attention heads (divides ``C``).
    """

    def __init__(self, channels: int, heads: int = 1):
        super().__init__()
        if channels % heads:
            raise ValueError(f"{heads} heads do not divide {channels} channels")
        self.heads = heads
        self.lin_q = torch.nn.Linear(channels, channels)
        self.lin_k = torch.nn.Linear(channels, channels)
        self.lin_v = torch.nn.Linear(channels, channels)

    def reset_parameters(self) -> None:
        for lin in (self.lin_q, self.lin_k, self.lin_v):
            lin.reset_parameters()

    def forward(self, x: Tensor, index: Tensor, seed_x: Tensor) -> Tensor:
        """``x [N, C]``, ``index [N]``, ``seed_x [S, C]`` -> ``[S, C]``."""
        n, c, h = x.size(0), x.size(1), self.heads
        q = self.lin_q(seed_x).view(-1, h, c // h)[index]
        k = self.lin_k(x).view(n, h, c // h)
        score = (q * k).sum(-1) / math.sqrt(c // h)
        alpha = softmax(score, index, num_nodes=seed_x.size(0))
        v = self.lin_v(x).view(n, h, c // h) * alpha.unsqueeze(-1)
        return scatter(v.view(n, c), index, 0, dim_size=seed_x.size(0), reduce="sum")


def pair_partners(index: Tensor, num_seeds: int, random: bool) -> Tensor:
    """For each node ``[N]``, the position of another node of the same seed's set.

    ``random``: uniform over the seed's set (itself included); otherwise the node half
    the set away in a fixed order (deterministic, for evaluation). A seed with one node
    pairs it with itself.
    """
    perm = torch.argsort(index, stable=True)
    counts = torch.bincount(index, minlength=num_seeds)
    start = torch.cumsum(counts, 0) - counts
    seed = index[perm]
    size = counts[seed]
    if random:
        offset = (torch.rand(seed.size(0), device=index.device) * size).long().clamp_max(size - 1)
    else:
        pos = torch.arange(seed.size(0), device=index.device) - start[seed]
        offset = (pos + (size + 1) // 2) % size
    partner = torch.empty_like(perm)
    partner[perm] = perm[start[seed] + offset]
    return partner


class RelationNetworkPooling(torch.nn.Module):
    """Relation-network readout (Santoro et al. 2017, "A simple neural network module
    for relational reasoning"): ``f(mean over pairs (a, b) of g(x_a, x_b, seed))``.

    Santoro's RN sums ``g`` over all ``n^2`` ordered pairs of objects, conditioned on the
    question; here the objects are the nodes of a seed's subgraph and the seed embedding
    is the question. To stay linear in the subgraph size each node is paired with
    ``num_pairs`` partners from the same subgraph (uniformly at random in training, a
    fixed partner in evaluation, `pair_partners`), and the pairs are averaged (a sum
    would grow with the subgraph size). ``g`` is a two-layer MLP whose first layer is
    split into per-node parts and whose second layer is applied after averaging (exact:
    it is linear); ``f`` is a linear layer + ReLU.

    Args:
        channels: ``C``; num_pairs: partners per node.
    """

    def __init__(self, channels: int, num_pairs: int = 1):
        super().__init__()
        self.num_pairs = num_pairs
        self.lin_a = torch.nn.Linear(channels, channels, bias=True)
        self.lin_b = torch.nn.Linear(channels, channels, bias=False)
        self.lin_q = torch.nn.Linear(channels, channels, bias=False)
        self.lin_g = torch.nn.Linear(channels, channels)
        self.lin_f = torch.nn.Linear(channels, channels)

    def reset_parameters(self) -> None:
        for lin in (self.lin_a, self.lin_b, self.lin_q, self.lin_g, self.lin_f):
            lin.reset_parameters()

    def forward(self, x: Tensor, index: Tensor, seed_x: Tensor) -> Tensor:
        """``x [N, C]``, ``index [N]``, ``seed_x [S, C]`` -> ``[S, C]``."""
        s = seed_x.size(0)
        a = self.lin_a(x) + self.lin_q(seed_x)[index]
        b = self.lin_b(x)
        hidden = torch.zeros_like(a)
        for _ in range(self.num_pairs):
            hidden = hidden + torch.relu(a + b[pair_partners(index, s, self.training)])
        pooled = scatter(hidden / self.num_pairs, index, 0, dim_size=s, reduce="mean")
        return torch.relu(self.lin_f(self.lin_g(pooled)))


class SimPool(torch.nn.Module):
    """SimPool (Psomas et al. 2023, "Keep It SimPool: Who Said Supervised Transformers
    Suffer from Attention Deficit?"): attention pooling whose query is the set's mean.

    ``u_s = mean_i x_i``; ``a_s = softmax_i((W_q LN(u_s)) . (W_k LN(x_i)) / sqrt(C))``;
    ``out_s = sum_i a_si x_i`` (values are the features themselves, no projection), or
    with ``gamma``: ``(sum_i a_si (x_i - m_s + eps)^gamma)^(1/gamma) + beta`` where
    ``m_s`` is the set's per-channel minimum (the paper's generalized mean; its
    transformer setting uses none).

    Args:
        channels: ``C``; gamma: exponent of the generalized weighted mean (``None``:
            weighted arithmetic mean).
    """

    def __init__(self, channels: int, gamma: float | None = None):
        super().__init__()
        self.norm = torch.nn.LayerNorm(channels)
        self.lin_q = torch.nn.Linear(channels, channels, bias=False)
        self.lin_k = torch.nn.Linear(channels, channels, bias=False)
        self.gamma = gamma
        self.beta = torch.nn.Parameter(torch.zeros(1)) if gamma is not None else None

    def reset_parameters(self) -> None:
        for module in (self.norm, self.lin_q, self.lin_k):
            module.reset_parameters()
        if self.beta is not None:
            torch.nn.init.zeros_(self.beta)

    def forward(self, x: Tensor, index: Tensor, seed_x: Tensor) -> Tensor:
        """``x [N, C]``, ``index [N]``, ``seed_x [S, C]`` (only its size is used) ->
        ``[S, C]``."""
        s = seed_x.size(0)
        u = scatter(x, index, 0, dim_size=s, reduce="mean")
        q = self.lin_q(self.norm(u))[index]
        k = self.lin_k(self.norm(x))
        alpha = softmax((q * k).sum(-1) / math.sqrt(x.size(1)), index, num_nodes=s).unsqueeze(-1)
        if self.gamma is None:
            return scatter(alpha * x, index, 0, dim_size=s, reduce="sum")
        low = scatter(x, index, 0, dim_size=s, reduce="min")[index]
        powered = scatter(
            alpha * (x - low.detach() + 1e-6).pow(self.gamma), index, 0, dim_size=s, reduce="sum"
        )
        return powered.clamp_min(1e-12).pow(1.0 / self.gamma) + self.beta


class GatedMaxMeanPooling(torch.nn.Module):
    """Gated max-average pooling (Lee et al. 2016, "Generalizing Pooling Functions in
    Convolutional Neural Networks: Mixed, Gated, and Tree"):
    ``out = g * max + (1 - g) * mean`` with a content-dependent gate
    ``g = sigmoid(W [mean; max] + b)`` per channel.

    Lee et al. gate on ``w^T x`` over a fixed-size pooling region; a subgraph has no
    fixed positions, so the gate reads the permutation-invariant summary
    ``[mean; max]`` of the set instead.

    Args:
        channels: ``C``.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.gate = torch.nn.Linear(2 * channels, channels)

    def reset_parameters(self) -> None:
        self.gate.reset_parameters()

    def forward(self, x: Tensor, index: Tensor, seed_x: Tensor) -> Tensor:
        """``x [N, C]``, ``index [N]``, ``seed_x [S, C]`` (only its size is used) ->
        ``[S, C]``."""
        s = seed_x.size(0)
        mean = scatter(x, index, 0, dim_size=s, reduce="mean")
        high = scatter(x, index, 0, dim_size=s, reduce="max")
        g = torch.sigmoid(self.gate(torch.cat([mean, high], dim=-1)))
        return g * high + (1 - g) * mean


class GeneralizedNormPooling(torch.nn.Module):
    """Generalized norm-based pooling, GNP (Ko et al. 2021, arXiv:2106.06210, "Learning to
    Pool in Graph Neural Networks for Extrapolation"):
    ``GNP(X) = ((1 / N^q) sum_i x_i^p)^(1/p)`` per channel, with learnable ``p > 0`` and
    ``q``: ``p = 1, q = 1`` is the mean, ``p = 1, q = 0`` the sum, ``p -> inf`` the max.

    Defined on non-negative inputs; rdl pools the positive part ``relu(x)`` and the
    negative part ``relu(-x)`` separately (each with its own ``p``, ``q``) and subtracts
    them. Computed stably as ``M (sum_i (x_i / M)^p / N^q)^(1/p)`` with ``M`` the set's
    per-channel maximum (no overflow for large ``p``).

    Args:
        channels: ``C``; p, q: initial exponents (default: the mean).
    """

    def __init__(self, channels: int, p: float = 1.0, q: float = 1.0):
        super().__init__()
        self._init = (p, q)
        self.p = torch.nn.Parameter(torch.empty(2, channels))
        self.q = torch.nn.Parameter(torch.empty(2, channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.constant_(self.p, self._init[0])
        torch.nn.init.constant_(self.q, self._init[1])

    def _gnp(self, x: Tensor, index: Tensor, s: int, count: Tensor, part: int) -> Tensor:
        x = x.float()
        p = self.p[part].clamp(0.1, 50.0)
        top = scatter(x, index, 0, dim_size=s, reduce="max").clamp_min(1e-6).detach()
        ratio = (x / top[index]).clamp_min(1e-6)
        total = scatter(ratio.pow(p), index, 0, dim_size=s, reduce="sum")
        return top * (total / count.pow(self.q[part])).pow(1.0 / p)

    def forward(self, x: Tensor, index: Tensor, seed_x: Tensor) -> Tensor:
        """``x [N, C]``, ``index [N]``, ``seed_x [S, C]`` (only its size is used) ->
        ``[S, C]``."""
        s = seed_x.size(0)
        count = torch.bincount(index, minlength=s).clamp_min(1).to(torch.float).unsqueeze(-1)
        return self._gnp(torch.relu(x), index, s, count, 0) - self._gnp(
            torch.relu(-x), index, s, count, 1
        )


__all__ = [
    "AdaptivePooling",
    "GatedMaxMeanPooling",
    "GeneralizedNormPooling",
    "RelationNetworkPooling",
    "SimPool",
    "pair_partners",
]
