"""Stale history (issue 9, lever 1): information cut-offs, random training gaps and the
time reference ages are encoded against.

Leakage: a seed sampled at its cut-off ``c <= t`` never receives a row dated after ``c``
(each test has a control in which such rows do arrive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.train import TrainConfig
from rdl.train.seed_batches import seed_batches
from rdl.train.stale import GapSampler, horizons, information_cutoffs, max_gap_steps

DAY = 86400


def users_events(n_users=20, n_events=400, seed=0):
    rs = np.random.RandomState(seed)
    ev_user = rs.randint(0, n_users, n_events)
    num_nodes = {"users": n_users, "events": n_events}
    node_time = {"users": None, "events": np.sort(rs.randint(0, 1000, n_events)).astype(np.int64)}
    ei = {
        ("events", "f2p_user", "users"): np.stack([np.arange(n_events), ev_user]),
        ("users", "rev_f2p_user", "events"): np.stack([ev_user, np.arange(n_events)]),
    }
    return num_nodes, node_time, build_csc(num_nodes, node_time, ei)


def _batches(cutoff, reference, staleness=True):
    num_nodes, node_time, csc = users_events()
    sampler = TemporalNeighborSampler(csc, num_nodes, node_time, [-1], seed=0)
    t = np.full(20, 900, dtype=np.int64)
    loader = seed_batches(
        sampler,
        node_time,
        "users",
        np.arange(20),
        t,
        cutoff,
        time_reference=reference,
        batch_size=8,
        staleness=staleness,
    )
    return list(loader)


@pytest.mark.parametrize("reference", ["seed", "cutoff"])
def test_no_row_after_the_cutoff_reaches_the_seed(reference):
    cut = np.where(np.arange(20) % 2 == 0, 600, 900).astype(np.int64)
    seen_late = False
    for data, idx in _batches(cut, reference):
        ev = data["events"]
        limit = cut[idx][ev.batch.numpy()]
        assert (ev.time.numpy() <= limit).all()
        seen_late |= bool((ev.time.numpy() > 600).any())
        # what ages are encoded against, and the staleness beside it
        expect = cut[idx] if reference == "cutoff" else np.full(len(idx), 900)
        assert data.seed_time.tolist() == expect.tolist()
        assert data.staleness.tolist() == (900 - cut[idx]).tolist()
    assert seen_late  # seeds cut at their own time (900) do see rows in (600, 900]
    # control: without cut-offs, rows in (600, 900] reach every seed
    control = _batches(None, reference)
    for data, idx in control:
        assert (data.staleness == 0).all()
    late = [(d["events"].time > 600) for d, _ in control]
    assert all(bool(x.any()) for x in late)


def test_unknown_time_reference_names_the_flag():
    with pytest.raises(ValueError, match="time_reference='newest': use one of"):
        _batches(None, "newest")
    with pytest.raises(ValueError, match="time_reference 'newest' is not one of"):
        TrainConfig(time_reference="newest")  # the setting (the CLI adds the flag)


class _Task:
    val_timestamp = pd.Timestamp("2005-01-01")
    test_timestamp = pd.Timestamp("2010-01-01")
    timedelta = pd.Timedelta(days=30)

    def split_timestamps(self, split):
        assert split == "test"
        return pd.date_range(self.test_timestamp, periods=40, freq="30D")


def _sec(*stamps):
    return np.array([int(pd.Timestamp(s).timestamp()) for s in stamps], dtype=np.int64)


def test_information_cutoffs_by_protocol():
    task = _Task()
    t = _sec("2004-06-01", "2006-03-01", "2012-03-01")
    test_ts = _sec("2010-01-01")[0]
    assert information_cutoffs(task, t, "relbench").tolist() == [t[0], t[1], test_ts]
    stale = information_cutoffs(task, t, "relbench", stale_val=True, entity=np.arange(3))
    assert stale[0] == t[0] and stale[2] == test_ts
    k = (t[1] - stale[1]) / (30 * DAY)
    assert k == int(k) and 1 <= k <= 39  # a val seed as stale as a test seed can be
    # the same seed gets the same cut-off in every run
    again = information_cutoffs(task, t, "relbench", stale_val=True, entity=np.arange(3))
    assert stale.tolist() == again.tolist()
    # rolling: every seed sees up to its own time, stale_val or not
    assert information_cutoffs(task, t, "rolling", stale_val=True).tolist() == t.tolist()
    assert horizons(task, "rolling") is None and horizons(task, "relbench") == test_ts
    assert max_gap_steps(task, "relbench") == 39 and max_gap_steps(task, "rolling") == 0


def test_stale_validation_covers_the_test_staleness():
    task = _Task()
    t = np.repeat(_sec("2006-03-01"), 4000) + np.arange(4000) * 30 * DAY // 4000
    k = (t - information_cutoffs(task, t, "relbench", True, np.arange(4000) % 42)) // (30 * DAY)
    counts = np.bincount(k, minlength=40)[1:]
    assert k.min() >= 1 and k.max() <= 39 and counts.min() > 0.6 * counts.mean()


def test_gap_sampler_draws_on_the_grid_within_the_test_staleness():
    g = GapSampler(30 * DAY, 39, 0.6, seed=1)
    k = g.steps(20000)
    assert k.min() == 0 and k.max() == 39
    assert abs((k > 0).mean() - 0.6) < 0.02
    counts = np.bincount(k[k > 0], minlength=40)[1:]
    assert counts.min() > 0.7 * counts.mean()  # uniform over 1..39
    assert not GapSampler(30 * DAY, 0, 0.6).steps(100).any()  # rolling: nothing stale
    assert not GapSampler(30 * DAY, 39, 0.0).steps(100).any()
    with pytest.raises(ValueError, match=r"stale_prob must be a finite number in \[0, 1\]"):
        GapSampler(DAY, 3, 1.5)


TINY = dict(
    epochs=1,
    channels=8,
    encoder_layers=1,
    num_neighbors=[8, 4],
    batch_size=256,
    max_steps_per_epoch=2,
    text=False,
    seed=3,
    precision="fp32",
    threads=1,
)


@pytest.mark.parametrize("reference", ["seed", "cutoff"])
def test_training_seeds_at_random_cutoffs_see_nothing_after_them(f1_duckdb, tmp_path, reference):
    """Through the trainer: with ``stale_prob`` every training batch holds only rows dated
    ``<=`` each seed's drawn cut-off; the control (no gaps) shows rows between them."""
    from rdl.db import connect
    from rdl.tasks import load_task
    from rdl.train.job import make_trainer, split_tables_and_graph

    db = connect(f1_duckdb)
    task = load_task("rel-f1/driver-top3", db)

    def batches(prob):
        cfg = TrainConfig(**TINY, stale_prob=prob, time_reference=reference)
        tables, graph, _ = split_tables_and_graph(task, cfg, tmp_path)
        trainer = make_trainer(task, graph, cfg, tables["train"])
        seeds = trainer.make_seeds(tables["train"])
        drawn = []
        steps = trainer.gaps.steps
        trainer.gaps.steps = lambda n: drawn.append(steps(n)) or drawn[-1]
        out = []
        for data, idx in trainer.train_batches(seeds, np.random.default_rng(0)):
            cut = seeds.time[idx] - trainer.step * drawn[-1][idx]
            out.append((data, cut, seeds.time[idx]))
            if len(out) == 3:
                break
        return out

    stale_rows = 0
    for data, cut, t in batches(0.9):
        for nt in ("results", "qualifying", "standings"):
            store = data[nt]
            if "time" in store and store.num_nodes:
                b = store.batch.numpy()
                assert (store.time.numpy() <= cut[b]).all(), nt
        assert (cut < t).any()
    for data, cut, t in batches(0.0):
        store = data["results"]
        b = store.batch.numpy()
        stale_rows += int((store.time.numpy() > t[b] - 365 * DAY).sum())
    assert stale_rows > 0  # control: fresh seeds see their last year
