"""Neural network modules: row encoders, temporal encoding, heterogeneous GNN, pooling."""

from rdl.nn.backbone import BackboneConfig, RelationalBackbone
from rdl.nn.convs import GNNS, RelationConv
from rdl.nn.encoder import HeteroEncoder
from rdl.nn.gnn import HeteroGNN, HeteroGraphSAGE
from rdl.nn.keys import safe_key
from rdl.nn.model import RDLModel
from rdl.nn.pooling import POOLINGS, SubgraphPooling
from rdl.nn.temporal import TemporalEncoder

__all__ = [
    "GNNS",
    "POOLINGS",
    "BackboneConfig",
    "HeteroEncoder",
    "HeteroGNN",
    "HeteroGraphSAGE",
    "RDLModel",
    "RelationConv",
    "RelationalBackbone",
    "SubgraphPooling",
    "TemporalEncoder",
    "safe_key",
]
