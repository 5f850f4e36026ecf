"""Link models: sampling plans, link batches, and leakage — on the hand-built shop
database of `tests.fixtures.shops.link_shop` (users <- purchases -> items).

Leakage (issue 5): for seeds at ``t``, links dated after ``t`` never reach a sampled
subgraph (two-tower source and destination sides, ID-GNN), a destination dated after
``t`` is never a candidate or a negative, training positives of the rows at ``t`` are
their own window's links only, and the trained models' scores for seeds at ``t`` do not
change when such rows are added (same weights, same sampler seed). Every check has a
control showing that the same rows dated before ``t`` do change the outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rdl.graph import build_graph
from rdl.train import TrainConfig
from rdl.train.link import (
    LinkSeeds,
    bidirectional,
    idgnn_fanouts,
    link_trainer,
    make_link_seeds,
    schema_distances,
)
from tests.fixtures.shops import D, UserItemBuy, link_shop

TINY = dict(
    epochs=1,
    channels=8,
    encoder_layers=1,
    num_neighbors=[4, 4],
    num_layers=2,
    batch_size=4,
    text=False,
    seed=7,
)
T = D("2020-01-21")  # a train seed time: the row (01-21, u1, [3]); window (01-21, 01-31]
# links after T: one inside the window (it becomes a label), two after it
IN_WINDOW = [(50, 2, 4, "2020-01-25")]
AFTER_WINDOW = [(51, 1, 4, "2020-02-05"), (52, 3, 2, "2020-02-06"), (53, 1, 2, "2020-02-25")]
BEFORE_T = [(60, 1, 4, "2020-01-12"), (61, 2, 3, "2020-01-13"), (62, 1, 1, "2020-01-19")]


def with_new_item(db, listed: str):
    """``db`` plus item 6 listed at ``listed`` (appended: existing node ids unchanged)."""
    from rdl import Database, Table

    items = db["items"].df
    new = pd.DataFrame({"item_id": [6], "listed": [D(listed)], "price": [6.0]})
    tables = dict(db.items())
    tables["items"] = Table(pd.concat([items, new], ignore_index=True), {}, "item_id", "listed")
    return Database(tables)


def setup(db, stats=None, model="two-tower", tmp=None):
    task = UserItemBuy(db)
    graph = build_graph(db, text=False, col_stats=stats, cache_dir=tmp)
    return task, graph, link_trainer(task, graph, TrainConfig(**TINY), model)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cache")
    task, graph, _ = setup(link_shop(), tmp=tmp)
    return graph.col_stats, tmp


def sampled(trainer, table, nodes, t):
    """Sampled rows (primary keys per table) and edges of seeds ``nodes`` at ``t``."""
    sampler = trainer.sampler(123)
    sub, _ = trainer.sample(
        sampler,
        table,
        np.asarray(nodes),
        np.full(len(nodes), int(D(t).timestamp()), dtype=np.int64),
    )
    g = trainer.graph
    rows = {nt: g.pkey_values[nt][ids].tolist() for nt, ids in sub.node.items()}
    edges = {et: ei.tolist() for et, ei in sub.edge_index.items() if ei.shape[1]}
    return sub, rows, edges


# ---- sampling plans ---------------------------------------------------------------------


F1_EDGES = [
    ("races", "f2p_circuitId", "circuits"),
    ("circuits", "rev_f2p_circuitId", "races"),
    ("results", "f2p_raceId", "races"),
    ("races", "rev_f2p_raceId", "results"),
    ("results", "f2p_driverId", "drivers"),
    ("drivers", "rev_f2p_driverId", "results"),
    ("results", "f2p_constructorId", "constructors"),
    ("constructors", "rev_f2p_constructorId", "results"),
]


def test_idgnn_fanouts_reach_the_destination_table():
    assert schema_distances(F1_EDGES, "circuits") == {
        "circuits": 0,
        "races": 1,
        "results": 2,
        "drivers": 3,
        "constructors": 3,
    }
    hops, fan = idgnn_fanouts(F1_EDGES, "drivers", "circuits", [128, 64])
    assert hops == 3  # driver <- results -> races -> circuits
    # the extra hop only looks up each race's circuit (sampling a races frontier node
    # along circuits -> races adds its circuit); every other edge type stops
    assert fan[("circuits", "rev_f2p_circuitId", "races")] == [128, 64, 64]
    for et in F1_EDGES:
        if et == ("circuits", "rev_f2p_circuitId", "races"):
            continue
        assert fan[et][:2] == [128, 64] and fan[et][2] == 0
    # close enough: the configured fanouts as they are
    assert idgnn_fanouts(F1_EDGES, "results", "circuits", [8, 4]) == (2, [8, 4])
    with pytest.raises(ValueError, match="not reachable"):
        idgnn_fanouts(F1_EDGES, "drivers", "pit_stops", [8, 4])


def test_bidirectional_edges_reversed_once(base):
    _, _, trainer = setup(link_shop(), base[0], "idgnn", base[1])
    sub, _, _ = sampled(trainer, "users", [0, 1], "2020-02-20")
    edges = bidirectional(sub, trainer.graph.edge_types)
    for (a, rel, b), ei in sub.edge_index.items():
        rev = (b, rel[4:] if rel.startswith("rev_") else f"rev_{rel}", a)
        got = {tuple(e) for e in edges[rev].t().tolist()} if ei.shape[1] else set()
        assert {(d, s) for s, d in ei.T.tolist()} <= got
    for ei in edges.values():  # no duplicates
        assert len({tuple(e) for e in ei.t().tolist()}) == ei.shape[1]


def test_link_seeds_positives(base):
    task, graph, _ = setup(link_shop(), base[0], tmp=base[1])
    seeds = make_link_seeds(task, task.get_table("train"), graph)
    which, dst = seeds.positives(np.array([3, 0]))
    # rows 3 = (01-21, u1, [3]) and 0 = (01-01, u1, [1, 2]); items 1..5 are nodes 0..4
    assert which.tolist() == [0, 1, 1] and dst.tolist() == [2, 0, 1]
    masked = make_link_seeds(task, task.get_table("test"), graph)
    assert len(masked) == 2 and masked.dst.size == 0


# ---- leakage ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["two-tower", "idgnn", "contextgnn"])
def test_links_after_t_never_reach_a_sampled_subgraph(base, model):
    stats, tmp = base
    _, g0, tr0 = setup(link_shop(), stats, model, tmp)
    _, _, tr1 = setup(link_shop(IN_WINDOW + AFTER_WINDOW), stats, model, tmp)
    _, _, tr2 = setup(link_shop(BEFORE_T), stats, model, tmp)
    users, items = [0, 1, 2], [0, 1, 2, 3]
    for table, nodes in [("users", users)] + ([("items", items)] if model == "two-tower" else []):
        sub0, rows0, edges0 = sampled(tr0, table, nodes, T)
        _, rows1, edges1 = sampled(tr1, table, nodes, T)
        assert rows0 == rows1 and edges0 == edges1
        assert set(rows0["purchases"]).isdisjoint({50, 51, 52, 53})
        for nt, ids in sub0.node.items():
            if g0.node_time[nt] is not None and len(ids):
                assert (g0.node_time[nt][ids] <= int(T.timestamp())).all()
        # control: purchases dated before T are sampled
        _, rows2, _ = sampled(tr2, table, nodes, T)
        assert set(rows2["purchases"]) & {60, 61, 62}


def test_training_positives_of_rows_at_t_are_their_window_only(base):
    stats, tmp = base

    def pairs(db):
        task, graph, tr = setup(db, stats, tmp=tmp)
        seeds = make_link_seeds(task, task.get_table("train"), graph)
        rows = np.flatnonzero(seeds.time == int(T.timestamp()))
        which, dst = seeds.positives(rows)
        return sorted(
            zip(
                graph.pkey_values["users"][seeds.src[rows][which]].tolist(),
                graph.pkey_values["items"][dst].tolist(),
            )
        )

    base_pairs = pairs(link_shop())
    assert base_pairs == [(1, 3)]
    assert pairs(link_shop(AFTER_WINDOW)) == base_pairs
    # a link inside (T, T + timedelta] is a positive of the row at T: it is its label
    assert pairs(link_shop(IN_WINDOW + AFTER_WINDOW)) == [(1, 3), (2, 4)]


def test_destinations_listed_after_t_are_never_candidates(base):
    stats, tmp = base
    _, _, tr = setup(with_new_item(link_shop(), "2020-01-25"), stats, tmp=tmp)
    assert tr.candidates(int(T.timestamp())).tolist() == [0, 1, 2, 3]  # not 4 (item 5), 5
    assert tr.candidates(int(D("2020-01-25").timestamp())).tolist() == [0, 1, 2, 3, 5]
    tr.num_negatives = 100  # "all candidates": the negatives of a batch at T
    task = tr.task
    seeds = make_link_seeds(task, task.get_table("train"), tr.graph)
    rows = np.flatnonzero(seeds.time == int(T.timestamp()))
    loss, n, _ = tr.batch_loss(seeds, rows, np.random.default_rng(0))
    assert n == 1 and torch.isfinite(loss)


def _load(model, state):
    """Load ``state`` into ``model``; per-destination-row parameters (ContextGNN's lookup)
    of rows the state does not know (appended rows) keep their initial values."""
    own = model.state_dict()
    for k, v in state.items():
        if own[k].shape != v.shape:
            v = torch.cat([v, own[k][v.shape[0] :]])
        own[k] = v
    model.load_state_dict(own)


@pytest.mark.parametrize("model", ["two-tower", "idgnn", "contextgnn"])
def test_trained_scores_for_seeds_at_t_ignore_later_rows(base, model):
    stats, tmp = base
    task0, g0, tr0 = setup(link_shop(), stats, model, tmp)
    tr0.fit(
        make_link_seeds(task0, task0.get_table("train"), g0),
        make_link_seeds(task0, task0.get_table("val"), g0),
        progress=False,
    )
    state = tr0.model.state_dict()
    seeds = pd.DataFrame({"seed": [T, T, T], "user_id": [1, 2, 3]})

    def scores(db):
        task, graph, tr = setup(db, stats, model, tmp)
        _load(tr.model, state)
        tr.model.eval()
        s = make_link_seeds(task, seeds, graph)
        with torch.no_grad():
            out = tr.scores(tr.sampler(TINY["seed"]), s, np.arange(len(s)), int(T.timestamp()))
        return out[:, :4], tr.rank(s)

    before, rank_before = scores(link_shop())
    after, rank_after = scores(with_new_item(link_shop(IN_WINDOW + AFTER_WINDOW), "2020-01-25"))
    torch.testing.assert_close(before, after, rtol=0, atol=0)
    np.testing.assert_array_equal(rank_before, rank_after)
    changed, _ = scores(link_shop(BEFORE_T))
    assert not torch.allclose(before, changed)


def test_rank_names_existing_destinations_only(base):
    stats, tmp = base
    task, graph, tr = setup(link_shop(), stats, "idgnn", tmp)
    seeds = make_link_seeds(task, task.get_table("test"), graph)
    pred = tr.rank(seeds)
    assert pred.shape == (2, 2)
    # test row 0 is at 03-01, before item 5 is listed (03-10)
    assert 5 not in pred[0].tolist()
    assert all(len(set(row)) == 2 for row in pred.tolist())
    assert isinstance(seeds, LinkSeeds)
