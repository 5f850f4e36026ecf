"""`predict_at` (``rdl predict``): a trained entity model's predictions for every entity
as of a timestamp."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database
from rdl.graph import build_graph
from rdl.train.checkpoint import load_checkpoint
from rdl.train.config import TrainConfig
from rdl.train.job import open_database


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

    ckpt = load_checkpoint(model_dir)
    if "entity_table" not in ckpt:
        raise ValueError(
            f"{ckpt['path']} holds a link-prediction model ({ckpt.get('model', '?')}); "
            "`rdl predict` serves entity-task models only so far")
    config = TrainConfig(**ckpt["config"])
    database, _ = open_database(db)
    at = pd.Timestamp(at)
    graph = build_graph(database, text=config.text, col_stats=ckpt["model_kwargs"]["col_stats"],
                        text_encoders=ckpt.get("text_encoders"), cache_dir=cache_dir)
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


__all__ = ["predict_at"]
