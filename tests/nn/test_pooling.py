"""The readouts of ``--pooling``: batched segment operations equal pooling each seed's
set alone, the learned readouts reduce to their special cases, and adaptive pooling can
ignore distractors that move mean pooling."""

from __future__ import annotations

import pytest
import torch

from rdl.nn import POOLINGS, SubgraphPooling
from rdl.nn.pooling import (
    AdaptivePooling,
    GatedMaxMeanPooling,
    GeneralizedNormPooling,
    RelationNetworkPooling,
    pair_partners,
)

C = 8


def _sets(seed=0, sizes=(1, 5, 9, 3)):
    """Node embeddings of 4 seeds' sets, interleaved as tables of a batch would be."""
    g = torch.Generator().manual_seed(seed)
    index = torch.cat([torch.full((n,), s) for s, n in enumerate(sizes)])
    index = index[torch.randperm(len(index), generator=g)]
    x = torch.randn(len(index), C, generator=g)
    seed_x = torch.randn(len(sizes), C, generator=g)
    return x, index, seed_x


def _pool(mode):
    torch.manual_seed(1)
    pool = SubgraphPooling(mode, C).eval()
    with torch.no_grad():  # move learned exponents / gates off their neutral start
        for name, p in pool.named_parameters():
            if name.endswith(".p") or name.endswith(".q"):
                p.add_(0.3)
    return pool


@pytest.mark.parametrize("mode", POOLINGS)
def test_batched_equals_each_set_alone(mode):
    x, index, seed_x = _sets()
    pool = _pool(mode)
    with torch.no_grad():
        batched = pool(seed_x, {"t": x}, {"t": index})
        for s in range(seed_x.size(0)):
            mine = index == s
            alone = pool(
                seed_x[s : s + 1],
                {"t": x[mine]},
                {"t": torch.zeros(int(mine.sum()), dtype=torch.long)},
            )
            torch.testing.assert_close(batched[s : s + 1], alone, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", [m for m in POOLINGS if m != "rn"])
def test_order_within_a_set_does_not_matter(mode):
    # rn pairs each node with a partner chosen by position, so it is invariant only in
    # expectation over the random pairs of training
    x, index, seed_x = _sets()
    perm = torch.randperm(len(index), generator=torch.Generator().manual_seed(5))
    pool = _pool(mode)
    with torch.no_grad():
        a = pool(seed_x, {"t": x}, {"t": index})
        b = pool(
            seed_x,
            {"u": x[perm][:7], "v": x[perm][7:]},
            {"u": index[perm][:7], "v": index[perm][7:]},
        )
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", [m for m in POOLINGS if m != "seed"])
def test_other_seeds_nodes_do_not_leak_in(mode):
    x, index, seed_x = _sets()
    pool = _pool(mode)
    x2 = x.clone()
    x2[index != 2] += 5.0
    with torch.no_grad():
        a = pool(seed_x, {"t": x}, {"t": index})
        b = pool(seed_x, {"t": x2}, {"t": index})
    torch.testing.assert_close(a[2], b[2])
    assert not torch.allclose(a[1], b[1])  # control: seed 1's own nodes moved


def test_gnp_special_cases():
    x, index, seed_x = _sets()
    x = x.abs() + 0.1
    gnp = GeneralizedNormPooling(C)
    count = torch.bincount(index).unsqueeze(-1).float()
    sums = torch.zeros(4, C).index_add_(0, index, x)
    torch.testing.assert_close(gnp(x, index, seed_x), sums / count)  # p = q = 1: mean
    with torch.no_grad():
        gnp.q[0].fill_(0.0)
    torch.testing.assert_close(gnp(x, index, seed_x), sums)  # p = 1, q = 0: sum
    with torch.no_grad():
        gnp.p[0].fill_(50.0)
    high = torch.full((4, C), -1.0).scatter_reduce(0, index.unsqueeze(-1).expand_as(x), x, "amax")
    torch.testing.assert_close(gnp(x, index, seed_x), high, rtol=0.06, atol=0)  # large p: max
    # negative inputs: pooled separately and subtracted (mean of -x is -mean of x)
    gnp.reset_parameters()
    torch.testing.assert_close(gnp(-x, index, seed_x), -sums / count)


def test_gated_pooling_spans_mean_and_max():
    x, index, seed_x = _sets()
    gated = GatedMaxMeanPooling(C)
    count = torch.bincount(index).unsqueeze(-1).float()
    mean = torch.zeros(4, C).index_add_(0, index, x) / count
    high = torch.full((4, C), -9.0).scatter_reduce(0, index.unsqueeze(-1).expand_as(x), x, "amax")
    with torch.no_grad():
        gated.gate.weight.zero_()
        gated.gate.bias.fill_(30.0)
        torch.testing.assert_close(gated(x, index, seed_x), high)
        gated.gate.bias.fill_(-30.0)
        torch.testing.assert_close(gated(x, index, seed_x), mean)


def test_gem_with_p_one_is_the_mean_of_the_clamped_inputs():
    x, index, seed_x = _sets()
    pool = SubgraphPooling("gem", C)
    with torch.no_grad():
        pool.aggr.p.fill_(1.0)
    count = torch.bincount(index).unsqueeze(-1).float()
    mean = torch.zeros(4, C).index_add_(0, index, x.clamp(1e-4, 100)) / count
    torch.testing.assert_close(pool.aggr(x, index, dim_size=4), mean, rtol=1e-4, atol=1e-5)


def test_adaptive_pooling_ignores_distractors_that_move_the_mean():
    """One seed, 3 signal nodes along the seed's direction and k distractors orthogonal
    to it: with a sharp query the attention puts (almost) no weight on the distractors,
    so the output stays at the signal's value while mean pooling drifts."""
    torch.manual_seed(0)
    ada = AdaptivePooling(C)
    with torch.no_grad():
        for lin in (ada.lin_q, ada.lin_k, ada.lin_v):
            lin.weight.copy_(torch.eye(C))
            lin.bias.zero_()
        ada.lin_q.weight.mul_(10.0)
    seed = torch.zeros(1, C)
    seed[0, 0] = 3.0
    signal = torch.zeros(3, C)
    signal[:, 0] = 3.0
    signal[:, 1] = torch.tensor([1.0, 2.0, 3.0])
    outs, means = [], []
    for k in (0, 16, 256):
        noise = torch.randn(k, C)
        noise[:, 0] = 0.0
        x = torch.cat([signal, noise])
        index = torch.zeros(len(x), dtype=torch.long)
        outs.append(ada(x, index, seed))
        means.append(x.mean(0, keepdim=True))
    for out in outs[1:]:
        torch.testing.assert_close(out, outs[0], rtol=0, atol=1e-3)
    assert (means[2] - means[0]).abs().max() > 0.5  # control: the mean does move


def test_pair_partners_stay_in_their_set():
    _, index, _ = _sets(sizes=(1, 5, 9, 3, 0, 2))
    for random in (True, False):
        torch.manual_seed(3)
        partner = pair_partners(index, 6, random)
        assert torch.equal(index[partner], index)
    fixed = pair_partners(index, 6, False)
    assert torch.equal(fixed, pair_partners(index, 6, False))
    single = (index == 0).nonzero().item()
    assert fixed[single] == single
    assert (fixed != torch.arange(len(index)))[index != 0].all()  # larger sets: another node


def test_rn_pooling_random_pairs_in_training_only():
    x, index, seed_x = _sets()
    rn = RelationNetworkPooling(C)
    rn.eval()
    torch.testing.assert_close(rn(x, index, seed_x), rn(x, index, seed_x))
    rn.train()
    torch.manual_seed(0)
    a = rn(x, index, seed_x)
    torch.manual_seed(1)
    b = rn(x, index, seed_x)
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("mode", POOLINGS)
def test_bf16_autocast_runs(mode):
    x, index, seed_x = _sets()
    pool = _pool(mode)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = pool(seed_x, {"t": x}, {"t": index})
    assert out.shape == (4, C) and torch.isfinite(out.float()).all()


def test_the_pooling_registry_is_the_one_list():
    from rdl.cli.errors import error_message
    from rdl.nn.pooling import POOLING_REGISTRY, pooling_help

    assert tuple(POOLING_REGISTRY) == POOLINGS and POOLINGS[0] == "seed"
    assert pooling_help() == "readout: " + " | ".join(POOLINGS)
    assert all(
        f"{p.name} ({p.help})" in pooling_help(verbose=True) for p in POOLING_REGISTRY.values()
    )
    # only "seed" pools nothing; every other entry builds an aggregation and a projection
    assert [n for n, p in POOLING_REGISTRY.items() if p.build is None] == ["seed"]
    with pytest.raises(ValueError, match=r"unknown pooling 'median'.*\(pooling\)") as e:
        SubgraphPooling("median", 8)
    assert "--" not in str(e.value) and error_message(e.value).count("--pooling") == 1
