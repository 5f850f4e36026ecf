"""``backbone.pt``: a `rdl.nn.RelationalBackbone`'s weights, and starting a model from them
(``rdl train --init DIR``).

`rdl.pretrain` writes ``backbone.pt`` (`save_backbone`); ``rdl train --init DIR`` reads it
(`prepare_init`) and loads it into the new model's ``backbone`` before fine-tuning
(`BackboneInit.load_into`). The file holds:

* ``format`` (``"rdl.backbone"``), ``version``;
* ``backbone_kwargs``: the backbone's constructor arguments (`RelationalBackbone`'s, incl.
  ``num_layers``, the graph's ``col_names_dict`` / ``col_stats`` / node and edge types);
* ``state_dict``: the backbone's weights;
* ``stats_digest``: a hash of ``col_stats`` (cheap equality test);
* ``seed_until``: the latest seed time the weights were trained on (ISO timestamp): no
  row dated after it reached a training input;
* ``stats_until``: the time the column statistics (and every row of the pretraining
  graph) were cut at (ISO timestamp);
* ``entity_table``, ``db``, ``config`` (`TrainConfig` as a dict), ``pretrain`` (the
  pretraining options) and ``history`` — for the record.

Leakage rule of ``--init`` (both protocols): ``seed_until <= task.val_timestamp`` (the
weights never saw a validation or test label window) and ``stats_until <=
task.test_timestamp`` (no statistic of a row after the test timestamp).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from rdl.db import RdlError
from rdl.db.errors import MissingFileError, arg, spelled

BACKBONE = "backbone.pt"
FORMAT, VERSION = "rdl.backbone", 1


class InitError(RdlError, ValueError):
    """A backbone checkpoint cannot initialise this model (other schema, architecture or
    time range). The message says which table / column / setting and what to type."""


def stats_digest(col_stats: dict) -> str:
    """A hash of pytorch-frame column stats (table -> column -> stat -> value)."""

    def canon(v):
        if isinstance(v, dict):
            return "{" + ",".join(f"{canon(k)}:{canon(v[k])}" for k in sorted(v, key=str)) + "}"
        if isinstance(v, (list, tuple)):
            return "[" + ",".join(canon(x) for x in v) + "]"
        if isinstance(v, torch.Tensor):
            return canon(v.tolist())
        return repr(v)

    return hashlib.sha256(canon(col_stats).encode()).hexdigest()[:24]


def save_backbone(
    out_dir: str | Path,
    backbone: torch.nn.Module,
    backbone_kwargs: dict,
    *,
    seed_until,
    stats_until,
    **meta,
) -> Path:
    """Write ``out_dir/backbone.pt`` (temp file, then rename).

    Args:
        backbone: a `rdl.nn.RelationalBackbone`.
        backbone_kwargs: its constructor arguments (incl. ``num_layers``).
        seed_until / stats_until: see the module docstring (timestamps).
        meta: further fields (``entity_table``, ``db``, ``config``, ``pretrain``, ...).

    Returns:
        the path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / BACKBONE
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "backbone_kwargs": backbone_kwargs,
        "state_dict": backbone.state_dict(),
        "stats_digest": stats_digest(backbone_kwargs["col_stats"]),
        "seed_until": str(pd.Timestamp(seed_until)),
        "stats_until": str(pd.Timestamp(stats_until)),
        **meta,
    }
    from rdl.train.checkpoint import save_atomic

    return save_atomic(payload, path)


def load_backbone(model_dir: str | Path) -> dict:
    """The dict of ``model_dir/backbone.pt`` (``path`` added).

    Raises:
        FileNotFoundError: no ``backbone.pt`` there (the message says how to make one).
        InitError: the file is not an rdl backbone checkpoint.
    """
    path = Path(model_dir) / BACKBONE
    if not path.exists():
        hint = (
            " (it holds a trained model, model.pt: initialise from a pretrained backbone instead)"
            if (Path(model_dir) / "model.pt").exists()
            else ""
        )
        raise MissingFileError(
            f"{path} not found{hint}: pretrain a backbone with "
            + spelled(
                f"rdl.pretrain.pretrain(url, 'TABLE', out_dir={str(model_dir)!r})",
                f"`rdl pretrain --db URL --entity-table TABLE --out {model_dir}`",
            )
            + f", then pass {arg('init', repr(str(model_dir)), cli=model_dir)}"
        )
    ckpt = torch.load(path, weights_only=False)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise InitError(f"{path} is not an rdl backbone checkpoint (written by `rdl pretrain`)")
    ckpt["path"] = str(path)
    return ckpt


def _schema(kwargs: dict) -> dict:
    return {
        t: {str(st): list(cols) for st, cols in names.items()}
        for t, names in kwargs["col_names_dict"].items()
    }


def check_schema(ckpt: dict, graph) -> None:
    """The graph must have the backbone's tables, edge types, time columns and feature
    columns (per table and stype).

    Raises:
        InitError: one paragraph naming what differs and what to do.
    """
    kw, where = ckpt["backbone_kwargs"], ckpt["path"]
    table = ckpt.get("entity_table", "TABLE")
    fix = (
        "Pretrain on this database's schema ("
        + spelled(
            f"rdl.pretrain.pretrain(url, {table!r}, out_dir=DIR)",
            f"`rdl pretrain --db URL --entity-table {table} --out DIR`",
        )
        + f") or train without {arg('init')}."
    )
    ours = set(graph.node_types)
    theirs = set(kw["node_types"])
    if ours != theirs:
        raise InitError(
            f"{where} was pretrained on tables {sorted(theirs)}, this database has "
            f"{sorted(ours)} (missing here: {sorted(theirs - ours)}; new here: "
            f"{sorted(ours - theirs)}). {fix}"
        )
    et_ours, et_theirs = set(map(tuple, graph.edge_types)), set(map(tuple, kw["edge_types"]))
    if et_ours != et_theirs:
        raise InitError(
            f"{where} was pretrained with other foreign keys: missing here "
            f"{sorted(et_theirs - et_ours)}, new here {sorted(et_ours - et_theirs)}. {fix}"
        )
    tt_ours = {t for t, v in graph.node_time.items() if v is not None}
    if tt_ours != set(kw["time_tables"]):
        raise InitError(
            f"{where} was pretrained with time columns on tables {sorted(kw['time_tables'])}, "
            f"this database has them on {sorted(tt_ours)}. {fix}"
        )
    mine = {
        t: {str(st): list(cols) for st, cols in tf.col_names_dict.items()}
        for t, tf in graph.tf_dict.items()
    }
    pre = _schema(kw)
    for table in sorted(pre):
        if mine[table] != pre[table]:
            a = {(st, c) for st, cols in pre[table].items() for c in cols}
            b = {(st, c) for st, cols in mine[table].items() for c in cols}
            text = any(st == "embedding" for st, _ in a ^ b)
            no_text = arg("text", repr("none"), option="no_text", cli="")
            hint = (
                f" Text columns differ: pass {no_text} to both pretraining and training "
                "or to neither."
                if text
                else ""
            )
            raise InitError(
                f"{where}: table {table!r} has other feature columns than the backbone was "
                f"pretrained on (stype, column) — only in the backbone: {sorted(a - b)}; only "
                f"here: {sorted(b - a)}.{hint} {fix}"
            )


def check_columns(kwargs: dict, database, text: str | bool, where: str) -> None:
    """Before a graph is materialised with a checkpoint's column stats: ``database`` must
    have the checkpoint's tables and, per table, its feature columns (`rdl.graph.build`'s
    rule: the stype columns that are no key, text columns only with ``text``).

    Raises:
        InitError: one paragraph naming the tables / columns that differ.
    """
    from rdl.graph.text import text_encoder_name

    text = text_encoder_name(text) != "none"
    ours, theirs = set(database), set(kwargs["node_types"])
    if ours != theirs:
        raise InitError(
            f"{where} was trained on tables {sorted(theirs)}; this database has {sorted(ours)} "
            f"(missing: {sorted(theirs - ours)}, new: {sorted(ours - theirs)}). Use the "
            "database (schema) the model was trained on."
        )
    for name in sorted(ours):
        table = database[name]
        cols = {
            c
            for c, st in table.stypes.items()
            if c not in table.key_cols and (text or st != "text_embedded")
        } or {"__const__"}
        pre = {c for names in kwargs["col_names_dict"][name].values() for c in names}
        if cols != pre:
            raise InitError(
                f"{where}: table {name!r} has other feature columns than the model was trained "
                f"on — only in the model: {sorted(pre - cols)}; only here: {sorted(cols - pre)}. "
                f"Open the database as when training (same {arg('time_cols')}, "
                f"{arg('stypes')} ... options; {arg('text', repr('none'), cli='none')} only if "
                "the model was trained with it)."
            )


def check_time_range(ckpt: dict, task) -> None:
    """The backbone must not have seen a validation/test label window or a statistic of a
    row after the test timestamp (see the module docstring).

    Raises:
        InitError: one paragraph with both dates and the command that fixes it.
    """
    val, test = getattr(task, "val_timestamp", None), getattr(task, "test_timestamp", None)
    if val is None or test is None:
        return
    seed_until, stats_until = pd.Timestamp(ckpt["seed_until"]), pd.Timestamp(ckpt["stats_until"])
    name = getattr(task, "name", type(task).__name__)
    table = ckpt.get("entity_table", "TABLE")
    fix = (
        "Pretrain again for this task: "
        + spelled(
            f"rdl.pretrain.pretrain(url, {table!r}, out_dir=DIR, task={name!r})",
            f"`rdl pretrain --db URL --task {name} --entity-table {table} --out DIR`",
        )
        + " (seeds up to its val timestamp, inputs cut at its test timestamp)."
    )
    if seed_until > pd.Timestamp(val):
        raise InitError(
            f"{ckpt['path']} was pretrained on seed times up to {seed_until}, after the val "
            f"timestamp {pd.Timestamp(val)} of task {name!r}: its weights have seen rows of the "
            f"validation/test label windows. {fix}"
        )
    if stats_until > pd.Timestamp(test):
        raise InitError(
            f"{ckpt['path']} holds column statistics of rows up to {stats_until}, after the "
            f"test timestamp {pd.Timestamp(test)} of task {name!r}. {fix}"
        )


@dataclass
class BackboneInit:
    """A checked backbone checkpoint, ready to load into a model (`prepare_init`)."""

    ckpt: dict

    def load_into(self, model: torch.nn.Module) -> None:
        """Copy the weights into ``model.backbone`` (every parameter and buffer).

        Raises:
            InitError: ``model`` has no ``backbone``, or its backbone has another
                architecture (names the setting and the flag to pass).
        """
        backbone = getattr(model, "backbone", None)
        if backbone is None:
            raise InitError(f"a {type(model).__name__} has no relational backbone to initialise")
        kw, where = self.ckpt["backbone_kwargs"], self.ckpt["path"]
        ours = dict(channels=backbone.channels, num_layers=len(backbone.gnn.convs))
        fixes = {
            "channels": arg("channels", kw.get("channels")),
            "num_layers": arg("num_neighbors") + " (one fanout per layer)",
            "gnn": arg("gnn", repr(kw.get("gnn", "sage")), cli=str(kw.get("gnn", "sage"))),
            "heads": arg("heads", kw.get("heads", 4)),
        }
        ours.update(gnn=backbone.config.gnn, heads=backbone.config.heads)
        kw = {"gnn": "sage", "heads": 4, **kw}  # backbone.pt files saved before heads: defaults
        for k, v in ours.items():
            if kw.get(k) != v:
                raise InitError(
                    f"{where} has {k} = {kw.get(k)}, the model being trained {v}: pass "
                    f"{fixes[k]} to match the backbone (the pretraining's {k})."
                )
        mine = backbone.state_dict()
        theirs = self.ckpt["state_dict"]
        bad = sorted(
            k
            for k in mine.keys() | theirs.keys()
            if k not in mine or k not in theirs or mine[k].shape != theirs[k].shape
        )
        if bad:
            raise InitError(
                f"{where} does not fit this model's backbone: {len(bad)} weights differ in "
                f"name or shape (e.g. {bad[:3]}); the ResNet depth (encoder_layers = "
                f"{kw.get('encoder_layers')}) and aggregation (aggr = {kw.get('aggr')!r}) must "
                "match too. Pretrain with the settings you train with."
            )
        backbone.load_state_dict(theirs)


def prepare_init(model_dir: str | Path, task, graph, config, cache_dir=None):
    """Load and check a backbone for ``task``; returns ``(BackboneInit, graph)``.

    The graph is rebuilt with the backbone's column statistics when they differ from the
    graph's (`rdl.graph.build_graph` ``col_stats``), so every row is encoded as in
    pretraining (the statistics come from rows dated ``<= stats_until <=`` the test
    timestamp, so no leakage).

    Raises:
        FileNotFoundError / InitError: see `load_backbone`, `check_schema`,
            `check_time_range`.
    """
    from rdl.graph import build_graph

    ckpt = load_backbone(model_dir)
    check_schema(ckpt, graph)
    check_time_range(ckpt, task)
    if stats_digest(graph.col_stats) != ckpt["stats_digest"]:
        graph = build_graph(
            task.input_db(config.protocol),
            text=config.text,
            cache_dir=cache_dir,
            col_stats=ckpt["backbone_kwargs"]["col_stats"],
            text_encoders=ckpt.get("text_encoders"),
        )
    return BackboneInit(ckpt), graph


__all__ = [
    "BACKBONE",
    "BackboneInit",
    "InitError",
    "check_columns",
    "check_schema",
    "check_time_range",
    "load_backbone",
    "prepare_init",
    "save_backbone",
    "stats_digest",
]
