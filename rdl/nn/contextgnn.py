"""ContextGNN (Yuan et al. 2024, "ContextGNN: Beyond Two-Tower Recommendation Systems";
kumo-ai/ContextGNN ``contextgnn/nn/models/contextgnn.py``), on rdl's backbone.

A link model that scores **every** destination for a source, not only those its
subgraph reaches:

* one identity-aware GNN pass over the source's sampled subgraph (as `IDGNNModel`: an
  identity vector on the seed, message passing over the whole subgraph in both edge
  directions), giving the source embedding ``h_s`` ``[channels]`` and an embedding ``h_d``
  for every destination row the subgraph reaches;
* **reached** destinations (the pair-wise, "context" part) score
  ``head(h_d) + <h_s, h_d> + w_id . P h_s`` — ID-GNN's score;
* **all other** destinations (the two-tower part) score ``<P h_s, e_d> + w_emb . P h_s``
  where ``P`` projects to ``embedding_dim`` and ``e_d`` is the destination's own
  embedding: a learned per-row vector (``lookup``) plus an encoding of the row's columns
  (rdl's row encoder of the destination table, then an MLP; ContextGNN's
  ``RHSEmbeddingMode.FUSION``), so a destination the training labels never named still
  gets a score from its columns;
* rdl's addition, for destinations whose appeal changes with time (new items, trends):
  every score gets ``(W P h_s + b) . c_d(t)`` where ``c_d(t)`` is the destination's
  *context at the seed time* (``[num_context]`` numbers the trainer computes from rows
  dated ``<= t``: e.g. its links so far, its links in the last window, its age), weighted
  per source (how much this source follows the crowd). ContextGNN's destination
  embedding is static and leaves recency to the reached part.

Trained with softmax cross entropy over the destinations (PyG's ``sparse_cross_entropy``,
as ContextGNN's RelBench example), destinations that do not exist at the seed time masked
out.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MLP

from rdl.nn.backbone import BackboneConfig, RelationalBackbone


class DestinationEmbedding(torch.nn.Module):
    """``e_d`` for destination rows: ``lookup[d] + MLP(row_encoder(columns of d))``
    ``[num, embedding_dim]`` (ContextGNN's ``RHSEmbedding`` in ``FUSION`` mode).

    Args:
        num_nodes: destination rows (size of the lookup table).
        channels: the row encoder's output size; embedding_dim: ``e_d``'s size.
    """

    def __init__(self, num_nodes: int, channels: int, embedding_dim: int):
        super().__init__()
        self.lookup = torch.nn.Embedding(num_nodes, embedding_dim)
        self.mlp = MLP([channels, channels, embedding_dim], norm="layer_norm")
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.lookup.weight, std=0.01)
        self.mlp.reset_parameters()

    def forward(self, index: Tensor, row_encoding: Tensor) -> Tensor:
        """``index`` ``[n]`` destination rows, ``row_encoding`` ``[n, channels]`` their
        encoded columns -> ``[n, embedding_dim]``."""
        return self.lookup(index) + self.mlp(row_encoding)


class ContextGNNModel(torch.nn.Module):
    """ContextGNN link model (see the module docstring).

    Args:
        src_table, dst_table: the task's source and destination tables.
        num_dst_nodes: rows of the destination table.
        embedding_dim: size of the two-tower part's embeddings (ContextGNN: 64).
        num_context: numbers per destination in the time context ``c_d(t)`` (0: none).
        backbone: the `BackboneConfig` (its ``num_layers``: at least the number of
            foreign-key hops from ``src_table`` to ``dst_table``); or its fields as
            keyword arguments (``backbone_args``).
    """

    def __init__(
        self,
        *,
        src_table: str,
        dst_table: str,
        num_dst_nodes: int,
        embedding_dim: int = 64,
        num_context: int = 0,
        backbone: BackboneConfig | None = None,
        **backbone_args,
    ):
        super().__init__()
        self.src_table, self.dst_table = src_table, dst_table
        self.backbone = RelationalBackbone(BackboneConfig.of(backbone, backbone_args))
        channels = self.backbone.channels
        self.identity = torch.nn.Embedding(1, channels)
        self.head = MLP(channels, out_channels=1, norm="layer_norm", num_layers=1)
        self.project = torch.nn.Linear(channels, embedding_dim)
        self.offset_reached = torch.nn.Linear(embedding_dim, 1)
        self.offset_other = torch.nn.Linear(embedding_dim, 1)
        self.dst_embedding = DestinationEmbedding(num_dst_nodes, channels, embedding_dim)
        self.num_context = num_context
        if num_context:
            self.context_weight = torch.nn.Linear(embedding_dim, num_context)

    def reset_parameters(self) -> None:
        self.backbone.reset_parameters()
        self.identity.reset_parameters()
        self.head.reset_parameters()
        self.project.reset_parameters()
        self.offset_reached.reset_parameters()
        self.offset_other.reset_parameters()
        self.dst_embedding.reset_parameters()
        if self.num_context:
            self.context_weight.reset_parameters()

    def destination_embeddings(self, index: Tensor, tf_dict: dict) -> Tensor:
        """``e_d`` ``[len(index), embedding_dim]`` of destination rows ``index``."""
        rows = self.backbone.encoder(self.dst_table, tf_dict[self.dst_table][index])
        return self.dst_embedding(index, rows)

    def forward(
        self,
        batch,
        tf_dict: dict,
        edge_index_dict: dict,
        dst_index: Tensor,
        dst_emb: Tensor | None = None,
        context: Tensor | None = None,
    ) -> Tensor:
        """Scores of destinations ``dst_index`` for the seeds of ``batch``.

        Args:
            batch: source seeds' subgraphs (`rdl.sampling.loader.to_batch`).
            tf_dict: the graph's TensorFrames.
            edge_index_dict: the batch's edges in both directions.
            dst_index: ``[M]`` destination rows to score (all of them, or a sample that
                contains the positives); reached destinations outside it are ignored.
            dst_emb: ``destination_embeddings(dst_index)``, when the caller has them
                (evaluation computes them once for many batches).
            context: ``[num_seeds, M, num_context]`` time context of each destination at
                each seed's time (required when ``num_context > 0``).

        Returns:
            ``[num_seeds, M]`` logits.
        """
        x_dict, _ = self.backbone.features(batch, tf_dict)
        num_seeds = batch.seed_time.numel()
        x_src = x_dict[self.src_table]
        is_seed = torch.zeros(x_src.size(0), 1, dtype=x_src.dtype)
        is_seed[:num_seeds] = 1.0
        x_dict[self.src_table] = x_src + is_seed * self.identity.weight
        x_dict, _ = self.backbone(batch, tf_dict, edge_index_dict, x_dict=x_dict, trim=False)
        h_src = x_dict[self.src_table][:num_seeds]
        p_src = self.project(h_src)
        if dst_emb is None:
            dst_emb = self.destination_embeddings(dst_index, tf_dict)
        logits = p_src @ dst_emb.t() + self.offset_other(p_src)
        if self.num_context:
            assert context is not None  # a model with context slots is given the context
            w = self.context_weight(p_src).to(context.dtype)  # [B, num_context]
            logits = logits + torch.einsum("bmc,bc->bm", context, w).to(logits.dtype)
        if self.dst_table not in x_dict:
            return logits
        h_dst = x_dict[self.dst_table]
        store = batch[self.dst_table]
        col = torch.full(
            (int(dst_index.max()) + 1 if dst_index.numel() else 0,), -1, dtype=torch.long
        )
        col[dst_index] = torch.arange(dst_index.numel())
        node = store.n_id
        keep = node < col.numel()
        keep[keep.clone()] = col[node[keep]] >= 0
        if not bool(keep.any()):
            return logits
        seed, h = store.batch[keep], h_dst[keep]
        reached = (
            self.head(h).view(-1)
            + (h_src[seed] * h).sum(-1)
            + self.offset_reached(p_src).view(-1)[seed]
        )
        if self.num_context:
            assert context is not None
            reached = reached + (context[seed, col[node[keep]]] * w[seed]).sum(-1)
        logits = logits.clone()
        logits[seed, col[node[keep]]] = reached.to(logits.dtype)
        return logits
