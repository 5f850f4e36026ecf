"""`predict_at` (``rdl predict``): a trained model's predictions for every entity as of a
timestamp — one value (or class probabilities) per entity for entity models, the top-k
destinations per source for link models."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from rdl.db import Database
from rdl.db.errors import ArgumentError, NoteWarning, arg
from rdl.db.sources import safe_url
from rdl.graph import build_graph
from rdl.train.checkpoint import load_checkpoint
from rdl.train.config import TrainConfig
from rdl.train.job import open_database


def _existing(database: Database, table: str, at: pd.Timestamp) -> pd.DataFrame:
    """Rows of ``table`` that exist at ``at`` (time ``<= at``; static tables whole)."""
    t = database[table]
    return t.upto(at).df if t.time_col else t.df


def model_tables(database: Database, ckpt: dict) -> Database:
    """``database`` restricted to the tables the model was trained on (a table added
    since — e.g. predictions written back with ``--allow-write-source`` — is left out).

    Raises:
        ValueError: a table of the model is missing from ``database``.
    """
    known = ckpt["model_kwargs"]["col_stats"]
    missing = sorted(set(known) - set(database))
    if missing:
        raise ValueError(
            f"{ckpt['path']}: the model was trained on tables {missing} that "
            f"this database does not have (tables: {sorted(database)})"
        )
    if set(database) == set(known):
        return database
    sub = Database({n: t for n, t in database.items() if n in known})
    sub.url = database.url
    return sub


def open_model_database(db: str | Database, ckpt: dict, config: TrainConfig) -> Database:
    """``db`` as the model saw it in training: a URL is read with the schema stored in
    the checkpoint (keys, time columns, stypes), restricted to the model's tables
    (`model_tables`) and checked to give the same feature columns.

    Raises:
        ValueError: a table of the model is missing.
        rdl.db.SchemaError: a table gives other feature columns than in training.
    """
    database = model_tables(open_database(db, ckpt.get("schema"))[0], ckpt)
    _check_features(database, ckpt, config)
    return database


def load_entity_model(
    model_dir: str | Path | None,
    db: str | Database,
    cache_dir=None,
    command: str = "predict",
    ckpt: dict | None = None,
):
    """A trained entity model ready to serve on ``db``.

    Returns:
        ``(checkpoint, database, graph, model, config)``: the database restricted to the
        model's tables (`model_tables`), its graph encoded with the model's column stats,
        the `rdl.nn.RDLModel` with its weights (eval mode) and the `TrainConfig`.

    Raises:
        FileNotFoundError: no ``model.pt`` in ``model_dir``.
        ValueError: a link-prediction checkpoint (``command`` names what refused it).
    """
    from rdl.nn.seed_inputs import entity_model
    from rdl.serve.kinds import serving_of

    ckpt = ckpt if ckpt is not None else load_checkpoint(cast("str | Path", model_dir))
    serving = serving_of(ckpt)
    if not serving.entity_model:
        raise ValueError(
            f"{ckpt['path']} holds {serving.what} "
            f"({ckpt.get('model', '?')}); `rdl {command}` serves entity-task "
            "models only"
        )
    config = TrainConfig(**ckpt["config"])
    database = open_model_database(db, ckpt, config)
    graph = build_graph(
        database,
        text=config.text,
        col_stats=ckpt["model_kwargs"]["col_stats"],
        text_encoders=ckpt.get("text_encoders"),
        cache_dir=cache_dir,
    )
    model = entity_model(**ckpt["model_kwargs"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return ckpt, database, graph, model, config


def predict_at(
    model_dir: str | Path,
    db: str | Database,
    at,
    *,
    cache_dir=None,
    top_k: int | None = None,
    task=None,
) -> pd.DataFrame:
    """Predictions of a trained model for every entity as of ``at``.

    The entities (link models: the sources) are the rows of the task's entity table that
    exist at ``at`` (time ``<= at`` when the table has a time column); every seed time is
    ``at``, so only rows dated ``<= at`` are visible. Rows are encoded with the model's
    own column stats; a URL is read with the schema stored in the checkpoint.

    Args:
        model_dir: a directory written by ``rdl train --out`` (``model.pt``).
        db: the database (URL, path or `Database`) to predict on.
        at: the seed time (anything `pandas.Timestamp` reads).
        cache_dir: graph cache directory.
        top_k: link models: destinations per source (default: the task's ``eval_k``).
        task: link models: the task (spec, class or instance; default: the checkpoint's
            ``task_spec``) — its candidate destinations and popularity are used.

    Returns:
        entity models: DataFrame ``[entity_col, time_col, "prediction"]``
        (multiclass/multilabel: ``prediction`` holds a list of probabilities); link models:
        ``[src_entity_col, time_col, "rank", "prediction"]``, one row per (source, rank
        ``1..top_k``) with the destination's primary key as ``prediction``, best first —
        only destinations that exist at ``at``.

    Raises:
        FileNotFoundError: ``model_dir`` holds no ``model.pt``.
        ValueError: ``top_k`` not in ``1 ..`` number of destination rows.
    """
    from rdl.serve.kinds import serving_of

    ckpt = load_checkpoint(model_dir)
    when = pd.Timestamp(at)
    if not pd.Timestamp.min <= when <= pd.Timestamp.max:
        raise ArgumentError(
            f"{arg('at', repr(str(at)), cli=str(at))} lies outside the years rdl's timestamps "
            f"hold ({pd.Timestamp.min.date()} .. {pd.Timestamp.max.date()}); pick a time in "
            "the span of the database"
        )
    if isinstance(db, Database):
        note_prediction_time(db, when)
    return serving_of(ckpt).predict_at(ckpt, db, when, cache_dir, top_k, task)


class PredictTimeWarning(NoteWarning):
    """A prediction time before any row of the database, or far past its last one."""


def note_prediction_time(db: Database, when: pd.Timestamp) -> None:
    """Warn (`PredictTimeWarning`) when ``when`` lies before the database's first dated
    row (nothing exists yet) or more than a year past its last one (every input is as of
    the last row: an extrapolation the model was never validated on)."""
    import warnings

    first, last = db.min_timestamp, db.max_timestamp
    if first is None or last is None:
        return
    if when < first:
        warnings.warn(
            PredictTimeWarning(
                f"prediction time {when} is before the database's first dated row ({first}): "
                "no history exists yet, so every prediction is the model's prior"
            ),
            stacklevel=3,
        )
    elif when - last > pd.Timedelta(days=365):
        years = (when - last).days / 365.25
        warnings.warn(
            PredictTimeWarning(
                f"prediction time {when} is {years:,.1f} years after the database's last row "
                f"({last}): every input is as of that row, an extrapolation the model was never "
                "validated on"
            ),
            stacklevel=3,
        )


def _entity_predict_at(ckpt: dict, db, at: pd.Timestamp, cache_dir, top_k, task) -> pd.DataFrame:
    """`predict_at` of an entity model: one prediction per entity row existing at ``at``."""
    from rdl.sampling import build_csc
    from rdl.train.entity import seed_feature_fn
    from rdl.train.inference import predict_seeds
    from rdl.train.seeds import to_seconds

    ckpt, database, graph, model, config = load_entity_model(None, db, cache_dir, ckpt=ckpt)
    entity = database[ckpt["entity_table"]]
    rows = _existing(database, ckpt["entity_table"], at)
    node = graph.node_index(ckpt["entity_table"], rows[entity.pkey_col].to_numpy())
    seed_time = np.full(len(node), to_seconds([at])[0], dtype=np.int64)
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    features = seed_feature_fn(ckpt, database, rows[entity.pkey_col].to_numpy(), seed_time)
    pred = predict_seeds(
        model,
        graph,
        csc,
        config,
        ckpt["task_type"],
        ckpt["clamp"],
        node,
        seed_time,
        features=features,
    )
    out = pd.DataFrame({ckpt["entity_col"]: rows[entity.pkey_col].to_numpy(), ckpt["time_col"]: at})
    out["prediction"] = list(pred) if pred.ndim > 1 else pred
    return out


def _link_predict_at(ckpt: dict, db, at: pd.Timestamp, cache_dir, top_k, task) -> pd.DataFrame:
    """`predict_at` of a link model: the top-k destinations per source row."""
    config = TrainConfig(**ckpt["config"])
    database = open_model_database(db, ckpt, config)
    graph = build_graph(
        database,
        text=config.text,
        col_stats=ckpt["model_kwargs"]["col_stats"],
        text_encoders=ckpt.get("text_encoders"),
        cache_dir=cache_dir,
    )
    return _link_top_k(ckpt, database, graph, config, at, top_k, task)


def load_link_trainer(ckpt: dict, database: Database, graph, config: TrainConfig, task=None):
    """The link trainer of a checkpoint, its model's weights loaded; the task rebuilt on
    ``database`` from ``task`` (a spec, class or instance) or the checkpoint's
    ``task_spec``."""
    from rdl.train.job import resolve_task
    from rdl.train.link import link_trainer

    task, _ = resolve_task(ckpt["task_spec"] if task is None else task, database)
    options = (
        {"shallow": bool(ckpt["model_kwargs"].get("shallow"))}
        if ckpt["model"] == "two-tower"
        else {}
    )
    trainer = link_trainer(task, graph, config, ckpt["model"], **options)
    try:
        trainer.model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:  # e.g. a shallow embedding sized for another table
        raise ValueError(
            f"{ckpt['path']}: the model does not fit this database's graph (trained on "
            f"{safe_url(ckpt['db'])}): {str(e).splitlines()[-1].strip()}"
        ) from None
    trainer.model.eval()
    return trainer


def _link_top_k(
    ckpt: dict,
    database: Database,
    graph,
    config: TrainConfig,
    at: pd.Timestamp,
    top_k: int | None,
    task=None,
) -> pd.DataFrame:
    from rdl.train.link import LinkSeeds
    from rdl.train.seeds import to_seconds

    trainer = load_link_trainer(ckpt, database, graph, config, task)
    task = trainer.task
    k = int(top_k or ckpt.get("eval_k") or task.eval_k)
    if not 1 <= k <= trainer.num_dst:
        raise ArgumentError(
            f"{arg('top_k', k)}: choose 1 .. {trainer.num_dst} (the rows of "
            f"{task.dst_entity_table!r})"
        )
    task.eval_k = k  # this instance only: `rank` returns the top `eval_k`
    src_table = database[task.src_entity_table]
    rows = _existing(database, task.src_entity_table, at)
    keys = rows[src_table.pkey_col].to_numpy()
    src = graph.node_index(task.src_entity_table, keys)
    n = len(src)
    seeds = LinkSeeds(
        src,
        np.full(n, to_seconds([at])[0], dtype=np.int64),
        np.zeros(n + 1, dtype=np.int64),
        np.zeros(0, np.int64),
        pd.DataFrame({task.src_entity_col: keys}),
    )
    ranked = trainer.rank(seeds) if n else np.zeros((0, k), dtype=np.int64)
    return pd.DataFrame(
        {
            task.src_entity_col: np.repeat(keys, k),
            task.time_col: at,
            "rank": np.tile(np.arange(1, k + 1), n),
            "prediction": ranked.reshape(-1),
        }
    )


def _check_features(database: Database, ckpt: dict, config: TrainConfig) -> None:
    """The database read now must give the feature columns the model was trained on.

    Raises:
        SchemaError: a table or feature column differs; the message names them.
    """
    from rdl.db import SchemaError
    from rdl.graph.build import feature_frame

    trained = ckpt["model_kwargs"]["col_stats"]
    diffs = []
    for name, stats in trained.items():
        if name not in database:
            diffs.append(f"table {name!r} is missing")
            continue
        now = set(feature_frame(database[name], config.text)[1])
        if now != set(stats):
            diffs.append(f"{name}: trained on {sorted(stats)}, now {sorted(now)}")
    if diffs:
        raise SchemaError(
            f"{ckpt['path']} was trained on other features than this database gives: "
            + "; ".join(diffs[:5])
            + ". Predictions read the database with the schema "
            f"stored in the checkpoint; drop the schema options ({arg('stypes')}, "
            f"{arg('exclude_columns')}, {arg('primary_keys')} ...) that change it, or retrain."
        )


from rdl.serve.kinds import Serving, register_serving  # noqa: E402  (the built-in tags)
from rdl.tasks.kinds import ENTITY_TAG, LINK_TAG  # noqa: E402

register_serving(
    ENTITY_TAG,
    Serving(
        _entity_predict_at,
        lambda ckpt: ckpt["entity_table"],
        entity_model=True,
        what="an entity-task model",
    ),
)
register_serving(
    LINK_TAG,
    Serving(
        _link_predict_at, lambda ckpt: ckpt["src_entity_table"], what="a link-prediction model"
    ),
)


__all__ = [
    "load_entity_model",
    "load_link_trainer",
    "model_tables",
    "open_model_database",
    "predict_at",
]
