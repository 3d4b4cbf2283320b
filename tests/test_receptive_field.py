"""The receptive field of a chosen unit: the span worked out from the layers, the gradient's
support, causal signals, and that looking changes nothing training keeps."""

from __future__ import annotations

import numpy as np
import torch

from mlsp_studio.engine import Engine
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.paradigms.receptive_field import map_layers, receptive_field, theoretical_span
from mlsp_studio.report.lab_drawings import receptive_field_figure
from mlsp_studio.snapshots.lab import span_words


def _net(shape: tuple[int, ...], *blocks) -> torch.nn.Module:
    torch.manual_seed(0)
    graph = Graph.chain([("Input", {}), *blocks, "Flatten", ("ClassifierHead", {"classes": 2})])
    return compile_graph(graph, BLOCKS, Context({"x": shape}, num_classes=2)).eval()


def _support(effective: np.ndarray) -> list[tuple[int, int]]:
    nonzero = np.nonzero(effective > 0)
    return [(int(a.min()), int(a.max())) for a in nonzero]


def test_two_3x3_convolutions_see_5x5_pixels() -> None:
    net = _net((1, 9, 9), ("Conv2d", {"out_channels": 3}), "Tanh",
               ("Conv2d", {"out_channels": 4}), "Tanh")
    assert theoretical_span(net, "n3", (4, 4)) == [(3, 5), (3, 5)]
    snap = receptive_field(net, torch.rand(1, 9, 9), "n5", 2, (4, 4), step=3)
    assert snap.span.tolist() == [[2, 6], [2, 6]] and snap.span_size == (5, 5)
    assert snap.from_layers and _support(snap.effective) == [(2, 6), (2, 6)]
    assert span_words(snap).startswith("This unit sees 5×5 input pixels (of 9×9)")
    corner = receptive_field(net, torch.rand(1, 9, 9), "n4", 0, (0, 0), step=3)
    assert corner.span.tolist() == [[0, 2], [0, 2]] and corner.span_size == (5, 5)
    assert "with the padding its window is 5×5" in span_words(corner)
    assert receptive_field_figure(snap).axes


def test_a_causal_unit_sees_only_its_past() -> None:
    blocks = [("Conv1d", {"out_channels": 3, "kernel_size": 3, "causal": True}), "Tanh",
              ("Conv1d", {"out_channels": 3, "kernel_size": 3, "causal": True,
                          "dilation": 2}), "Tanh"]
    net = _net((1, 30), *blocks)
    snap = receptive_field(net, torch.randn(1, 30), "n5", 1, (20,), step=0)
    assert snap.span.tolist() == [[14, 20]] and snap.causal  # 1 + 2 + 4 steps, none ahead
    assert _support(snap.effective) == [(14, 20)] and not snap.effective[21:].any()
    assert "only the present and the past" in span_words(snap)
    both = _net((1, 30), ("Conv1d", {"out_channels": 3, "kernel_size": 5, "padding": 2}), "Tanh")
    snap = receptive_field(both, torch.randn(1, 30), "n3", 0, (20,), step=0)
    assert snap.span.tolist() == [[18, 22]] and not snap.causal and snap.effective[22] > 0
    assert receptive_field_figure(snap).axes


def test_the_gradient_reaches_exactly_the_span_worked_out_from_the_layers() -> None:
    net = _net((2, 20, 20), ("Conv2d", {"out_channels": 4, "stride": 2}), "Tanh",
               ("AvgPool2d", {}), ("Conv2d", {"out_channels": 4, "dilation": 2, "padding": 2}),
               "Tanh", ("Residual", {"kernel_size": 3}),
               ("Gated", {"kernel_size": 3, "activation": "tanh"}))
    assert map_layers(net) == ["n2", "n3", "n4", "n5", "n6", "n7", "n8"]
    rng = np.random.default_rng(0)
    x = torch.randn(2, 20, 20)
    for key in map_layers(net):
        _, h, w = net.shapes[key]
        place = (int(rng.integers(h)), int(rng.integers(w)))
        snap = receptive_field(net, x, key, 1, place, step=0)
        assert snap.from_layers
        assert _support(snap.effective) == [tuple(r) for r in snap.span.tolist()], key


def test_blocks_the_rule_does_not_know_fall_back_on_the_gradient() -> None:
    net = _net((1, 6, 6), ("Conv2d", {"out_channels": 2}), "LayerNorm", "Tanh")
    snap = receptive_field(net, torch.rand(1, 6, 6), "n4", 0, None, step=0)
    assert not snap.from_layers and snap.position == (3, 3)
    assert snap.span.tolist() == [[2, 4], [0, 5]]  # LayerNorm mixes the whole row


def test_choices_come_from_the_options_and_looking_changes_nothing() -> None:
    engine = Engine(load_preset("digits-cnn"), max_steps=5, threads=1)
    engine.run_blocking()
    paradigm, net = engine.paradigm, engine.nets["model"]
    assert "receptive_field" in paradigm.visual_kinds
    net.train()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    grads = {n: None if p.grad is None else p.grad.clone() for n, p in net.named_parameters()}
    first = paradigm.visualize({"receptive_field"})[0]
    assert first.layer == first.layers[-1] and first.position == (1, 1)
    for name, value in (("rf_layer", "Conv2d 2"), ("rf_channel", 3), ("rf_position", [0, 7]),
                        ("example_index", 4)):
        paradigm.set_visual_option(name, value)
    snap = paradigm.visualize({"receptive_field"})[0]
    assert (snap.layer, snap.channel, snap.position, snap.index) == ("Conv2d 2", 3, (0, 7), 4)
    assert snap.span.tolist() == [[0, 1], [6, 7]] and snap.span_size == (3, 3)
    assert snap.input.shape == (1, 8, 8) and snap.effective.max() == 1.0
    paradigm.set_visual_option("rf_position", [99, -4])  # brought in range
    assert paradigm.visualize({"receptive_field"})[0].position == (7, 0)
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in state.items())
    for name, p in net.named_parameters():
        assert (p.grad is None) == (grads[name] is None)
        assert p.grad is None or torch.equal(p.grad, grads[name])


def test_only_networks_with_maps_on_pictures_or_signals_offer_it() -> None:
    for name, offered in (("signal-cnn1d", True), ("spiral", False), ("deep-gradients", False)):
        engine = Engine(load_preset(name), max_steps=1, threads=1)
        engine.run_blocking()
        assert ("receptive_field" in engine.paradigm.visual_kinds) == offered, name
