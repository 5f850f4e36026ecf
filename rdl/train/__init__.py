"""Training: `Trainer`, `TrainConfig`, `train_task` (the `rdl train` job), `predict_at`."""

from rdl.train.config import TrainConfig
from rdl.train.run import predict_at, train_task
from rdl.train.trainer import Trainer

__all__ = ["TrainConfig", "Trainer", "train_task", "predict_at"]
