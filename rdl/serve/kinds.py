"""How a checkpoint is served, per checkpoint tag (``model.pt``'s ``"kind"``,
`rdl.tasks.kinds.TaskKind.tag`): `Serving` entries in `SERVING`.

``rdl predict`` (`rdl.serve.predict.predict_at`), ``rdl explain`` (`rdl.serve.explain`)
and ``rdl embed`` (`rdl.pretrain.embed`) look the checkpoint's tag up here instead of
guessing its kind from its keys. The built-in tags, ``"entity"`` and ``"link"``, are
registered by `rdl.serve.predict`; a kind with a new tag registers its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Serving:
    """What rdl can do with the checkpoints of one tag.

    Attributes:
        predict_at: ``f(ckpt, db, at, cache_dir, top_k, task) -> DataFrame``: the
            predictions as of ``at`` (`rdl.serve.predict.predict_at`'s contract).
        seed_table: ``f(ckpt) -> str``: the table whose rows the model predicts for (the
            entity table, a link model's source table) — ``rdl embed``'s default table.
        entity_model: the checkpoint holds an `rdl.nn.RDLModel` on one entity table
            (`rdl.serve.predict.load_entity_model` loads it): ``rdl explain`` explains
            it and ``rdl embed`` gives its pooled vectors on that table.
        what: the kind of model, for messages (``"an entity-task model"``).
    """

    predict_at: Callable
    seed_table: Callable[[dict], str]
    entity_model: bool = False
    what: str = "a model"


#: checkpoint tag -> `Serving`.
SERVING: dict[str, Serving] = {}


def register_serving(tag: str, serving: Serving) -> Serving:
    """Register how checkpoints tagged ``tag`` are served; returns ``serving``."""
    SERVING[tag] = serving
    return serving


def serving_of(ckpt: dict) -> Serving:
    """The `Serving` of a loaded checkpoint (its ``"kind"`` tag, which
    `rdl.train.checkpoint.load_checkpoint` fills in for old checkpoints).

    Raises:
        ValueError: a tag nothing serves (the message names the checkpoint and the tags).
    """
    import rdl.serve  # noqa: F401  (its predict module registers the built-in tags)
    from rdl.train.checkpoint import checkpoint_kind

    tag = checkpoint_kind(ckpt)
    if tag not in SERVING:
        raise ValueError(
            f"{ckpt.get('path', 'the checkpoint')} holds a model of kind {tag!r} "
            f"that rdl cannot serve (served: {sorted(SERVING)}; "
            "rdl.serve.kinds.register_serving adds one)"
        )
    return SERVING[tag]


__all__ = ["SERVING", "Serving", "register_serving", "serving_of"]
