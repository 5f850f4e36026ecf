"""``model.pt``: a trained model and everything needed to serve it.

Fields common to every task kind: ``state_dict``, ``model_kwargs`` (the model's
constructor arguments, incl. the column stats the rows are encoded with), ``config``
(`TrainConfig` as a dict), ``task_spec``, ``task_type``, ``db`` (the training URL),
``schema`` (the database's every schema choice as `rdl.connect` arguments,
``Database.schema``, so ``rdl predict`` reads a database as training did); plus
the kind's own fields (`rdl.train.trainer.Trainer.checkpoint_fields`: an entity model's
``entity_table`` / ``entity_col`` / ``time_col`` / ``clamp``, a link model's ``model`` /
``fanouts`` / ``src_entity_table`` / ``dst_entity_table`` / ``eval_k``).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from rdl.db.errors import MissingFileError, spelled

CHECKPOINT = "model.pt"


def save_checkpoint(out_dir: str | Path, trainer, *, task_spec: str, db_url: str,
                    schema: dict | None = None) -> Path:
    """Write ``out_dir/model.pt`` for a fitted ``trainer`` (temp file, then rename).

    Returns:
        the path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / CHECKPOINT
    payload = {
        "state_dict": trainer.model.state_dict(),
        "model_kwargs": trainer.kwargs,
        "config": trainer.config.to_dict(),
        "task_spec": task_spec,
        "task_type": str(trainer.task.task_type),
        "db": db_url,
        "schema": schema,
        **trainer.checkpoint_fields(),
    }
    return save_atomic(payload, path)


def save_atomic(payload: dict, path: Path) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then an atomic rename (a reader
    never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(model_dir: str | Path) -> dict:
    """The checkpoint dict of ``model_dir/model.pt``.

    Raises:
        FileNotFoundError: ``model_dir`` holds no ``model.pt`` (the message says how to
            make one).
    """
    path = Path(model_dir) / CHECKPOINT
    if not path.exists():
        raise MissingFileError(f"{path} not found: train a model with "
                               + spelled(f"rdl.train.train_task(db, task, "
                                         f"out_dir={str(model_dir)!r})",
                                         f"`rdl train --out {model_dir}`"))
    ckpt = torch.load(path, weights_only=False)
    ckpt["path"] = str(path)
    return ckpt


__all__ = ["CHECKPOINT", "load_checkpoint", "save_atomic", "save_checkpoint"]
