"""Tests for rdl.sampling: time-sorted CSC and the disjoint temporal sampler.

Property tests run over random heterogeneous temporal graphs (2-4 node types,
some without time, multi-edges, self-loops, ties in time) and compare against
a slow pure-Python reference sampler.
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import rdl.sampling._kernels as kernels_mod
from rdl.sampling import NO_TIME, TemporalNeighborSampler, build_csc
from rdl.sampling.pairmap import PairMap
from tests.fixtures.sampling import (
    SETTINGS,
    canonical,
    case_args,
    check_invariants,
    chi2_stat,
    draw_case,
    force_parallel,
    random_graph,
    reference_sample,
)

# --------------------------------------------------------------------------- CSC


@SETTINGS
@given(rseed=st.integers(0, 2**32 - 1), n_types=st.integers(2, 4))
def test_build_csc_sorted_segments(rseed, n_types):
    rs = np.random.default_rng(rseed)
    num_nodes, node_time, edge_index = random_graph(rs, n_types)
    csc = build_csc(num_nodes, node_time, edge_index)
    for et, (src, dst) in edge_index.items():
        c = csc[et]
        assert c.colptr.dtype == c.row.dtype == c.row_time.dtype == c.edge_id.dtype == np.int64
        assert len(c.colptr) == num_nodes[et[2]] + 1 and c.colptr[-1] == len(src)
        assert np.array_equal(np.sort(c.edge_id), np.arange(len(src)))
        assert np.array_equal(c.row, src[c.edge_id])
        t = node_time[et[0]]
        assert np.array_equal(c.row_time, t[c.row] if t is not None else np.full(len(src), NO_TIME))
        for v in range(num_nodes[et[2]]):
            seg = slice(c.colptr[v], c.colptr[v + 1])
            assert np.all(dst[c.edge_id[seg]] == v)
            key = list(zip(c.row_time[seg].tolist(), c.row[seg].tolist(), c.edge_id[seg].tolist()))
            assert key == sorted(key)


def test_build_csc_lexsort_fallback_agrees(monkeypatch):
    import rdl.sampling.csr as csr_mod

    rs = np.random.default_rng(8)
    nn, nt, ei = random_graph(rs, 4, max_nodes=20, max_edges=200)
    fast = build_csc(nn, nt, ei)
    monkeypatch.setattr(csr_mod, "_KEY_LIMIT", 0)
    slow = build_csc(nn, nt, ei)
    for et in ei:
        for a, b in zip(fast[et], slow[et]):
            assert np.array_equal(a, b)


def test_build_csc_errors():
    nn = {"items": 3, "keys": 2}
    with pytest.raises(ValueError, match="outside"):
        build_csc(nn, {}, {("items", "r", "keys"): np.array([[0], [2]])})
    with pytest.raises(ValueError, match=r"\[2, num_edges\]"):
        build_csc(nn, {}, {("items", "r", "keys"): np.zeros((3, 1), int)})
    with pytest.raises(ValueError, match="'nope'"):
        build_csc(nn, {}, {("items", "r", "nope"): np.zeros((2, 0), int)})
    with pytest.raises(ValueError, match="expected"):
        build_csc(nn, {"items": np.zeros(2)}, {("items", "r", "keys"): np.zeros((2, 0), int)})


# --------------------------------------------------------------------------- properties


@pytest.fixture(autouse=True)
def _pairs_arrive_sorted_by_seed(monkeypatch):
    """The dedup step relies on each batch of (seed, node) pairs being sorted by seed."""
    add = PairMap.add

    def checked(self, src, seed_of, local_out):
        assert np.all(np.diff(seed_of) >= 0)
        return add(self, src, seed_of, local_out)

    monkeypatch.setattr(PairMap, "add", checked)


def test_force_parallel_reaches_the_parallel_build():
    # Guards the helper: the tests that pass par=True really run the prange builds.
    assert kernels_mod.pick("ser", "par", 1, parallel=True) == "ser"
    with force_parallel():
        assert kernels_mod.pick("ser", "par", 1, parallel=True) != "ser"
    assert kernels_mod.pick("ser", "par", 1, parallel=True) == "ser"


@SETTINGS
@given(**case_args, strategy=st.sampled_from(["uniform", "last"]), par=st.booleans())
def test_invariants(rseed, n_types, num_hops, per_type, strategy, par):
    rs = np.random.default_rng(rseed)
    nn, nt, ei, fan, seed_type, seeds, stime = draw_case(rs, n_types, num_hops, per_type)
    sampler = TemporalNeighborSampler(
        build_csc(nn, nt, ei), nn, nt, fan, strategy, seed=rseed, parallel=par
    )
    with force_parallel(par):
        out = sampler.sample(seed_type, seeds, stime)
    check_invariants(out, nn, nt, ei, fan, seed_type, seeds, stime)
    assert np.array_equal(out.seed_time, stime)


@SETTINGS
@given(**case_args)
def test_last_matches_reference(rseed, n_types, num_hops, per_type):
    rs = np.random.default_rng(rseed)
    nn, nt, ei, fan, seed_type, seeds, stime = draw_case(rs, n_types, num_hops, per_type)
    out = TemporalNeighborSampler(build_csc(nn, nt, ei), nn, nt, fan, "last").sample(
        seed_type, seeds, stime
    )
    assert canonical(out) == reference_sample(
        nn, nt, ei, fan, "last", seed_type, seeds.tolist(), stime
    )


@SETTINGS
@given(**case_args)
def test_uniform_taking_all_matches_reference(rseed, n_types, num_hops, per_type):
    rs = np.random.default_rng(rseed)
    nn, nt, ei, fan, seed_type, seeds, stime = draw_case(
        rs, n_types, num_hops, per_type, fanout_choices=(-1, 0, 1000)
    )
    out = TemporalNeighborSampler(build_csc(nn, nt, ei), nn, nt, fan, "uniform", seed=rseed).sample(
        seed_type, seeds, stime
    )
    assert canonical(out) == reference_sample(
        nn, nt, ei, fan, "uniform", seed_type, seeds.tolist(), stime
    )


# --------------------------------------------------------------------------- uniformity


def star_graph(n_eligible: int, n_late: int):
    """One 'users' node with n_eligible incoming events at time <= 100 and
    n_late newer ones (never eligible for seed time 100)."""
    n = n_eligible + n_late
    num_nodes = {"users": 1, "events": n}
    t = np.concatenate([np.arange(n_eligible) % 7 * 10, 101 + np.arange(n_late)])
    node_time = {"users": None, "events": t}
    ei = {("events", "f2p_user", "users"): np.stack([np.arange(n), np.zeros(n, int)])}
    return num_nodes, node_time, ei


# 99.9% quantiles of the chi-square distribution (scipy.stats.chi2.ppf(0.999, df)),
# fixed here so the test needs no scipy.
CHI2_999 = {19: 43.820, 34: 65.247, 189: 254.818}


def test_uniform_marginals_chi_square():
    nn, nt, ei = star_graph(20, 5)
    sampler = TemporalNeighborSampler(build_csc(nn, nt, ei), nn, nt, [5], "uniform", seed=7)
    draws = 8000  # one seed per draw: every seed gets its own independent draw
    out = sampler.sample("users", np.zeros(draws, np.int64), np.full(draws, 100))
    picked = out.node["events"]
    assert picked.max() < 20  # never the 5 late events
    per_seed = np.bincount(out.batch["events"], minlength=draws)
    assert np.all(per_seed == 5)
    counts = np.bincount(picked, minlength=20)
    stat = chi2_stat(counts, draws * 5 / 20)
    assert stat < CHI2_999[19], stat
    # Pairs: each of the 190 pairs is in a 5-subset with prob C(18,3)/C(20,5).
    sets = np.sort(picked.reshape(draws, 5), axis=1)
    pair_counts = np.zeros((20, 20))
    for a, b in itertools.combinations(range(5), 2):
        np.add.at(pair_counts, (sets[:, a], sets[:, b]), 1)
    iu = np.triu_indices(20, 1)
    p_pair = 816 / 15504
    stat = chi2_stat(pair_counts[iu], draws * p_pair)
    assert stat < CHI2_999[189], stat


def test_uniform_subsets_chi_square():
    nn, nt, ei = star_graph(7, 2)
    sampler = TemporalNeighborSampler(build_csc(nn, nt, ei), nn, nt, [3], "uniform", seed=3)
    draws = 7000
    out = sampler.sample("users", np.zeros(draws, np.int64), np.full(draws, 100))
    sets = np.sort(out.node["events"].reshape(draws, 3), axis=1)
    code = sets[:, 0] * 49 + sets[:, 1] * 7 + sets[:, 2]
    subsets = [a * 49 + b * 7 + c for a, b, c in itertools.combinations(range(7), 3)]
    counts = np.array([(code == s).sum() for s in subsets])
    assert counts.sum() == draws  # only valid 3-subsets of the 7 eligible
    stat = chi2_stat(counts, draws / 35)
    assert stat < CHI2_999[34], stat


def test_last_takes_most_recent_with_ties():
    # Times: ties at 50; 'last' with k=3 keeps the largest (time, src id).
    num_nodes = {"users": 1, "events": 6}
    node_time = {"users": None, "events": np.array([10, 50, 50, 50, 20, 200])}
    ei = {("events", "f2p_user", "users"): np.stack([np.arange(6), np.zeros(6, int)])}
    s = TemporalNeighborSampler(
        build_csc(num_nodes, node_time, ei), num_nodes, node_time, [3], "last"
    )
    out = s.sample("users", np.array([0, 0]), np.array([100, 15]))
    ev, b = out.node["events"], out.batch["events"]
    assert sorted(ev[b == 0].tolist()) == [1, 2, 3]
    assert ev[b == 1].tolist() == [0]


# --------------------------------------------------------------------------- reproducibility


def _sample_twice_graph():
    rs = np.random.default_rng(11)
    nn = {"items": 20, "users": 10}
    nt = {"items": rs.integers(0, 12, 20), "users": None}
    e = np.stack([rs.integers(0, 20, 300), rs.integers(0, 10, 300)])
    ei = {("items", "r", "users"): e, ("users", "rev_r", "items"): e[::-1].copy()}
    csc = build_csc(nn, nt, ei)
    seeds = rs.integers(0, nn["items"], 64)
    stime = rs.integers(0, 14, 64)
    return nn, nt, csc, seeds, stime


def _same(a, b):
    return all(
        np.array_equal(a.node[t], b.node[t]) and np.array_equal(a.batch[t], b.batch[t])
        for t in a.node
    ) and all(
        np.array_equal(a.edge_index[e], b.edge_index[e])
        and np.array_equal(a.edge_id[e], b.edge_id[e])
        for e in a.edge_index
    )


def test_reproducible_given_seed_and_reseed():
    nn, nt, csc, seeds, stime = _sample_twice_graph()
    a = TemporalNeighborSampler(csc, nn, nt, [2, 2], "uniform", seed=5)
    b = TemporalNeighborSampler(csc, nn, nt, [2, 2], "uniform", seed=5)
    a1, a2 = a.sample("items", seeds, stime), a.sample("items", seeds, stime)
    b1 = b.sample("items", seeds, stime)
    assert _same(a1, b1)
    assert not _same(a1, a2)  # the state advances: epochs differ
    a.reseed(5)
    assert _same(a.sample("items", seeds, stime), a1)
    c = TemporalNeighborSampler(csc, nn, nt, [2, 2], "uniform", seed=6)
    assert not _same(c.sample("items", seeds, stime), a1)


def test_independent_of_thread_count():
    nn, nt, csc, seeds, stime = _sample_twice_graph()

    def run(parallel):
        s = TemporalNeighborSampler(csc, nn, nt, [2, 2], seed=1, parallel=parallel)
        return s.sample("items", seeds, stime)

    serial = run(False)
    before = numba.get_num_threads()
    with force_parallel():
        try:
            numba.set_num_threads(1)
            one = run(True)
        finally:
            numba.set_num_threads(before)
        many = run(True)
    assert _same(serial, one) and _same(serial, many)


# --------------------------------------------------------------------------- API edges


def _tiny():
    nn = {"items": 3, "type": 2}
    nt = {"items": np.array([1, 2, 3]), "type": None}
    ei = {
        ("items", "of", "type"): np.array([[0, 1, 2], [0, 0, 1]]),
        ("type", "rev_of", "items"): np.array([[0, 0, 1], [0, 1, 2]]),
    }
    return nn, nt, build_csc(nn, nt, ei)


def test_errors_name_the_value():
    nn, nt, csc = _tiny()
    with pytest.raises(ValueError, match=r"'sideways'.*'uniform', 'last'"):
        TemporalNeighborSampler(csc, nn, nt, [2], strategy="sideways")
    s = TemporalNeighborSampler(csc, nn, nt, [2])
    with pytest.raises(ValueError, match=r"'nope'.*'items', 'type'"):
        s.sample("nope", np.array([0]), np.array([1]))
    with pytest.raises(ValueError, match="length 2.*length 1"):
        s.sample("type", np.array([0]), np.array([1, 2]))
    with pytest.raises(ValueError, match="outside"):
        s.sample("type", np.array([2]), np.array([1]))
    with pytest.raises(ValueError, match="unknown edge types"):
        TemporalNeighborSampler(csc, nn, nt, {("a", "b", "c"): [1]})
    with pytest.raises(ValueError, match=">= -1"):
        TemporalNeighborSampler(csc, nn, nt, [-2])
    with pytest.raises(ValueError, match="dtype float"):
        s.sample("type", np.array([0.5]), np.array([1]))
    with pytest.raises(ValueError, match="seed_time has dtype"):
        s.sample("type", np.array([0]), np.array(["2020-01-01"], dtype="datetime64[s]"))
    with pytest.raises(ValueError, match="same node_time"):
        TemporalNeighborSampler(csc, nn, {"items": None, "type": None}, [2])


def test_empty_and_untimed_seed_types():
    nn, nt, csc = _tiny()
    s = TemporalNeighborSampler(csc, nn, nt, [-1, -1])
    out = s.sample("type", np.array([], np.int64), np.array([], np.int64))
    assert all(len(v) == 0 for v in out.node.values())
    assert all(v.shape == (2, 0) for v in out.edge_index.values())
    out = s.sample("type", np.array([0, 0]), np.array([1, 3]))
    # Seed 0 (t=1) sees item 0 only; seed 1 (t=3) sees items 0 and 1.
    assert sorted(zip(out.batch["items"].tolist(), out.node["items"].tolist())) == [
        (0, 0),
        (1, 0),
        (1, 1),
    ]
    assert out.num_sampled_nodes == {"items": [0, 3, 0], "type": [2, 0, 0]}
    # Hop 2 reaches type 0 again from the items: deduplicated onto the seeds.
    assert out.num_sampled_edges[("items", "of", "type")] == [3, 0]
    assert out.num_sampled_edges[("type", "rev_of", "items")] == [0, 3]
    assert np.all(out.edge_index[("type", "rev_of", "items")][0] < 2)


def test_to_sampler_output_and_pyg_node_loader():
    import torch
    from torch_geometric.data import HeteroData
    from torch_geometric.loader import NodeLoader
    from torch_geometric.sampler import BaseSampler, HeteroSamplerOutput
    from torch_geometric.utils import trim_to_layer

    rs = np.random.default_rng(2)
    nn, nt, ei = random_graph(rs, 3, max_nodes=30, max_edges=200)
    csc = build_csc(nn, nt, ei)
    sampler = TemporalNeighborSampler(csc, nn, nt, [3, 2], "uniform", seed=0)
    seeds, stime = np.arange(nn["items"]), rs.integers(0, 14, nn["items"])
    sub = sampler.sample("items", seeds, stime)
    out = sub.to_sampler_output()
    assert isinstance(out, HeteroSamplerOutput)
    for et in ei:
        assert out.row[et].dtype == torch.int64
        assert torch.equal(
            torch.stack([out.row[et], out.col[et]]), torch.from_numpy(sub.edge_index[et])
        )
        assert torch.equal(out.edge[et], torch.from_numpy(sub.edge_id[et]))
    for t in nn:
        assert torch.equal(out.node[t], torch.from_numpy(sub.node[t]))
        assert torch.equal(out.batch[t], torch.from_numpy(sub.batch[t]))
    assert out.num_sampled_nodes == sub.num_sampled_nodes
    assert out.num_sampled_edges == sub.num_sampled_edges
    assert torch.equal(out.metadata[1], torch.from_numpy(stime))

    class Adapter(BaseSampler):
        def sample_from_nodes(self, inputs, **kwargs):
            res = sampler.sample(inputs.input_type, inputs.node.numpy(), inputs.time.numpy())
            return res.to_sampler_output(input_id=inputs.input_id.numpy())

        def sample_from_edges(self, index, neg_sampling=None):
            raise NotImplementedError

    data = HeteroData()
    for t, n in nn.items():
        data[t].x = torch.arange(n, dtype=torch.float).view(-1, 1)
    for et, e in ei.items():
        data[et].edge_index = torch.from_numpy(e)
        data[et].edge_attr = torch.arange(e.shape[1], dtype=torch.float)
    loader = NodeLoader(
        data,
        node_sampler=Adapter(),
        input_nodes=("items", torch.from_numpy(seeds)),
        input_time=torch.from_numpy(stime),
        batch_size=4,
    )
    batches = list(loader)
    assert len(batches) == -(-nn["items"] // 4)
    b = batches[0]
    assert b["items"].batch_size == min(4, nn["items"])
    for et in ei:
        # Features follow the sampled edges; edge_index indexes the local nodes.
        assert torch.equal(b[et].edge_attr, b[et].e_id.float())
        if b[et].edge_index.numel():
            s_t, _, d_t = et
            gs = b[s_t].x[b[et].edge_index[0], 0].long()
            gd = b[d_t].x[b[et].edge_index[1], 0].long()
            assert torch.equal(gs, data[et].edge_index[0, b[et].e_id])
            assert torch.equal(gd, data[et].edge_index[1, b[et].e_id])
    # Layer-wise trimming accepts the per-hop counts.
    x, edge_index, _ = trim_to_layer(
        1, b.num_sampled_nodes_dict, b.num_sampled_edges_dict, b.x_dict, b.edge_index_dict
    )
    for t in nn:
        assert x[t].size(0) == b[t].x.size(0) - b.num_sampled_nodes_dict[t][-1]


def test_reused_sampler_many_calls_and_generation_wrap(monkeypatch):
    # The hash maps live across calls (generation tags, growth, wrap-around).
    monkeypatch.setattr(PairMap, "MAX_GEN", 3)
    rs = np.random.default_rng(4)
    nn, nt, ei = random_graph(rs, 4, max_nodes=12, max_edges=60)
    fan = [3, 2]
    sampler = TemporalNeighborSampler(build_csc(nn, nt, ei), nn, nt, fan, "last", parallel=True)
    for call in range(12):
        seed_type = str(rs.choice(list(nn)))
        S = int(rs.choice([1, 5, 17, 40]))
        seeds = rs.integers(0, nn[seed_type], S)
        stime = rs.integers(-1, 14, S)
        with force_parallel(call % 2 == 1):
            out = sampler.sample(seed_type, seeds, stime)
        check_invariants(out, nn, nt, ei, fan, seed_type, seeds, stime)
        assert canonical(out) == reference_sample(
            nn, nt, ei, fan, "last", seed_type, seeds.tolist(), stime
        )


def test_node_loader_information_cutoff_samples_before_it_and_encodes_at_the_seed_time():
    """``sample_time``: nothing dated after the cut-off is sampled, ages are still
    relative to the seed time; without it (the control) rows between the two appear."""
    from rdl.sampling.loader import NodeLoader

    rs = np.random.RandomState(0)
    n_users, n_events = 20, 400
    ev_user = rs.randint(0, n_users, n_events)
    num_nodes = {"users": n_users, "events": n_events}
    node_time = {"users": None, "events": np.sort(rs.randint(0, 1000, n_events)).astype(np.int64)}
    ei = {
        ("events", "f2p_user", "users"): np.stack([np.arange(n_events), ev_user]),
        ("users", "rev_f2p_user", "events"): np.stack([ev_user, np.arange(n_events)]),
    }
    csc = build_csc(num_nodes, node_time, ei)
    seeds = np.arange(n_users)
    stime = np.full(n_users, 900, dtype=np.int64)
    gap = 300

    def batches(sample_time):
        sampler = TemporalNeighborSampler(csc, num_nodes, node_time, [-1], seed=0)
        loader = NodeLoader(
            sampler, node_time, "users", seeds, stime, batch_size=8, sample_time=sample_time
        )
        return [b for b, _ in loader]

    for b in batches(lambda idx, t: t - gap):
        assert (b["events"].time <= 900 - gap).all()
        assert (b.seed_time == 900).all()
    control = torch.cat([b["events"].time for b in batches(None)])
    assert ((control > 900 - gap) & (control <= 900)).any()
