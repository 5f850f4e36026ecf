"""ContextGNN and the ID-GNN guard, on a small synthetic-ratings database where users never
rate an item twice (issue 11: every recommendation is a new item)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rdl.datasets.synthetic_ratings import build_database
from rdl.graph import build_graph
from rdl.tasks.builtin.synthetic_ratings import UserItemRate
from rdl.train import TrainConfig
from rdl.train.link import (
    ContextGNNTrainer,
    IDGNNTrainer,
    TwoTowerTrainer,
    link_trainer,
    make_link_seeds,
)
from tests.fixtures.shops import UserItemBuy, link_shop

TINY = dict(
    epochs=2,
    channels=8,
    encoder_layers=1,
    num_neighbors=[8, 4],
    num_layers=2,
    batch_size=64,
    text="none",
    seed=3,
)


@pytest.fixture(scope="module")
def ratings(tmp_path_factory):
    db = build_database(num_users=80, num_items=40, ratings_per_user=25, seed=1)
    task = UserItemRate(db)
    graph = build_graph(db, text="none", cache_dir=tmp_path_factory.mktemp("cache"), progress=False)
    return db, task, graph


def test_users_never_rate_an_item_twice(ratings):
    db, task, _ = ratings
    r = db["ratings"].df
    assert not r.duplicated(["user_id", "item_id"]).any()
    assert len(r) > 1000 and len(task.get_table("train").df) > 100


def test_idgnn_falls_back_when_no_positive_is_reachable(ratings):
    _, task, graph = ratings
    cfg = TrainConfig(**TINY)
    trainer = link_trainer(task, graph, cfg, "idgnn", train_table=task.get_table("train"))
    assert isinstance(trainer, ContextGNNTrainer)
    (msg,) = trainer.warnings
    assert "0.0% of" in msg and "model='contextgnn'" in msg
    idgnn = IDGNNTrainer(task, graph, cfg)
    share, links = idgnn.reachable_fraction(idgnn.make_seeds(task.get_table("train")))
    assert share == 0.0 and links > 100
    # control: on a shop where users buy the same items again, ID-GNN stays (3 of the 8
    # training links are re-purchases its subgraphs reach; a warning says so)
    again = [(70, 1, 1, "2020-01-25"), (71, 2, 1, "2020-01-28"), (72, 1, 2, "2020-01-24")]
    shop = UserItemBuy(link_shop(again))
    g = build_graph(shop.db, text="none", use_cache=False, progress=False)
    kept = link_trainer(shop, g, cfg, "idgnn", train_table=shop.get_table("train"))
    assert isinstance(kept, IDGNNTrainer)
    assert len(kept.warnings) == 1 and "37.5% of 8" in kept.warnings[0]
    assert isinstance(link_trainer(task, graph, cfg), TwoTowerTrainer)
    with pytest.raises(ValueError, match=r"choose one of .* \(model\)"):
        link_trainer(task, graph, cfg, "lightgcn")


def test_contextgnn_scores_items_outside_the_subgraph(ratings):
    _, task, graph = ratings
    tr = ContextGNNTrainer(task, graph, TrainConfig(**TINY))
    seeds = make_link_seeds(task, task.get_table("val"), graph)
    t = int(seeds.time[0])
    rows = np.flatnonzero(seeds.time == t)[:5]
    tr.model.eval()
    with torch.no_grad():
        s = tr.scores(tr.sampler(), seeds, rows, t)
    listed = graph.node_time["items"]
    exists = torch.from_numpy(listed <= t)
    assert torch.isfinite(s[:, exists]).all()  # every existing item gets a score ...
    assert torch.isinf(s[:, ~exists]).all() and (s[:, ~exists] < 0).all()  # ... the rest none
    sub, _ = tr.sample(tr.sampler(), "users", seeds.src[rows], seeds.time[rows])
    reached = set(sub.node.get("items", []).tolist())
    assert exists.sum() > len(reached)  # so some scored items lie outside every subgraph
    pred = tr.rank(seeds)
    assert pred.shape == (len(seeds), task.eval_k)


def test_contextgnn_learns_and_beats_its_prior(ratings):
    _, task, graph = ratings
    tr = ContextGNNTrainer(task, graph, TrainConfig(**{**TINY, "epochs": 3}))
    train = make_link_seeds(task, task.get_table("train"), graph)
    val = make_link_seeds(task, task.get_table("val"), graph)
    hist = tr.fit(train, val, progress=False)
    prior = tr.prior_loss()
    assert prior is not None and prior > 0
    assert min(h["loss"] for h in hist) < prior
    assert 0.0 <= hist[-1]["val"]["map_at_k"] <= 1.0


def test_contextgnn_sampled_softmax(ratings):
    _, task, graph = ratings
    tr = ContextGNNTrainer(task, graph, TrainConfig(**TINY), max_candidates=8)
    seeds = make_link_seeds(task, task.get_table("train"), graph)
    tr._rng = np.random.default_rng(0)
    rows = np.arange(32)
    loss, n, _ = tr.batch_loss(seeds, rows)
    assert n > 0 and torch.isfinite(loss)
    loss.backward()
    grad = tr.model.dst_embedding.lookup.weight.grad
    assert grad is not None and (grad.abs().sum(1) > 0).sum() < graph.num_nodes["items"]


def _with_ratings(db, rows):
    """``db`` plus ratings ``(user_id, item_id, rated_at)`` (appended, new ids)."""
    import pandas as pd

    from rdl import Database, Table

    r = db["ratings"].df
    extra = pd.DataFrame(rows, columns=["user_id", "item_id", "rated_at"])
    extra["rated_at"] = pd.to_datetime(extra["rated_at"])
    extra["stars"] = 3
    extra["rating_id"] = np.arange(len(extra)) + r["rating_id"].max() + 1
    tables = dict(db.items())
    t = db["ratings"]
    tables["ratings"] = Table(
        pd.concat([r, extra[r.columns]], ignore_index=True),
        t.fkey_col_to_pkey_table,
        t.pkey_col,
        t.time_col,
        t.stypes,
    )
    return Database(tables)


def test_context_features_use_links_observed_by_t_only(ratings):
    import pandas as pd

    db, task, graph = ratings
    tr = ContextGNNTrainer(task, graph, TrainConfig(**TINY))
    t = int(make_link_seeds(task, task.get_table("val"), graph).time[0])
    ts = pd.Timestamp(t, unit="s")
    ctx = tr.context_at(t)
    assert ctx.shape == (graph.num_nodes["items"], 3)
    r = db["ratings"].df
    upto = np.bincount(
        graph.node_index("items", r.loc[r["rated_at"] <= ts, "item_id"]),
        minlength=graph.num_nodes["items"],
    )
    assert (np.expm1(ctx[:, 0].numpy()) <= upto + 1e-3).all()
    assert (ctx[:, 1] <= ctx[:, 0] + 1e-6).all()  # last window within "so far"
    age = np.clip((t - graph.node_time["items"]) / 86400, 0, None)
    assert np.allclose(ctx[:, 2].numpy(), np.log1p(age), atol=1e-4)

    def context(extra):
        d = _with_ratings(db, extra)
        g = build_graph(d, text="none", use_cache=False, progress=False)
        return ContextGNNTrainer(UserItemRate(d), g, TrainConfig(**TINY)).context_at(t)

    later = [(1, 1, ts + pd.Timedelta(days=d)) for d in (1, 5, 40)]
    assert torch.equal(context(later), ctx)
    earlier = [(1, 1, ts - pd.Timedelta(days=d)) for d in (40, 45, 50)]  # control
    assert not torch.equal(context(earlier), ctx)


def test_bpr_loss_is_the_mean_over_every_triple():
    from rdl.train.link.trainer import bpr_loss

    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(7, 11, generator=gen)
    pos = torch.rand(7, 11, generator=gen) < 0.3
    terms = [
        torch.nn.functional.softplus(scores[i, k] - scores[i, j])
        for i in range(7)
        for j in range(11)
        for k in range(11)
        if pos[i, j] and not pos[i, k]
    ]
    loss, n = bpr_loss(scores, pos)
    assert n == int(pos.sum())
    torch.testing.assert_close(loss, torch.stack(terms).mean())
    zero, none = bpr_loss(scores, torch.zeros_like(pos))
    assert none == 0 and float(zero) == 0.0


def test_two_tower_destinations_per_batch_are_capped(ratings):
    _, task, graph = ratings
    tr = TwoTowerTrainer(task, graph, TrainConfig(**TINY), num_negatives=4, max_dst_per_batch=10)
    seeds = make_link_seeds(task, task.get_table("train"), graph)
    t = np.bincount(np.unique(seeds.time, return_inverse=True)[1]).argmax()
    rows = np.flatnonzero(seeds.time == np.unique(seeds.time)[t])
    assert len(np.unique(seeds.positives(rows)[1])) > 10  # more than the cap
    seen = []
    sample = tr.sample

    def spy(sampler, table, nodes, times):
        seen.append((table, len(nodes)))
        return sample(sampler, table, nodes, times)

    tr.sample = spy
    loss, n, num_seeds = tr.batch_loss(seeds, rows, np.random.default_rng(0))
    assert torch.isfinite(loss) and n > 0 and num_seeds == len(rows)
    (dst,) = [k for table, k in seen if table == "items"]
    assert dst <= 10
