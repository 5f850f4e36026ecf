"""Link-prediction training: seeds, sampling plans and the two-tower
(`rdl.train.link.trainer`), ID-GNN (`rdl.train.link.idgnn`) and ContextGNN
(`rdl.train.link.contextgnn`) trainers, chosen by name with `link_trainer`
(`rdl.train.link.factory`)."""

from rdl.train.link.contextgnn import ContextGNNTrainer
from rdl.train.link.factory import MIN_REACHABLE, MODELS, link_trainer
from rdl.train.link.idgnn import IDGNNTrainer
from rdl.train.link.plan import bidirectional, idgnn_fanouts, schema_distances
from rdl.train.link.seeds import LinkSeeds, make_link_seeds
from rdl.train.link.trainer import LinkTrainer, TwoTowerTrainer

__all__ = [
    "MIN_REACHABLE",
    "MODELS",
    "ContextGNNTrainer",
    "IDGNNTrainer",
    "LinkSeeds",
    "LinkTrainer",
    "TwoTowerTrainer",
    "bidirectional",
    "idgnn_fanouts",
    "link_trainer",
    "make_link_seeds",
    "schema_distances",
]
