"""`train_task`: database URL + task -> trained GNN, RelBench-style report, checkpoint."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rdl.db import Database, connect
from rdl.graph import build_graph
from rdl.report import write_results
from rdl.train.config import TrainConfig
from rdl.train.seeds import make_seeds
from rdl.train.trainer import Trainer

CHECKPOINT = "model.pt"


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB, ``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def add_timing(results: dict, graph, graph_build_s: float, train_s: float, history: list[dict],
               t_start: float, config: TrainConfig) -> None:
    """Fill ``results["timing"]`` (``graph_build_s``, ``graph_cached``, ``train_s``,
    ``epoch_s`` — mean seconds per epoch incl. validation —, ``total_s`` since ``t_start``,
    a `time.perf_counter` value), ``results["peak_rss_mb"]`` and ``results["config"]``."""
    results["timing"] = {
        "graph_build_s": graph_build_s,
        "graph_cached": bool(graph.info.get("cached")),
        "train_s": train_s,
        "epoch_s": float(np.mean([h["seconds"] for h in history])) if history else 0.0,
        "total_s": time.perf_counter() - t_start,
    }
    results["peak_rss_mb"] = peak_rss_mb()
    results["config"] = config.to_dict()


def split_tables_and_graph(task, database: Database, config: TrainConfig, cache_dir=None):
    """The task's train / val / test tables (test targets unmasked, for scoring only) and
    the database's graph, column stats cut at the task's test timestamp.

    Returns:
        ``(tables, graph, graph_build_s)``; ``graph_build_s`` in seconds (≈ 0 when cached).
    """
    tables = {
        "train": task.get_table("train"),
        "val": task.get_table("val"),
        "test": task.get_table("test", mask_input_cols=False),
    }
    t0 = time.perf_counter()
    graph = build_graph(database, text=config.text, stats_until=task.test_timestamp,
                        cache_dir=cache_dir)
    return tables, graph, time.perf_counter() - t0


def _open(db: str | Database) -> tuple[Database, str]:
    if isinstance(db, Database):
        return db, getattr(db, "url", None) or "<in-memory>"
    from rdl.db.write import normalize_url

    url = normalize_url(db)
    return connect(url), url


def resolve_task(task, db: Database):
    """A task spec (``FILE.py:NAME`` / built-in name), an `EntityTask` class or an
    instance -> an instance on ``db``; also returns the name used in reports."""
    from rdl.tasks import load_task

    if isinstance(task, str):
        return load_task(task, db), task
    if isinstance(task, type):
        inst = task(db)
    else:
        inst = task if task.db is db else task.with_db(db)
    return inst, getattr(inst, "name", type(inst).__name__)


def train_task(
    db: str | Database,
    task_spec,
    config: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    *,
    baselines: bool = True,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    model: str = "two-tower",
) -> dict:
    """Train and evaluate the GNN on one entity task, beside the task's baselines.

    Link tasks (`rdl.tasks.LinkTask`) go to `rdl.train.link.train_link_task` with
    ``model`` (``"two-tower"`` or ``"idgnn"``; ignored for entity tasks).

    Args:
        db: a database URL / path, or a `Database`.
        task_spec: ``FILE.py:NAME`` or a built-in name (``rel-f1/driver-dnf``), or an
            `EntityTask` class or instance.
        config: `TrainConfig` (defaults: RelBench's).
        out_dir: where ``results.json`` and ``model.pt`` go (``None``: nothing written).
        baselines: also run `rdl.baselines` (same report).
        cache_dir: graph / text-embedding cache (default ``$RDL_CACHE_DIR`` or
            ``~/.cache/rdl``).

    Returns:
        the results dict written to ``results.json``: ``task``, ``db``, ``splits``,
        ``baselines``, ``models.gnn`` (``val``, ``test``, ``fit_seconds``, ``history``),
        ``timing`` (``graph_build_s``, ``train_s``, ``epoch_s``, ``total_s``),
        ``peak_rss_mb``, ``config``.
    """
    t_start = time.perf_counter()
    config = config or TrainConfig()
    database, url = _open(db)
    task, task_spec = resolve_task(task_spec, database)
    if str(task.task_type) == "link_prediction":
        from rdl.train.link import train_link_task

        return train_link_task(database, task, config, out_dir, model=model, baselines=baselines,
                               progress=progress, cache_dir=cache_dir, task_name=task_spec,
                               db_url=url)
    tables, graph, graph_build_s = split_tables_and_graph(task, database, config, cache_dir)
    seeds = {s: make_seeds(task, t, graph) for s, t in tables.items()}

    t0 = time.perf_counter()
    trainer = Trainer(task, graph, config, seeds["train"].y)
    history = trainer.fit(seeds["train"], seeds["val"], progress=progress)
    train_s = time.perf_counter() - t0
    val = trainer.evaluate(seeds["val"])
    test = trainer.evaluate(seeds["test"])

    results = {
        "task": task_spec,
        "db": url,
        "splits": {s: len(t.df) for s, t in tables.items()},
        "baselines": {},
        "models": {"gnn": {"val": val, "test": test, "fit_seconds": train_s,
                           "epochs_run": len(history), "history": history}},
    }
    if baselines:
        from rdl.baselines import run_baselines

        results["baselines"] = run_baselines(database, task)["baselines"]
    add_timing(results, graph, graph_build_s, train_s, history, t_start, config)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        torch.save({
            "state_dict": trainer.model.state_dict(),
            "model_kwargs": trainer.kwargs,
            "config": config.to_dict(),
            "task_spec": task_spec,
            "task_type": str(task.task_type),
            "entity_table": task.entity_table,
            "entity_col": task.entity_col,
            "time_col": task.time_col,
            "clamp": trainer.clamp,
            "db": url,
        }, out / CHECKPOINT)
        write_results(results, out)
    return results


def predict_at(model_dir: str | Path, db: str | Database, at, *, cache_dir=None) -> pd.DataFrame:
    """Predictions of a trained model for every entity as of ``at``.

    The entities are the rows of the task's entity table that exist at ``at`` (time
    ``<= at`` when the table has a time column); every seed time is ``at``, so only rows
    dated ``<= at`` are visible. Rows are encoded with the model's own column stats.

    Returns:
        DataFrame ``[entity_col, time_col, "prediction"]`` (multiclass/multilabel:
        ``prediction`` holds a list of probabilities).

    Raises:
        FileNotFoundError: ``model_dir`` holds no ``model.pt``.
        ValueError: the checkpoint is a link-prediction model.
    """
    from rdl.nn import RDLModel
    from rdl.sampling import build_csc
    from rdl.train.inference import predict_seeds
    from rdl.train.seeds import to_seconds

    path = Path(model_dir) / CHECKPOINT
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: train a model with `rdl train --out {model_dir}`")
    ckpt = torch.load(path, weights_only=False)
    if "entity_table" not in ckpt:
        raise ValueError(
            f"{path} holds a link-prediction model ({ckpt.get('model', '?')}); `rdl predict` "
            "serves entity-task models only so far")
    config = TrainConfig(**ckpt["config"])
    database, _ = _open(db)
    at = pd.Timestamp(at)
    graph = build_graph(database, text=config.text, col_stats=ckpt["model_kwargs"]["col_stats"],
                        cache_dir=cache_dir)
    entity = database[ckpt["entity_table"]]
    rows = entity.upto(at).df if entity.time_col else entity.df
    node = graph.node_index(ckpt["entity_table"], rows[entity.pkey_col].to_numpy())
    seed_time = np.full(len(node), to_seconds([at])[0], dtype=np.int64)
    model = RDLModel(**ckpt["model_kwargs"])
    model.load_state_dict(ckpt["state_dict"])
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    pred = predict_seeds(model, graph, csc, config, ckpt["task_type"], ckpt["clamp"], node, seed_time)
    out = pd.DataFrame({ckpt["entity_col"]: rows[entity.pkey_col].to_numpy(), ckpt["time_col"]: at})
    out["prediction"] = list(pred) if pred.ndim > 1 else pred
    return out


__all__ = ["train_task", "predict_at", "peak_rss_mb"]
