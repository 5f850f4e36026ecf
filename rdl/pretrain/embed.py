"""Row embeddings (``rdl embed``, `rdl.embed`): one vector per row of a table as of a time,
from a pretrained backbone (``backbone.pt``) or a trained model (``model.pt``).

A row's vector at time ``t`` is computed from its temporal subgraph sampled at seed time
``t`` — only rows dated ``<= t`` — with the model's own column statistics, exactly as the
model sees a seed at inference:

* ``backbone.pt`` (``rdl pretrain``), or any table other than a trained entity model's
  own: the row's embedding after message passing (the backbone's seed-node output, the
  vector the relation head of pretraining compares);
* ``model.pt`` of an entity model, on its entity table: `rdl.nn.RDLModel.embed` (the
  readout before the head, ``pooling`` included).

Sampling is seeded (the model's ``config.seed``): the same call gives the same vectors.
With ``temporal_strategy="uniform"`` and a fanout below a row's number of neighbours, a
vector is one random draw of its subgraph, which may differ when the row is embedded in
another batch (as predictions do).

The vectors are what a logistic regression, a gradient-boosted model or a nearest-
neighbour index can use directly (``notebooks/embeddings.ipynb``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rdl.db import Database, RdlError
from rdl.db.errors import MissingFileError, arg, spelled
from rdl.db.sources import safe_url
from rdl.graph import build_graph
from rdl.nn import RelationalBackbone
from rdl.nn.seed_inputs import entity_model
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import NodeLoader
from rdl.serve.kinds import serving_of
from rdl.train.checkpoint import CHECKPOINT, load_checkpoint
from rdl.train.config import TrainConfig
from rdl.train.init import BACKBONE, check_columns, check_schema, load_backbone
from rdl.train.job import open_database
from rdl.train.seeds import to_seconds


class EmbedOutputError(RdlError, ValueError):
    """Embeddings cannot be written where asked (the source database, an existing table)."""


BACKBONE_ARGS = (
    "col_names_dict",
    "col_stats",
    "node_types",
    "edge_types",
    "time_tables",
    "channels",
    "num_layers",
    "aggr",
    "encoder_layers",
)
TIME_COL = "timestamp"


def _load(model_dir: str | Path) -> tuple[dict, dict, str]:
    """``(checkpoint, backbone kwargs, kind)`` with kind ``"backbone"`` or ``"model"``."""
    d = Path(model_dir)
    if (d / BACKBONE).exists() or not (d / CHECKPOINT).exists():
        if not (d / BACKBONE).exists():
            raise MissingFileError(
                f"{d} holds neither {BACKBONE} nor {CHECKPOINT}: pass {arg('model_dir')} with a "
                "directory written by "
                + spelled("rdl.pretrain.pretrain(..., out_dir=DIR)", "`rdl pretrain --out DIR`")
                + " or "
                + spelled("rdl.train.train_task(..., out_dir=DIR)", "`rdl train --out DIR`")
            )
        ckpt = load_backbone(d)
        return ckpt, ckpt["backbone_kwargs"], "backbone"
    ckpt = load_checkpoint(d)
    kw = {k: ckpt["model_kwargs"][k] for k in BACKBONE_ARGS if k in ckpt["model_kwargs"]}
    kw.setdefault("num_layers", TrainConfig(**ckpt["config"]).num_layers)
    return ckpt, kw, "model"


class Embedder:
    """A model loaded once, with the graph of ``db`` materialised with its column stats;
    embeds any rows at any times.

    Args:
        model_dir: a directory with ``backbone.pt`` (``rdl pretrain --out``) or
            ``model.pt`` (``rdl train --out``).
        db: database URL / path or `Database` (e.g. a task's ``input_db("relbench")`` to
            keep every input before the test timestamp).
        cache_dir: text-embedding cache.
        batch_size: seeds per batch (default: the model's training batch size).
        precision: ``"fp32"`` (default: full-precision vectors) or ``"model"`` (the model's
            training precision, e.g. bf16 autocast: faster, vectors rounded to bf16).

    Raises:
        FileNotFoundError: ``model_dir`` holds neither checkpoint.
        rdl.train.init.InitError: the database's tables or feature columns differ from the
            model's.
    """

    def __init__(
        self,
        model_dir: str | Path,
        db: str | Database,
        *,
        cache_dir=None,
        batch_size: int | None = None,
        precision: str = "fp32",
    ):
        self.ckpt, kw, self.kind = _load(model_dir)
        self.config = TrainConfig(**self.ckpt["config"])
        if precision not in ("fp32", "model"):
            raise ValueError(f"precision {precision!r}: use 'fp32' or 'model'")
        if precision == "fp32":
            self.config.precision = "fp32"
        self.batch_size = batch_size or self.config.batch_size
        self.database, self.url = open_database(db)
        where = self.ckpt["path"]
        check_columns(kw, self.database, self.config.text, where)
        self.graph = build_graph(
            self.database,
            text=self.config.text,
            col_stats=kw["col_stats"],
            cache_dir=cache_dir,
            text_encoders=self.ckpt.get("text_encoders"),
        )
        check_schema(
            {"backbone_kwargs": kw, "path": where, "entity_table": self.ckpt.get("entity_table")},
            self.graph,
        )
        self.backbone = RelationalBackbone(**kw)
        self.model = None
        if self.kind == "backbone":
            self.backbone.load_state_dict(self.ckpt["state_dict"])
        else:
            prefix = "backbone."
            self.backbone.load_state_dict(
                {
                    k[len(prefix) :]: v
                    for k, v in self.ckpt["state_dict"].items()
                    if k.startswith(prefix)
                }
            )
            if serving_of(self.ckpt).entity_model and "pooling" in self.ckpt["model_kwargs"]:
                self.model = entity_model(**self.ckpt["model_kwargs"])
                self.model.load_state_dict(self.ckpt["state_dict"])
                self.model.eval()
        self.backbone.eval()
        self.csc = build_csc(self.graph.num_nodes, self.graph.node_time, self.graph.edge_index)
        self.channels = self.backbone.channels

    @property
    def default_table(self) -> str:
        """The model's entity table (pretraining's seed table, the entity task's, or a link
        task's source table)."""
        if self.kind == "backbone":
            return self.ckpt["entity_table"]
        return serving_of(self.ckpt).seed_table(self.ckpt)

    @torch.no_grad()
    def embed_nodes(self, table: str, node: np.ndarray, seed_time: np.ndarray) -> np.ndarray:
        """``float32 [n, channels]`` embeddings of rows ``node`` of ``table`` at
        ``seed_time`` (``int64 [n]`` seconds since epoch; only rows dated ``<=`` it)."""
        sampler = TemporalNeighborSampler(
            self.csc,
            self.graph.num_nodes,
            self.graph.node_time,
            self.config.num_neighbors,
            self.config.temporal_strategy,
            seed=self.config.seed,
        )
        loader = NodeLoader(
            sampler, self.graph.node_time, table, node, seed_time, batch_size=self.batch_size
        )
        use_model = self.model is not None and table == self.model.entity_table
        attach = lambda batch, idx: batch  # noqa: E731
        if use_model:  # a model with seed inputs (stale history, seed features) embeds
            # with them, as it predicts
            from rdl.train.entity import seed_input_fn

            keys = self.graph.pkey_values[table]
            attach = seed_input_fn(
                self.model,
                self.ckpt,
                self.database,
                node if keys is None else np.asarray(keys)[node],
                seed_time,
            )
        out = []
        with self.config.autocast():
            for batch, idx in loader:
                batch = attach(batch, idx)
                if use_model:
                    assert self.model is not None  # use_model: there is one
                    z = self.model.embed(batch, self.graph.tf_dict)
                else:
                    x_dict, _ = self.backbone(batch, self.graph.tf_dict)
                    z = x_dict[table][: batch.seed_time.numel()]
                out.append(z.float())
        if not out:
            return np.zeros((0, self.channels), dtype=np.float32)
        return torch.cat(out).numpy().astype(np.float32)

    def _frame(self, table: str, keys, times, z: np.ndarray) -> pd.DataFrame:
        key = self.database[table].pkey_col or "row_index"
        df = pd.DataFrame({key: keys, TIME_COL: pd.to_datetime(times)})
        emb = pd.DataFrame(z, columns=[f"e_{i}" for i in range(z.shape[1])], index=df.index)
        return pd.concat([df, emb], axis=1)

    def at(self, at, table: str | None = None) -> pd.DataFrame:
        """One vector per row of ``table`` (default: the model's entity table) that exists
        at each time in ``at`` (a timestamp or a list of them; rows dated ``<=`` it, every
        row of a table without a time column).

        Returns:
            DataFrame ``[key, "timestamp", "e_0", ..., "e_{C-1}"]`` (key: the table's
            primary key, or ``row_index`` without one), ordered by time then row.

        Raises:
            KeyError: no such table.
        """
        table = table or self.default_table
        self.database[table]  # KeyError naming the tables
        many = isinstance(at, (list, tuple, pd.Index, np.ndarray, pd.Series))
        stamps = pd.to_datetime(pd.Series(list(at) if many else [at])).to_numpy()
        own = self.graph.node_time.get(table)
        everyone = np.arange(self.graph.num_nodes[table], dtype=np.int64)
        nodes, times = [], []
        for stamp, sec in zip(stamps, to_seconds(stamps)):
            node = everyone if own is None else everyone[own <= sec]
            nodes.append(node)
            times.append(np.full(len(node), stamp))
        node = np.concatenate(nodes)
        time = np.concatenate(times)
        pk = self.graph.pkey_values.get(table)
        z = self.embed_nodes(table, node, to_seconds(time))
        return self._frame(table, node if pk is None else pk[node], time, z)

    def seeds(self, keys, times, table: str | None = None) -> pd.DataFrame:
        """Vectors of given (row key, time) pairs — e.g. a task table's
        ``(entity_col, time_col)`` — in the layout of `at`, in the input order.

        Raises:
            KeyError: a key is no primary key of ``table``.
        """
        table = table or self.default_table
        keys = np.asarray(keys)
        node = self.graph.node_index(table, keys)
        times = pd.to_datetime(pd.Series(times)).to_numpy()
        return self._frame(table, keys, times, self.embed_nodes(table, node, to_seconds(times)))


def same_database(a: str, b: str) -> bool:
    """Whether two database URLs / paths name the same database (files compared by resolved
    path; servers by host, port and database name)."""
    import sqlalchemy as sa

    from rdl.db.write import normalize_url

    try:
        ua, ub = sa.make_url(normalize_url(a)), sa.make_url(normalize_url(b))
    except Exception:
        return False
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() in ("sqlite", "duckdb"):
        return Path(ua.database or "").resolve() == Path(ub.database or "").resolve()
    return (ua.host, ua.port, ua.database) == (ub.host, ub.port, ub.database)


def write_embeddings(
    df: pd.DataFrame, out: str, *, source: str | None, table: str, replace: bool = False
) -> str:
    """Write embeddings to ``out``: a ``.parquet`` file, or a table named ``table`` in the
    database at ``out`` (URL or ``.duckdb`` / ``.sqlite`` path; created if missing).

    Returns:
        a description of what was written.

    Raises:
        EmbedOutputError: ``out`` is the source database (rdl never writes there), or
            the table exists and ``replace`` is false.
    """
    if str(out).endswith(".parquet"):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(out, index=False)
        return str(out)
    if source and same_database(out, source):
        raise EmbedOutputError(
            f"{arg('out', repr(safe_url(out)), cli=safe_url(out))} is the database the "
            "embeddings are computed from; "
            "rdl never writes to the source database. Pass another database (e.g. "
            f"{arg('out', repr('embeddings.duckdb'), cli='embeddings.duckdb')}) or a .parquet "
            "file."
        )
    from rdl.db import Table
    from rdl.db.errors import SchemaError
    from rdl.db.write import normalize_url, to_url

    url = normalize_url(out)  # SchemaError: neither a URL nor a known file kind
    try:
        to_url(
            Database({table: Table(df, {}, None, TIME_COL, {})}),
            url,
            constraints=False,
            replace=replace,
        )
    except SchemaError:
        raise EmbedOutputError(
            f"{safe_url(out)} already has a table {table!r}: pass "
            f"{arg('replace', 'True', cli='')} to "
            f"overwrite it or {arg('table', repr('NAME'), option='out_table', cli='NAME')} to "
            "write another one."
        ) from None
    return f"table {table!r} of {safe_url(out)}"


def embed(
    model_dir: str | Path,
    db: str | Database,
    at,
    *,
    table: str | None = None,
    cache_dir=None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Row embeddings as of ``at`` (``rdl embed``): see `Embedder.at`.

    Example::

        import rdl
        df = rdl.embed("runs/pretrained", "rel-f1.duckdb", "2005-01-01")
        df.columns  # driverId, timestamp, e_0 ... e_127
    """
    return Embedder(model_dir, db, cache_dir=cache_dir, batch_size=batch_size).at(at, table)


__all__ = ["TIME_COL", "EmbedOutputError", "Embedder", "embed", "same_database", "write_embeddings"]
