"""Every message-passing choice (``--gnn sage|gat|rn|hgt``) trains, keeps layer-wise
trimming exact for the seeds, resets every parameter, and is saved in the model kwargs;
the relation-network layer's factorised message equals the per-edge pair MLP."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.utils import scatter

from rdl.cli.errors import error_message
from rdl.nn import GNNS, RDLModel, RelationConv
from rdl.nn.convs import make_layer
from rdl.train.config import ConfigError, TrainConfig
from rdl.train.entity import model_kwargs
from tests.fixtures.nn import NUM_SEEDS, small_batch, small_graph, small_model


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return small_graph(tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("gnn", GNNS)
def test_forward_backward(graph, gnn):
    batch = small_batch(graph)
    model = small_model(graph, gnn=gnn)
    out = model(batch, graph.tf_dict)
    assert out.shape == (NUM_SEEDS, 1) and torch.isfinite(out).all()
    out.sum().backward()
    for i, conv in enumerate(model.backbone.gnn.convs):
        grads = [p.grad for p in conv.parameters() if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), (
            f"layer {i} of {gnn} got no gradient"
        )
    # the row encoders are reached through the layer
    assert model.backbone.encoder.encoders["t:values"].decoder[-1].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("gnn", GNNS)
def test_trimming_is_exact(graph, gnn):
    batch = small_batch(graph)
    model = small_model(graph, gnn=gnn).eval()
    x_dict, _ = model.backbone.features(batch, graph.tf_dict)
    ei = {et: batch[et].edge_index for et in batch.edge_types}
    with torch.no_grad():
        full = model.backbone.gnn(dict(x_dict), ei)
        trimmed = model.backbone.gnn(
            dict(x_dict), ei, batch.num_sampled_nodes_dict, batch.num_sampled_edges_dict
        )
    torch.testing.assert_close(trimmed["items"][:NUM_SEEDS], full["items"][:NUM_SEEDS])
    assert batch.num_sampled_nodes_dict["items"][2] > 0
    assert trimmed["items"].size(0) < full["items"].size(0)
    # control: the seeds' outputs do depend on their neighbours (dropping the edges into
    # the seeds changes them), so the equality above is not vacuous
    cut = {et: e for et, e in ei.items() if et[2] != "items"}
    with torch.no_grad():
        alone = model.backbone.gnn(dict(x_dict), cut)
    assert not torch.allclose(alone["items"][:NUM_SEEDS], full["items"][:NUM_SEEDS])


@pytest.mark.parametrize("gnn", GNNS)
def test_reset_parameters_resets_every_parameter(graph, gnn):
    model = small_model(graph, gnn=gnn)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(0.123)
    model.reset_parameters()
    stale = [n for n, p in model.named_parameters() if torch.all(p == 0.123)]
    assert not stale, f"not reset: {stale}"


@pytest.mark.parametrize("gnn", GNNS)
def test_gnn_is_saved_in_model_kwargs(graph, gnn):
    kwargs = model_kwargs(graph, "items", 1, TrainConfig(channels=16, encoder_layers=1, gnn=gnn))
    assert kwargs["gnn"] == gnn
    model = RDLModel(**kwargs)
    assert model.backbone.gnn.gnn == gnn
    again = RDLModel(**kwargs)
    again.load_state_dict(model.state_dict())  # same architecture from the saved kwargs
    batch = small_batch(graph)
    model.eval(), again.eval()
    with torch.no_grad():
        torch.testing.assert_close(again(batch, graph.tf_dict), model(batch, graph.tf_dict))


def test_unknown_gnn_says_what_to_type():
    # the config names the field and the choices; the CLI's paragraph names the option
    with pytest.raises(ConfigError, match="'gcn' is not one of") as e:
        TrainConfig(gnn="gcn")
    assert e.value.field == "gnn" and error_message(e.value).startswith("option --gnn:")
    with pytest.raises(
        ValueError, match=r"choose one of \['sage', 'gat', 'rn', 'hgt'\] \(gnn\)"
    ) as e:
        make_layer("gcn", ["a"], [("a", "r", "a")], 8)
    assert "--" not in str(e.value)  # a Python caller reads the argument, not a flag
    assert error_message(e.value).count("--gnn") == 1  # the CLI names the flag, once
    with pytest.raises(ValueError) as e:  # heads must divide channels
        make_layer("gat", ["a"], [("a", "r", "a")], 10)
    assert "gnn='gat': 4 heads do not divide 10 channels; pick channels as a multiple of 4" in str(
        e.value
    )
    assert error_message(e.value).startswith(
        "--gnn gat: 4 heads"
    ) and "pick --channels as" in error_message(e.value)
    with pytest.raises(ConfigError, match="'median' is not one of") as e:
        TrainConfig(pooling="median")
    assert error_message(e.value).startswith("option --pooling:")


@pytest.mark.parametrize("aggr", ["sum", "mean", "max"])
def test_relation_conv_equals_the_per_edge_pair_mlp(aggr):
    torch.manual_seed(0)
    conv = RelationConv(8, 6, aggr=aggr, hidden_channels=5)
    x_src, x_dst = torch.randn(7, 8), torch.randn(4, 8)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 6], [0, 0, 1, 1, 1, 2, 2, 0]])
    out = conv((x_src, x_dst), edge_index)
    # reference: g(x_i, x_j) = W2 relu(W1 [x_i; x_j] + b1) per edge, then aggregate
    w1 = torch.cat([conv.lin_dst.weight, conv.lin_src.weight], dim=1)
    pair = torch.cat([x_dst[edge_index[1]], x_src[edge_index[0]]], dim=1)
    msg = torch.relu(pair @ w1.t() + conv.lin_dst.bias) @ conv.lin_out.weight.t()
    ref = scatter(msg, edge_index[1], 0, dim_size=4, reduce=aggr)
    torch.testing.assert_close(out, ref)
    assert out[3].abs().sum() == 0  # a node without messages gets none


def test_hgt_does_not_depend_on_the_edge_dict_order(graph):
    batch = small_batch(graph)
    model = small_model(graph, gnn="hgt").eval()
    x_dict, _ = model.backbone.features(batch, graph.tf_dict)
    ei = {et: batch[et].edge_index for et in batch.edge_types}
    with torch.no_grad():
        a = model.backbone.gnn(dict(x_dict), ei)
        b = model.backbone.gnn(dict(x_dict), dict(reversed(list(ei.items()))))
    for nt in a:
        torch.testing.assert_close(a[nt], b[nt])


def test_fast_hgt_equals_pyg_hgt_in_metadata_order():
    from torch_geometric.nn import HGTConv

    from rdl.nn.convs import FastHGTConv

    torch.manual_seed(0)
    md = (["a", "b"], [("a", "r1", "b"), ("b", "r2", "a"), ("a", "r3", "a")])
    ref, fast = HGTConv(8, 8, md, heads=2).eval(), FastHGTConv(8, 8, md, heads=2).eval()
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(torch.randn_like(p))
    fast.load_state_dict(ref.state_dict())
    x = {"a": torch.randn(5, 8), "b": torch.randn(4, 8)}
    ei = {
        ("a", "r1", "b"): torch.tensor([[0, 1, 2], [0, 1, 3]]),
        ("b", "r2", "a"): torch.tensor([[0, 3], [1, 4]]),
        ("a", "r3", "a"): torch.tensor([[0, 1], [2, 3]]),
    }
    a, b = ref(x, ei), fast(x, ei)
    for nt in a:
        torch.testing.assert_close(a[nt], b[nt])
    c = fast(x, dict(reversed(list(ei.items()))))  # any edge-type order
    for nt in a:
        torch.testing.assert_close(a[nt], c[nt])


def test_the_layer_registry_is_the_one_list():
    from rdl.nn.convs import GNN_LAYERS, GNNS, gnn_help

    assert GNNS == tuple(GNN_LAYERS) == ("sage", "gat", "rn", "hgt")
    assert gnn_help() == "message passing: sage | gat | rn | hgt"
    verbose = gnn_help(verbose=True)
    assert all(f"{g.name} ({g.help})" in verbose for g in GNN_LAYERS.values())
    for name, entry in GNN_LAYERS.items():  # every entry builds a layer that runs
        assert (entry.conv is None) != (entry.whole is None), name
        layer = make_layer(name, ["a", "b"], [("a", "r", "b")], 8)
        out = layer(
            {"a": torch.randn(3, 8), "b": torch.randn(2, 8)},
            {("a", "r", "b"): torch.tensor([[0, 1, 2], [0, 1, 1]])},
        )
        assert out["b"].shape == (2, 8), name
