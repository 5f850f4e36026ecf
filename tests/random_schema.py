"""Random relational databases and the no-leak property (issue 10, item 7).

`specs` (a hypothesis strategy) draws a schema: 2-6 tables — an entity table, an event
table referencing it, and up to 4 more with random primary keys (single, ``Id``-style,
composite, none), foreign keys (``<table>_id``, role-named ``owner<Table>Id``, the key's
own name; declared in the catalog or left to inference; 0-15 % dangling), time columns
(or none; some null) and features (numbers with NaN, categories). `build` writes it to a
SQLite or DuckDB file. `check_no_leak` runs connect -> task -> graph -> one training step
-> prediction and asserts:

* **subgraphs**: for every seed of every split, no sampled row is dated after the seed
  time (all neighbours, two hops);
* **features**: predictions at a seed time ``t`` do not change when every row dated after
  ``t`` (or never dated) gets other feature values.

Used by ``tests/test_random_schema.py`` (a few examples, with controls that show each
check can fail) and ``benchmarks/random_schema.py`` (>= 1,000 examples).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from hypothesis import strategies as st

START, END = pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-31")
VAL, TEST = pd.Timestamp("2021-03-01"), pd.Timestamp("2021-07-01")


@dataclass
class TableSpec:
    name: str
    pk: str | None                      # column name, "composite", or None
    parent: int | None = None           # index of the table it references
    fk_style: str = "table_id"          # table_id | role | same
    time: bool = True
    null_time: float = 0.0
    dangling: float = 0.0
    rows: int = 60


@dataclass
class Spec:
    seed: int
    backend: str
    declare: bool
    tables: list[TableSpec] = field(default_factory=list)


NAMES = ["users", "orders", "items", "shops", "reviews", "visits", "tags"]


@st.composite
def specs(draw) -> Spec:
    n_extra = draw(st.integers(0, 4))
    names = draw(st.permutations(NAMES))[: 2 + n_extra]
    pk_names = st.sampled_from(["id", "Id", "{s}_id", "{S}Id"])
    tables = [TableSpec(names[0], draw(pk_names), time=draw(st.booleans()),
                        null_time=draw(st.sampled_from([0.0, 0.1])), rows=draw(st.integers(8, 30))),
              TableSpec(names[1], draw(st.sampled_from([None, "id", "Id"])), parent=0,
                        fk_style=draw(st.sampled_from(["table_id", "role", "same"])),
                        null_time=draw(st.sampled_from([0.0, 0.05])),
                        dangling=draw(st.sampled_from([0.0, 0.05, 0.15])),
                        rows=draw(st.integers(40, 200)))]
    for i in range(n_extra):
        tables.append(TableSpec(
            names[2 + i], draw(st.sampled_from([None, "id", "Id", "{s}_id", "composite"])),
            parent=draw(st.sampled_from([None, *range(len(tables))])),
            fk_style=draw(st.sampled_from(["table_id", "role", "same"])),
            time=draw(st.booleans()), null_time=draw(st.sampled_from([0.0, 0.1])),
            dangling=draw(st.sampled_from([0.0, 0.1])), rows=draw(st.integers(5, 80))))
    return Spec(draw(st.integers(0, 2**31 - 1)), draw(st.sampled_from(["sqlite", "duckdb"])),
                draw(st.booleans()), tables)


def _pk_name(t: TableSpec) -> str | None:
    if t.pk in (None, "composite"):
        return None
    s = t.name[:-1]
    return t.pk.format(s=s, S=s.capitalize())


def _fk_name(child: TableSpec, parent: TableSpec) -> str:
    s = parent.name[:-1]
    if child.fk_style == "role":
        return f"owner{s.capitalize()}Id"
    if child.fk_style == "same" and _pk_name(parent) not in (None, "id", "Id"):
        return _pk_name(parent)
    return f"{s}_id"


def frames(spec: Spec) -> tuple[dict[str, pd.DataFrame], dict]:
    """The rows of ``spec`` and what the catalog may declare."""
    rng = np.random.default_rng(spec.seed)
    out, keys = {}, {"pk": {}, "fk": []}
    for i, t in enumerate(spec.tables):
        n = t.rows
        df = pd.DataFrame({"x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
                           "c": rng.choice(["a", "b", "c"], n)})
        pk = _pk_name(t)
        if pk:
            df.insert(0, pk, rng.permutation(n) + 1)
            keys["pk"][t.name] = [pk]
        elif t.pk == "composite":
            df.insert(0, "k1", np.arange(n) // 3)
            df.insert(1, "k2", np.arange(n) % 3)
            keys["pk"][t.name] = ["k1", "k2"]
        if t.time:
            lo = START - pd.Timedelta(days=200) if i == 0 else START
            ts = lo + pd.to_timedelta(rng.integers(0, int((END - lo).total_seconds()), n), "s")
            ts = pd.Series(ts).where(rng.random(n) >= t.null_time)
            df["ts"] = ts.to_numpy()
        if t.parent is not None:
            p = spec.tables[t.parent]
            pdf = out[p.name]
            fk = _fk_name(t, p)
            if p.pk == "composite":
                pick = pdf[["k1", "k2"]].sample(n, replace=True, random_state=spec.seed)
                df["p1"], df["p2"] = pick["k1"].to_numpy(), pick["k2"].to_numpy()
                keys["fk"].append((t.name, ["p1", "p2"], p.name, ["k1", "k2"]))
            elif _pk_name(p):
                vals = rng.choice(pdf[_pk_name(p)].to_numpy(), n).astype(float)
                vals[rng.random(n) < t.dangling] = 10_000 + rng.integers(0, 50)
                df[fk] = vals
                keys["fk"].append((t.name, [fk], p.name, [_pk_name(p)]))
        out[t.name] = df
    return out, keys


def build(spec: Spec, folder: Path) -> str:
    """Write ``spec`` to a SQLite or DuckDB file in ``folder``; returns its URL."""
    data, keys = frames(spec)
    declare = spec.declare and spec.backend == "sqlite"  # DuckDB checks keys on insert
    path = folder / f"rand.{spec.backend}"
    ddl = []
    for name, df in data.items():
        cols = []
        for c in df.columns:
            kind = ("TIMESTAMP" if c == "ts" else "DOUBLE" if df[c].dtype.kind == "f"
                    else "BIGINT" if df[c].dtype.kind in "iu" else "VARCHAR")
            cols.append(f'"{c}" {kind}')
        if declare and name in keys["pk"]:
            cols.append(f"PRIMARY KEY ({', '.join(keys['pk'][name])})")
        for child, cc, parent, pc in keys["fk"] if declare else []:
            if child == name:
                cols.append(f"FOREIGN KEY ({', '.join(cc)}) REFERENCES {parent}({', '.join(pc)})")
        ddl.append(f'CREATE TABLE "{name}" ({", ".join(cols)})')
    if spec.backend == "sqlite":
        con = sqlite3.connect(path)
        for stmt, (name, df) in zip(ddl, data.items()):
            con.execute(stmt)
            rows = [tuple(None if pd.isna(v) else (str(v) if isinstance(v, pd.Timestamp)
                          else v.item() if hasattr(v, "item") else v) for v in r)
                    for r in df.itertuples(index=False, name=None)]
            con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * df.shape[1])})', rows)
        con.commit()
        con.close()
        return f"sqlite:///{path}"
    con = duckdb.connect(str(path))
    for stmt, (name, df) in zip(ddl, data.items()):
        con.execute(stmt)
        con.register("f", df)
        con.execute(f'INSERT INTO "{name}" SELECT * FROM f')
        con.unregister("f")
    con.close()
    return f"duckdb:///{path}"


def make_task(spec: Spec, db):
    """Regression: how many event rows reference the entity in (t, t + 30 days]."""
    from rdl.tasks import EntityTask, TaskType

    ent, ev = spec.tables[0], spec.tables[1]
    pk, fk = _pk_name(ent), _fk_name(ev, ent)

    class Count(EntityTask):
        name = "random-count"
        entity_table, entity_col, time_col, target_col = ent.name, pk, "t", "y"
        task_type = TaskType.REGRESSION
        timedelta = pd.Timedelta(days=30)
        num_eval_timestamps = 2
        metrics = ["mae"]
        val_timestamp, test_timestamp = VAL, TEST
        sql = f'''SELECT t.timestamp AS t, e."{pk}", COUNT(v."{fk}")::DOUBLE AS y
                  FROM timestamp_df t CROSS JOIN "{ent.name}" e
                  LEFT JOIN "{ev.name}" v ON v."{fk}" = e."{pk}" AND v.ts > t.timestamp
                       AND v.ts <= t.timestamp + {{timedelta}}
                  GROUP BY ALL'''

    return Count(db)


def leaks_in_subgraphs(sampler, node_time, seed_type, node, time) -> int:
    """Sampled rows dated after their seed's time (rows never dated count as after)."""
    bad = 0
    for lo in range(0, len(node), 256):
        sub = sampler.sample(seed_type, node[lo:lo + 256], time[lo:lo + 256])
        for nt, ids in sub.node.items():
            if node_time.get(nt) is None or not len(ids):
                continue
            bad += int((node_time[nt][ids] > sub.seed_time[sub.batch[nt]]).sum())
    return bad


def perturbed(db, t: pd.Timestamp, rng, after: bool = True):
    """A copy of ``db`` whose rows dated after ``t`` (and rows never dated) — or, with
    ``after=False``, those dated ``<= t`` — hold other feature values (keys and times
    unchanged)."""
    from rdl.db import Database, Table

    tables = {}
    for name, tab in db.items():
        df = tab.df.copy()
        if tab.time_col is not None:
            tc = df[tab.time_col]
            mask = (tc > t) | tc.isna() if after else tc <= t
            for col, st_ in tab.stypes.items():
                if col == tab.time_col or not mask.any():
                    continue
                if st_ == "numerical":
                    df[col] = df[col].astype("float64")
                    df.loc[mask, col] = rng.normal(size=int(mask.sum())) * 100
                elif st_ == "categorical" and pd.api.types.is_numeric_dtype(df[col]):
                    df[col] = df[col].astype("float64")  # integer codes: other codes
                    df.loc[mask, col] = rng.integers(1000, 1010, int(mask.sum())).astype(float)
                elif st_ == "categorical":
                    df[col] = df[col].astype(object)
                    df.loc[mask, col] = rng.choice(["a", "zz", "q"], int(mask.sum()))
        tables[name] = Table(df, dict(tab.fkey_col_to_pkey_table), tab.pkey_col, tab.time_col,
                             dict(tab.stypes))
    return Database(tables)


def check_no_leak(spec: Spec, folder: Path) -> dict:
    """Run the pipeline on ``spec``; returns counts (``subgraph_leaks``,
    ``feature_changes``: both must be 0) and what ran."""
    import torch

    import rdl
    from rdl.graph import build_graph
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.train import TrainConfig
    from rdl.train.inference import predict_seeds
    from rdl.train.job import make_trainer
    from rdl.train.seeds import to_seconds

    url = build(spec, folder)
    ent, ev = spec.tables[0], spec.tables[1]
    db = rdl.connect(url, primary_keys={ent.name: _pk_name(ent)},
                     foreign_keys={ev.name: {_fk_name(ev, ent): ent.name}},
                     time_cols={ev.name: "ts"})
    task = make_task(spec, db)
    tables = {s: task.get_table(s, mask_input_cols=False) for s in ("train", "val", "test")}
    config = TrainConfig(epochs=1, channels=8, encoder_layers=1, num_neighbors=[4, 4],
                         batch_size=64, max_steps_per_epoch=1, text=False, precision="fp32",
                         seed=spec.seed % 1000)
    graph = build_graph(db, text=False, stats_until=task.test_timestamp, use_cache=False)
    trainer = make_trainer(task, graph, config, tables["train"])
    seeds = {s: trainer.make_seeds(tab) for s, tab in tables.items()}
    trainer.fit(seeds["train"], seeds["val"], progress=False)  # one step

    everything = TemporalNeighborSampler(trainer.csc, graph.num_nodes, graph.node_time,
                                         [-1, -1], "uniform", seed=0)
    leaks = sum(leaks_in_subgraphs(everything, graph.node_time, task.entity_table,
                                   s.node, s.time) for s in seeds.values())

    t = pd.Timestamp(task.split_timestamps("val")[0])
    entity = db[task.entity_table]
    rows = entity.upto(t).df if entity.time_col else entity.df
    node = graph.node_index(task.entity_table, rows[entity.pkey_col].to_numpy())
    when = np.full(len(node), to_seconds([t])[0], dtype=np.int64)

    def predictions(d):
        g = build_graph(d, text=False, col_stats=graph.col_stats)
        csc = build_csc(g.num_nodes, g.node_time, g.edge_index)
        return predict_seeds(trainer.model, g, csc, config, str(task.task_type), trainer.clamp,
                             node, when)

    rng = np.random.default_rng(spec.seed)
    base = predictions(db)
    future = predictions(perturbed(db, t, rng))
    changes = int((~np.isclose(base, future, rtol=0, atol=1e-6)).sum())
    assert np.isfinite(base).all(), "a prediction is not finite"
    return {"subgraph_leaks": leaks, "feature_changes": changes,
            "seeds": sum(len(s.node) for s in seeds.values()), "tables": len(db),
            "fkeys": sum(len(t.fkey_col_to_pkey_table) for t in db.values()),
            "predictions": len(base), "torch_threads": torch.get_num_threads()}


__all__ = ["Spec", "TableSpec", "specs", "build", "frames", "make_task", "check_no_leak",
           "leaks_in_subgraphs", "perturbed"]
