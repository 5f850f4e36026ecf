"""`MODELS`: every model ``rdl train --model`` can train — one entry each with the task
kinds it serves, its trainer and its help — and `make_trainer`, which picks one for a task.

A kind's first registered model is its default (``gnn`` for the entity kinds,
``two-tower`` for link prediction). A new model (or the model of a new kind) is one
`register_model` call; the CLI's ``--model`` check and ``rdl train --help`` list come
from here (`model_names`, `models_help`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdl.db.errors import arg
from rdl.tasks.kinds import ENTITY_TAG, LINK, KindParts, TaskKind, kind_of
from rdl.train.heads import HEADS


@dataclass(frozen=True)
class ModelEntry:
    """One trainable model.

    Attributes:
        name: the ``--model`` value and the model's name in ``results.json``.
        kinds: the kind names it serves, or a `rdl.tasks.kinds.KindParts` registry: then
            every kind with a part there (``gnn``: every kind with an entity head,
            `rdl.train.heads.HEADS`).
        build: ``build(task, graph, config, train_table, **options) -> Trainer``.
        help: one line for ``--help``.
        options: the keyword options it takes (others are not passed to ``build``).
    """

    name: str
    kinds: tuple[str, ...] | KindParts
    build: Callable
    help: str = ""
    options: tuple[str, ...] = ()

    def kinds_text(self) -> str:
        """The checkpoint tags of the kinds served, for messages (``"entity"``,
        ``"link"``)."""
        if isinstance(self.kinds, KindParts):
            return ENTITY_TAG
        return " / ".join(dict.fromkeys(kind_of(k).tag for k in self.kinds))

    def serves(self, kind: TaskKind | str) -> bool:
        """Whether the model trains tasks of ``kind``."""
        k = kind_of(kind)
        return k in self.kinds if isinstance(self.kinds, KindParts) else k.name in self.kinds


#: name -> entry, in registration order (a kind's first entry is its default model).
MODELS: dict[str, ModelEntry] = {}


def register_model(entry: ModelEntry) -> ModelEntry:
    """Add ``entry`` to `MODELS` (replacing one of the same name); returns it."""
    MODELS[entry.name] = entry
    return entry


def model_names() -> list[str]:
    """Every registered model name (the ``--model`` choices)."""
    return list(MODELS)


def models_for(kind) -> list[ModelEntry]:
    """The entries serving ``kind`` (a kind, its name or a task), default first."""
    k = kind_of(kind)
    return [e for e in MODELS.values() if e.serves(k)]


def models_help() -> str:
    """``--model`` help: each model, the kinds it serves and its help line."""
    parts = []
    for e in MODELS.values():
        kinds = f"{e.kinds_text()} tasks"
        parts.append(f"{e.name} ({kinds}): {e.help}" if e.help else f"{e.name} ({kinds})")
    return "; ".join(parts)


def make_trainer(task, graph, config, train_table, model: str | None = None, **options):
    """The trainer of ``model`` for ``task`` (default: the first model serving its kind).

    Args:
        model: a `MODELS` name or ``None``.
        options: model options (``shallow``, ``num_negatives``, ``history``); each model
            gets the ones it declares.

    Raises:
        ConfigError: ``model`` unknown or not serving the task's kind (field ``model``).
        rdl.tasks.TaskError: no model serves the task's kind.
    """
    from rdl.tasks import TaskError
    from rdl.train.config import ConfigError

    kind = kind_of(task)
    serving = models_for(kind)
    if model is None:
        if not serving:
            raise TaskError(
                f"no model trains tasks of kind {kind.name!r}; register one with "
                "rdl.train.models.register_model"
            )
        entry = serving[0]
    elif model not in MODELS:
        raise ConfigError("model", f"unknown model {model!r}; choose one of {model_names()}")
    else:
        entry = MODELS[model]
        if not entry.serves(kind):
            which = (
                " | ".join(arg("model", repr(e.name), cli=e.name) for e in serving)
                or "no model yet"
            )
            raise ConfigError(
                "model",
                f"model {model!r} is for {entry.kinds_text()} tasks; task "
                f"{task.name!r} is a {kind.name} task, trained with {which}",
            )
    kwargs = {k: v for k, v in options.items() if k in entry.options}
    return entry.build(task, graph, config, train_table, **kwargs)


def _gnn(task, graph, config, train_table):
    from rdl.train.entity import EntityTrainer
    from rdl.train.seeds import make_seeds

    return EntityTrainer(task, graph, config, make_seeds(task, train_table, graph).y)


def _link(name: str):
    def build(task, graph, config, train_table, **options):
        from rdl.tasks import LinkHistory
        from rdl.train.link import link_trainer

        if options.get("history") is None:  # shared with the link baselines
            options["history"] = LinkHistory(task, task.input_db(config.protocol))
        return link_trainer(task, graph, config, name, train_table=train_table, **options)

    return build


register_model(
    ModelEntry("gnn", HEADS, _gnn, "the relational GNN with a per-kind output head (default)")
)
register_model(
    ModelEntry(
        "two-tower",
        (LINK.name,),
        _link("two-tower"),
        "source and destination embeddings scored by a dot product (default)",
        ("shallow", "num_negatives", "history"),
    )
)
register_model(
    ModelEntry(
        "idgnn",
        (LINK.name,),
        _link("idgnn"),
        "ID-GNN: scores the destinations in the source's subgraph (falls back to contextgnn "
        "when they reach almost no training link)",
        ("history",),
    )
)
register_model(
    ModelEntry(
        "contextgnn",
        (LINK.name,),
        _link("contextgnn"),
        "scores every destination, also those outside the source's subgraph",
        ("history",),
    )
)


__all__ = [
    "MODELS",
    "ModelEntry",
    "make_trainer",
    "model_names",
    "models_for",
    "models_help",
    "register_model",
]
