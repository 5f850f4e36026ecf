"""Temporal neighbour sampling for relational deep learning.

``build_csc`` turns heterogeneous edge lists into time-sorted CSC arrays;
``TemporalNeighborSampler`` draws disjoint per-seed temporal subgraphs from
them (pyg-lib's ``disjoint=True`` temporal mode as used by RelBench) without
pyg-lib. Only numpy and numba are needed here; ``to_sampler_output`` imports
PyG lazily.
"""

from .csr import CSC, NO_TIME, build_csc, build_csc_one
from .sampler import STRATEGIES, SampledSubgraph, TemporalNeighborSampler

__all__ = [
    "CSC",
    "NO_TIME",
    "STRATEGIES",
    "SampledSubgraph",
    "TemporalNeighborSampler",
    "build_csc",
    "build_csc_one",
]
