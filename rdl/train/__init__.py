"""Training: one job for every task kind (`train_task`, ``rdl train``), the shared
`Trainer` loop with its entity and link kinds, `TrainConfig`, checkpoints and
`predict_at` (``rdl predict``)."""

from rdl.train.config import TrainConfig
from rdl.train.entity import EntityTrainer
from rdl.train.job import train_task
from rdl.train.predict import predict_at
from rdl.train.trainer import Trainer

__all__ = ["EntityTrainer", "TrainConfig", "Trainer", "predict_at", "train_task"]
