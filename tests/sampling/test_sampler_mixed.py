"""The ``"mixed"`` temporal strategy (issue 9, lever 1: recency-aware sampling): the most
recent ``ceil(last_share * k)`` of the ``k`` neighbours taken, the rest uniform without
replacement among the older eligible ones; never a row newer than the seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdl.sampling import TemporalNeighborSampler, build_csc
from tests.fixtures.sampling import (
    SETTINGS,
    case_args,
    check_invariants,
    chi2_stat,
    draw_case,
    force_parallel,
)


@SETTINGS
@given(**case_args, share=st.sampled_from([0.0, 0.25, 0.5, 1.0]), par=st.booleans())
def test_mixed_invariants(rseed, n_types, num_hops, per_type, share, par):
    rs = np.random.default_rng(rseed)
    nn, nt, ei, fan, seed_type, seeds, stime = draw_case(rs, n_types, num_hops, per_type)
    sampler = TemporalNeighborSampler(
        build_csc(nn, nt, ei), nn, nt, fan, "mixed", seed=rseed, parallel=par, last_share=share
    )
    with force_parallel(par):
        out = sampler.sample(seed_type, seeds, stime)
    check_invariants(out, nn, nt, ei, fan, seed_type, seeds, stime)


def _star(n_eligible=20, n_late=5):
    n = n_eligible + n_late
    num_nodes = {"users": 1, "events": n}
    node_time = {
        "users": None,
        "events": np.concatenate([np.arange(n_eligible) * 10, 1000 + np.arange(n_late)]),
    }
    ei = {("events", "f2p_user", "users"): np.stack([np.arange(n), np.zeros(n, int)])}
    return num_nodes, node_time, build_csc(num_nodes, node_time, ei)


def test_mixed_takes_the_newest_share_and_a_uniform_rest():
    nn, nt, csc = _star()
    draws = 6000
    out = TemporalNeighborSampler(csc, nn, nt, [6], "mixed", seed=5).sample(
        "users", np.zeros(draws, np.int64), np.full(draws, 500)
    )
    picked = out.node["events"].reshape(draws, 6)
    # the 3 newest eligible events (17, 18, 19; times 170..190 <= 500) in every draw,
    # never a late one (times >= 1000)
    assert (np.sort(picked[:, :3], axis=1) == [17, 18, 19]).all()
    rest = picked[:, 3:]
    assert rest.max() < 17
    stat = chi2_stat(np.bincount(rest.ravel(), minlength=17)[:17], draws * 3 / 17)
    assert stat < 39.252, stat  # scipy.stats.chi2.ppf(0.999, 16)


@pytest.mark.parametrize("share,same_as", [(0.0, "uniform"), (1.0, "last")])
def test_mixed_extremes_are_uniform_and_last(share, same_as):
    nn, nt, csc = _star()
    seeds, stime = np.zeros(50, np.int64), np.full(50, 500)
    a = TemporalNeighborSampler(csc, nn, nt, [6], "mixed", seed=9, last_share=share)
    b = TemporalNeighborSampler(csc, nn, nt, [6], same_as, seed=9)
    assert np.array_equal(
        a.sample("users", seeds, stime).node["events"],
        b.sample("users", seeds, stime).node["events"],
    )
    # control: the default share (0.5) is neither
    c = TemporalNeighborSampler(csc, nn, nt, [6], "mixed", seed=9)
    assert not np.array_equal(
        c.sample("users", seeds, stime).node["events"],
        b.sample("users", seeds, stime).node["events"],
    )


def test_last_share_is_checked():
    nn, nt, csc = _star()
    with pytest.raises(ValueError, match="last_share"):
        TemporalNeighborSampler(csc, nn, nt, [6], "mixed", last_share=1.5)
