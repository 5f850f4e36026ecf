"""Random-schema property test (issue 10, item 7): hypothesis draws small relational
databases (1 entity + 1 event table + up to 4 more; Id-style, role-named, composite and
missing keys; dangling values; null and missing time columns) and the whole pipeline —
connect -> task -> graph -> one training step -> prediction — never lets a row dated
after a seed time reach that seed's subgraph or its prediction. A few examples here;
``benchmarks/random_schema.py`` runs >= 1,000. The controls show each check can fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

from tests.fixtures import random_schema as R


@settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=R.specs())
def test_no_row_after_the_seed_time_reaches_a_seed(spec, tmp_path_factory):
    result = R.check_no_leak(spec, tmp_path_factory.mktemp("rand"))
    assert result["subgraph_leaks"] == 0, result
    assert result["feature_changes"] == 0, result
    assert result["seeds"] > 0 and result["predictions"] > 0


SPEC = R.Spec(
    seed=7,
    backend="duckdb",
    declare=False,
    tables=[
        R.TableSpec("users", "{s}_id", time=True, rows=20),
        R.TableSpec(
            "orders", "Id", parent=0, fk_style="role", dangling=0.1, null_time=0.05, rows=150
        ),
        R.TableSpec("items", "composite", parent=None, time=False, rows=12),
        R.TableSpec("reviews", "id", parent=1, fk_style="same", time=True, null_time=0.1, rows=60),
    ],
)


def test_the_spec_builds_what_it_says(tmp_path):
    import rdl

    db = rdl.connect(R.build(SPEC, tmp_path))
    assert db["users"].pkey_col == "user_id" and db["orders"].pkey_col == "Id"
    assert db["orders"].fkey_col_to_pkey_table == {"ownerUserId": "users"}  # role-named
    assert db["reviews"].fkey_col_to_pkey_table == {"order_id": "orders"}
    assert db["orders"].df["ts"].isna().any()  # null times: never visible
    (tmp_path / "run").mkdir()
    result = R.check_no_leak(SPEC, tmp_path / "run")
    assert result["subgraph_leaks"] == 0 and result["feature_changes"] == 0
    assert result["tables"] == 4 and result["fkeys"] == 2


def test_controls_each_check_can_fail(tmp_path):
    """A sampler that ignores the event table's times leaks; perturbing rows dated at or
    before the seed time changes predictions."""
    import rdl
    from rdl.graph import build_graph
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.train import TrainConfig
    from rdl.train.inference import predict_seeds
    from rdl.train.job import make_trainer
    from rdl.train.seeds import to_seconds

    db = rdl.connect(
        R.build(SPEC, tmp_path),
        primary_keys={"users": "user_id"},
        foreign_keys={"orders": {"ownerUserId": "users"}},
    )
    task = R.make_task(SPEC, db)
    graph = build_graph(db, text=False, stats_until=task.test_timestamp, use_cache=False)
    seeds_table = task.get_table("val", mask_input_cols=False)
    config = TrainConfig(
        epochs=1,
        channels=8,
        encoder_layers=1,
        num_neighbors=[4, 4],
        batch_size=64,
        max_steps_per_epoch=1,
        text=False,
        precision="fp32",
        seed_features=[],
        blend=False,
    )
    trainer = make_trainer(task, graph, config, task.get_table("train"))
    seeds = trainer.make_seeds(seeds_table)
    # 1. subgraphs: blind to the orders' times, the sampler takes future orders
    blind = dict(graph.node_time, orders=None)
    csc = build_csc(graph.num_nodes, blind, graph.edge_index)
    leaky = TemporalNeighborSampler(csc, graph.num_nodes, blind, [-1, -1], seed=0)
    assert R.leaks_in_subgraphs(leaky, graph.node_time, "users", seeds.node, seeds.time) > 0
    honest = TemporalNeighborSampler(trainer.csc, graph.num_nodes, graph.node_time, [-1, -1])
    assert R.leaks_in_subgraphs(honest, graph.node_time, "users", seeds.node, seeds.time) == 0
    # 2. features: rows dated <= t do reach the prediction at t
    t = pd.Timestamp(task.split_timestamps("val")[0])
    node = graph.node_index("users", db["users"].upto(t).df["user_id"].to_numpy())
    when = np.full(len(node), to_seconds([t])[0], dtype=np.int64)

    def predict(d):
        g = build_graph(d, text=False, col_stats=graph.col_stats)
        return predict_seeds(
            trainer.model,
            g,
            build_csc(g.num_nodes, g.node_time, g.edge_index),
            config,
            "regression",
            None,
            node,
            when,
        )

    base = predict(db)
    rng = np.random.default_rng(0)
    assert np.allclose(base, predict(R.perturbed(db, t, rng)), rtol=0, atol=1e-6)
    assert not np.allclose(base, predict(R.perturbed(db, t, rng, after=False)), rtol=0, atol=1e-6)
