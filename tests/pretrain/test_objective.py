"""The relational reasoning objective (`rdl.pretrain.objective`): the pairs are the
paper's, and on a toy database whose users have distinct event patterns the relation
head learns to tell views of one user from views of two users it never trained on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rdl.graph import build_graph
from rdl.pretrain import PretrainConfig, PretrainError, pretrain
from rdl.pretrain.objective import relation_pairs
from rdl.pretrain.seeds import grid_times, pretrain_seeds
from rdl.train import TrainConfig
from tests.fixtures.pretrain_toy import toy_database, user_kind_task

TINY = dict(
    lr=0.003,
    channels=16,
    encoder_layers=1,
    num_neighbors=[16, 4],
    batch_size=32,
    text=False,
    precision="fp32",
    threads=1,
    seed=0,
)


def test_relation_pairs_are_the_papers():
    k, m, c = 3, 5, 2
    z = [torch.arange(m * c, dtype=torch.float).view(m, c) + 100 * v for v in range(k)]
    entity = np.array([7, 8, 9, 7, 10])
    pairs, target, keep = relation_pairs(z, entity)
    assert pairs.shape == (k * (k - 1) * m, 2 * c)  # K(K-1)/2 positive + as many negative blocks
    assert target.sum() == k * (k - 1) // 2 * m
    # first block: positives (view 0, view 1) of the same seed
    torch.testing.assert_close(pairs[:m], torch.cat([z[0], z[1]], 1))
    # second block: negatives, view 1 rolled by 1 -> partner of seed i is seed i - 1
    torch.testing.assert_close(pairs[m : 2 * m], torch.cat([z[0], torch.roll(z[1], 1, 0)], 1))
    assert target[m : 2 * m].sum() == 0
    # seeds 0 and 3 are one entity: the negative pairing them (shift 3) is left out
    shift3 = slice(5 * m, 6 * m)  # third (k1, k2) pair's negative block uses shift 3
    assert keep[shift3].tolist() == [True, True, True, False, True]
    assert keep[target == 1].all()


def test_seed_grid_keeps_existing_active_entities_up_to_until(tmp_path):
    db = toy_database(num_users=10, events_per_user=20, timed_users=True)
    graph = build_graph(db, text=False, cache_dir=tmp_path)
    until = np.datetime64("2021-06-01", "s").astype(np.int64)
    times = grid_times(int(graph.node_time["events"].min()), int(until), 30 * 86400)
    assert times.max() == until and np.all(np.diff(times) == 30 * 86400)
    seeds = pretrain_seeds(graph, "users", times, 60 * 86400)
    assert len(seeds) and seeds.time.max() <= until
    assert (graph.node_time["users"][seeds.node] <= seeds.time).all()
    ev_user = db["events"].df["user_id"].to_numpy()
    ev_time = graph.node_time["events"]
    for node, t in zip(seeds.node[:50], seeds.time[:50]):  # active: an event in (t - 60 d, t]
        assert ((ev_user == node) & (ev_time > t - 60 * 86400) & (ev_time <= t)).any()
    every = pretrain_seeds(graph, "users", times, None)
    assert len(every) > len(seeds)


def test_relation_head_learns_to_tell_views_apart_on_held_out_users(tmp_path):
    res = pretrain(
        toy_database(),
        "users",
        TrainConfig(epochs=5, max_steps_per_epoch=15, **TINY),
        PretrainConfig(num_views=4, seed_mask=1.0, every_days=60, active_within_days=None),
        tmp_path / "out",
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    loss = [h["loss"] for h in res["history"]]
    assert loss[-1] < 0.8 * loss[0], loss
    best = res["best"]  # held-out users, fixed views; chance is 0.5
    assert best["accuracy"] >= 0.7 and best["roc_auc"] >= 0.75, best
    assert (tmp_path / "out" / "backbone.pt").exists() and (
        tmp_path / "out" / "pretrain.json"
    ).exists()


def test_pretrain_for_a_task_uses_its_dates(tmp_path):
    db = toy_database(num_users=12, events_per_user=30)
    task = user_kind_task()
    res = pretrain(
        db,
        None,
        TrainConfig(epochs=1, max_steps_per_epoch=2, **TINY),
        PretrainConfig(num_views=2),
        tmp_path / "out",
        task=task,
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    assert res["entity_table"] == "users" and res["task"] == "user-kind"
    assert pd.Timestamp(res["seed_until"]) == task.val_timestamp
    assert pd.Timestamp(res["stats_until"]) == task.test_timestamp
    assert res["seeds"]["every_days"] == 30
    with pytest.raises(PretrainError, match="val timestamp"):
        pretrain(
            db,
            None,
            TrainConfig(epochs=1, **TINY),
            None,
            None,
            task=task,
            until="2021-08-01",
            cache_dir=tmp_path / "cache",
            progress=False,
        )
    with pytest.raises(PretrainError, match="pass entity_table with one of them"):
        pretrain(db, "nope", TrainConfig(epochs=1, **TINY), cache_dir=tmp_path / "cache")


def test_same_time_negatives_batch_seeds_by_time(tmp_path):
    from rdl.pretrain.seeds import PretrainSeeds
    from rdl.pretrain.trainer import PretrainTrainer

    graph = build_graph(
        toy_database(num_users=12, events_per_user=20), text=False, cache_dir=tmp_path
    )
    seeds = PretrainSeeds(np.tile(np.arange(12), 5), np.repeat(np.arange(5) * 86400 * 30, 12))
    config = TrainConfig(epochs=1, **{**TINY, "batch_size": 12})
    for negatives, most in (("same_time", 1), ("any", 5)):
        trainer = PretrainTrainer(
            "users", graph, config, PretrainConfig(num_views=2, negatives=negatives)
        )
        order = trainer.train_batches(seeds, np.random.default_rng(0)).order
        per_batch = [len(np.unique(seeds.time[order[i : i + 12]])) for i in range(0, 60, 12)]
        assert sorted(np.unique(order)) == list(range(60))
        assert (max(per_batch) == most) if negatives == "same_time" else max(per_batch) > 2
    with pytest.raises(ValueError, match="negatives 'later' is not one of"):
        PretrainConfig(negatives="later")
