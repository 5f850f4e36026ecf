"""``model.pt``: a trained model and everything needed to serve it.

Fields common to every task kind: ``state_dict``, ``model_kwargs`` (the model's
constructor arguments, incl. the column stats the rows are encoded with), ``config``
(`TrainConfig` as a dict), ``task_spec``, ``task_type``, ``kind`` (the kind's checkpoint
tag, `rdl.tasks.kinds.TaskKind.tag`: ``"entity"`` or ``"link"``, which says how the
checkpoint is served; `checkpoint_kind` infers it for checkpoints written before it was
stored), ``db`` (the training URL),
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

from rdl.db.errors import MissingFileError, RdlError, spelled
from rdl.db.sources import safe_url

CHECKPOINT = "model.pt"


def save_checkpoint(
    out_dir: str | Path, trainer, *, task_spec: str, db_url: str, schema: dict | None = None
) -> Path:
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
        "kind": trainer.task.kind.tag,
        "db": safe_url(db_url),  # never the password (a checkpoint is copied around)
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


class CheckpointError(RdlError):
    """A ``model.pt`` that cannot be read (truncated, corrupt, not a checkpoint)."""


def load_checkpoint(model_dir: str | Path) -> dict:
    """The checkpoint dict of ``model_dir/model.pt``.

    Raises:
        FileNotFoundError: ``model_dir`` holds no ``model.pt`` (the message says how to
            make one).
        CheckpointError: the file is truncated, corrupt or not an rdl checkpoint (names
            the file; retrain or copy it again).
    """
    path = Path(model_dir) / CHECKPOINT
    if not path.exists():
        raise MissingFileError(
            f"{path} not found: train a model with "
            + spelled(
                f"rdl.train.train_task(db, task, out_dir={str(model_dir)!r})",
                f"`rdl train --out {model_dir}`",
            )
        )
    try:
        ckpt = torch.load(path, weights_only=False)
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        AttributeError,
        ImportError,
        ModuleNotFoundError,
        __import__("pickle").UnpicklingError,
    ) as e:
        raise CheckpointError(
            f"{path} cannot be read as a trained model ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else 'no detail'}): the file is truncated or "
            "corrupt (an interrupted copy?) or not an rdl checkpoint. Copy it again, or "
            "retrain with "
            + spelled(
                f"rdl.train.train_task(db, task, out_dir={str(model_dir)!r})",
                f"`rdl train --out {model_dir}`",
            )
            + "."
        ) from None
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt:
        raise CheckpointError(
            f"{path} is not an rdl checkpoint (no model weights in it): "
            "point at a directory written by "
            + spelled("rdl.train.train_task(..., out_dir=DIR)", "`rdl train --out DIR`")
            + "."
        )
    ckpt["path"] = str(path)
    ckpt["kind"] = checkpoint_kind(ckpt)
    return ckpt


def checkpoint_kind(ckpt: dict) -> str:
    """The checkpoint tag of ``ckpt`` (``"entity"``, ``"link"``, or a registered kind's
    tag): its ``kind`` field; for a checkpoint written before the field existed, the
    tag of its ``task_type``, or — without one — ``"entity"`` when it names an
    ``entity_table`` and ``"link"`` otherwise (the one place the tag is inferred)."""
    if ckpt.get("kind"):
        return ckpt["kind"]
    from rdl.tasks.kinds import ENTITY_TAG, LINK_TAG, kind_of

    try:
        return kind_of(ckpt["task_type"]).tag
    except (KeyError, ValueError):  # no or an unknown task type (TaskError is a ValueError)
        return ENTITY_TAG if "entity_table" in ckpt else LINK_TAG


__all__ = [
    "CHECKPOINT",
    "CheckpointError",
    "checkpoint_kind",
    "load_checkpoint",
    "save_atomic",
    "save_checkpoint",
]
