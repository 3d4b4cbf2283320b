"""The gradient and weight picture: measuring changes nothing the network or its optimiser
keeps; it sees a deep sigmoid stack's gradient vanish and counts dead units; the preset's
two networks differ as they should."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlsp_studio.engine import Engine
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.paradigms.layer_stats import layer_stats
from mlsp_studio.report.lab_drawings import layer_stats_figure


def _trained(variant: str, steps: int) -> Engine:
    engine = Engine(load_preset("deep-gradients").with_variant(variant), max_steps=steps,
                    threads=1)
    engine.run_blocking()
    return engine


def test_measuring_changes_no_weight_gradient_or_optimiser_state() -> None:
    engine = Engine(load_preset("digits-cnn"), max_steps=5, threads=1)
    engine.run_blocking()
    paradigm, net = engine.paradigm, engine.nets["model"]
    net.train()
    weights = {k: v.clone() for k, v in net.state_dict().items()}
    grads = {n: None if p.grad is None else p.grad.clone() for n, p in net.named_parameters()}
    moments = [s["exp_avg"].clone() for s in paradigm.optimizer.state.values()]
    snap = paradigm.visualize({"layer_stats"})[0]
    assert snap.labels == ("Conv2d 2", "Conv2d 5", "Dense 9", "ClassifierHead 11")
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in weights.items())
    for name, p in net.named_parameters():
        assert (p.grad is None) == (grads[name] is None)
        assert p.grad is None or torch.equal(p.grad, grads[name])
    assert all(torch.equal(a, s["exp_avg"])
               for a, s in zip(moments, paradigm.optimizer.state.values(), strict=True))
    assert np.all(snap.grad_norms > 0) and np.all(snap.weight_norms > 0)
    per_block = [sum(p.numel() for p in net.blocks[k].parameters())
                 for k in ("n2", "n5", "n9", "n11")]
    assert snap.weight_hist.shape == (4, 30) and np.all(snap.weight_hist.sum(1) == per_block)


def test_gradients_are_the_ones_autograd_gives() -> None:
    graph = Graph.chain([("Input", {}), ("Dense", {"units": 5}), "Tanh", ("ClassifierHead", {})])
    torch.manual_seed(0)
    net = compile_graph(graph, BLOCKS, Context({"x": (3,)}, num_classes=2))
    x, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    net.eval()
    snap = layer_stats(net, x, y, F.cross_entropy, step=7)
    assert not net.training  # left as it was found
    F.cross_entropy(net(x), y).backward()
    expected = [torch.cat([p.grad.ravel() for p in net.blocks[k].parameters()]).norm().item()
                for k in ("n2", "n4")]  # weights and biases together
    np.testing.assert_allclose(snap.grad_norms, expected, rtol=1e-5)
    assert snap.step == 7 and snap.act_labels == ("Tanh 3",)
    assert np.isnan(snap.dead[0]) and 0.0 <= snap.saturated[0] <= 1.0


def test_recurrent_and_embedding_blocks_are_compared_too() -> None:
    """An LSTM's several weight tensors count as one layer; a LayerNorm is not a layer."""
    lstm = ("LSTM", {"hidden": 6, "return_sequence": False})
    graph = Graph.chain([("Input", {}), ("Embedding", {"dim": 4}), lstm, "LayerNorm",
                         ("ClassifierHead", {})])
    torch.manual_seed(0)
    net = compile_graph(graph, BLOCKS, Context({"x": (5,)}, num_classes=3, vocab_size=7))
    x, y = torch.randint(0, 7, (8, 5)), torch.randint(0, 3, (8,))
    snap = layer_stats(net, x, y, F.cross_entropy, step=1)
    assert snap.labels == ("Embedding 2", "LSTM 3", "ClassifierHead 5")
    assert snap.weight_hist[1].sum() == sum(p.numel() for p in net.blocks["n3"].parameters())
    assert np.all(snap.grad_norms > 0)


def test_dead_and_saturated_units_are_counted() -> None:
    graph = Graph.chain([("Input", {}), ("Dense", {"units": 4}), "ReLU", ("Dense", {"units": 4}),
                         "Sigmoid", ("ClassifierHead", {})])
    net = compile_graph(graph, BLOCKS, Context({"x": (2,)}, num_classes=2))
    with torch.no_grad():
        net.blocks["n2"].weight.zero_()
        net.blocks["n2"].bias.copy_(torch.tensor([-1.0, -1.0, 1.0, -1.0]))  # 3 of 4 silent
        net.blocks["n4"].weight.zero_()
        net.blocks["n4"].bias.copy_(torch.tensor([10.0, -10.0, 0.0, 0.0]))  # 2 of 4 at a limit
    x, y = torch.randn(32, 2), torch.randint(0, 2, (32,))
    snap = layer_stats(net, x, y, F.cross_entropy, step=0)
    assert snap.dead[0] == pytest.approx(0.75) and snap.saturated[1] == pytest.approx(0.5)


def test_the_sigmoid_stack_loses_its_gradient_and_the_residual_one_keeps_it(drawn) -> None:
    sigmoid = _trained("sigmoid", 60).paradigm.visualize({"layer_stats"})[0]
    residual = _trained("residual-norm", 60).paradigm.visualize({"layer_stats"})[0]
    assert sigmoid.grad_norms[-1] / sigmoid.grad_norms[0] > 1e5  # vanished toward the input
    ratio = residual.grad_norms[-1] / residual.grad_norms[0]
    assert 0.01 < ratio < 100
    fig = layer_stats_figure(sigmoid)  # the figure draws it: a norm per layer, log scale
    assert drawn.shows(fig, sigmoid.grad_norms) and drawn.shows(fig, sigmoid.weight_norms)
    assert {sigmoid.labels[0], sigmoid.labels[-1]} <= set(drawn.texts(fig))  # input side first


@pytest.mark.slow
def test_deep_gradients_variants_reach_their_targets() -> None:
    finals = {}
    for variant in ("sigmoid", "residual-norm"):
        engine = Engine(load_preset("deep-gradients").with_variant(variant), threads=1)
        engine.run_blocking()
        finals[variant] = engine.summary()["final"]["test_accuracy"]
    assert finals["residual-norm"] >= 0.95 and finals["sigmoid"] <= 0.7
