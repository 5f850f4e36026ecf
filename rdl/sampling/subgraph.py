"""`SampledSubgraph`: what `rdl.sampling.TemporalNeighborSampler.sample` returns — the
disjoint per-seed temporal subgraphs of one batch — and its conversion to PyG's
``HeteroSamplerOutput``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .csr import EdgeType


@dataclass
class SampledSubgraph:
    """Disjoint per-seed temporal subgraphs of one batch.

    Attributes:
        node: per node type, ``int64[num_sampled]`` global node ids, ordered by
            hop (hop-0 seeds first, in input order, for the seed type).
        batch: per node type, ``int64[num_sampled]`` seed index
            (``0 .. num_seeds - 1``) of each sampled node.
        edge_index: per edge type, ``int64[2, num_sampled_edges]`` in local
            indices: row 0 indexes ``node[src_type]`` (the sampled neighbour),
            row 1 indexes ``node[dst_type]`` (the expanded node) -- PyG's
            message direction src -> dst. Ordered by hop.
        edge_id: per edge type, ``int64[num_sampled_edges]`` position of each
            edge in the input edge list given to :func:`build_csc`.
        num_sampled_nodes: per node type, nodes added at each hop
            (``num_hops + 1`` entries, hop 0 = seeds), as in PyG's
            ``HeteroSamplerOutput``.
        num_sampled_edges: per edge type, edges added at hops ``1..num_hops``
            (``num_hops`` entries), as in PyG's ``HeteroSamplerOutput``.
        seed_time: ``int64[num_seeds]`` seed times, seconds since the epoch.
        seed_type: node type of the seeds.
    """

    node: dict[str, np.ndarray]
    batch: dict[str, np.ndarray]
    edge_index: dict[EdgeType, np.ndarray]
    edge_id: dict[EdgeType, np.ndarray]
    num_sampled_nodes: dict[str, list[int]]
    num_sampled_edges: dict[EdgeType, list[int]]
    seed_time: np.ndarray
    seed_type: str

    @property
    def num_seeds(self) -> int:
        return len(self.seed_time)

    def to_sampler_output(self, input_id: np.ndarray | None = None):
        """Convert to ``torch_geometric.sampler.HeteroSamplerOutput``.

        ``row``/``col`` are ``edge_index[0]``/``edge_index[1]`` as int64 torch
        tensors, ``edge`` the edge ids; ``metadata = (input_id, seed_time)``
        as PyG's ``NodeLoader`` expects (``input_id`` defaults to
        ``arange(num_seeds)``).
        """
        import torch
        from torch_geometric.sampler import HeteroSamplerOutput

        if input_id is None:
            input_id = np.arange(self.num_seeds, dtype=np.int64)
        t = torch.from_numpy
        return HeteroSamplerOutput(
            node={k: t(v) for k, v in self.node.items()},
            row={k: t(np.ascontiguousarray(v[0])) for k, v in self.edge_index.items()},
            col={k: t(np.ascontiguousarray(v[1])) for k, v in self.edge_index.items()},
            edge={k: t(v) for k, v in self.edge_id.items()},
            batch={k: t(v) for k, v in self.batch.items()},
            num_sampled_nodes={k: list(v) for k, v in self.num_sampled_nodes.items()},
            num_sampled_edges={k: list(v) for k, v in self.num_sampled_edges.items()},
            metadata=(t(np.asarray(input_id, dtype=np.int64)), t(self.seed_time)),
        )


__all__ = ["SampledSubgraph"]
