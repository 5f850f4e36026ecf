"""Training: one job for every task kind (`train_task`, ``rdl train``), the shared
`Trainer` loop with its entity and link kinds, `TrainConfig` and checkpoints. Serving
(`predict_at`, write-back, explanations) lives in `rdl.serve`, several processes in
`rdl.scale`, the machine a process runs on in `rdl.runtime`."""

from rdl.train.config import TrainConfig
from rdl.train.entity import EntityTrainer
from rdl.train.job import train_task
from rdl.train.trainer import Trainer

__all__ = ["EntityTrainer", "TrainConfig", "Trainer", "train_task"]


def __getattr__(name: str):
    # `rdl.train.predict_at` moved to `rdl.serve.predict_at`; kept importable from here
    if name == "predict_at":
        import importlib

        return importlib.import_module("rdl.serve.predict").predict_at
    raise AttributeError(f"module 'rdl.train' has no attribute {name!r}")
