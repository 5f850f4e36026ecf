"""Self-supervised relational pretraining of the backbone on the unlabeled database
(`pretrain`, ``rdl pretrain``) and row embeddings for downstream models (`embed`,
``rdl embed``).

Method: self-supervised relational reasoning (Patacchiola & Storkey, NeurIPS 2020) on
temporal subgraphs — `rdl.pretrain.views` (augmentations that keep the leakage rule),
`rdl.pretrain.objective` (pairs, relation head, loss), `rdl.pretrain.trainer` (the fit
loop of `rdl.train.Trainer`), `rdl.pretrain.job` (the job); the backbone checkpoint
format and ``rdl train --init`` live in `rdl.train.init`.
"""

from rdl.pretrain.config import PretrainConfig
from rdl.pretrain.embed import Embedder, embed
from rdl.pretrain.job import PretrainError, pretrain

__all__ = ["Embedder", "PretrainConfig", "PretrainError", "embed", "pretrain"]
