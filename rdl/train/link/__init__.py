"""Link-prediction training: seeds, sampling plans and the two-tower / ID-GNN trainers
(`rdl.train.link.trainer`)."""

from rdl.train.link.plan import bidirectional, idgnn_fanouts, schema_distances
from rdl.train.link.seeds import LinkSeeds, make_link_seeds
from rdl.train.link.trainer import (
    MODELS,
    IDGNNTrainer,
    LinkTrainer,
    TwoTowerTrainer,
    link_trainer,
)

__all__ = ["IDGNNTrainer", "LinkSeeds", "LinkTrainer", "MODELS", "TwoTowerTrainer",
           "bidirectional", "idgnn_fanouts", "link_trainer", "make_link_seeds",
           "schema_distances"]
