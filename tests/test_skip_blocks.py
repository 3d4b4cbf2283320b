"""Residual and Gated blocks: exactly x + f(x) and sigmoid(g(x)) · x, their parameter counts,
their parts on the canvas (weights copied), the script and ONNX exports."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from block_cases_skip import skip_graph

from mlsp_studio.engine import Engine
from mlsp_studio.export.onnx_export import check_onnx, export_onnx
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.composite import expand, expand_node_parts, is_composite
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn import build_block
from mlsp_studio.nn.compile import compile_graph

CTX = Context()


def _block(name: str, params: dict, shape: tuple[int, ...]) -> torch.nn.Module:
    spec = BLOCKS.get(name)
    return build_block(spec, spec.validate_params(params), [shape], CTX)


@pytest.mark.parametrize(("params", "shape", "count"), [
    ({}, (16,), 2 * (16 * 16 + 16)),
    ({"layers": 3, "hidden": 5}, (4,), (4 * 5 + 5) + (5 * 5 + 5) + (5 * 4 + 4)),
    ({}, (3, 8, 8), 2 * (3 * 3 * 9 + 3)),
    ({"layers": 1, "kernel_size": 5}, (2, 20), 2 * 2 * 5 + 2),
    ({"hidden": 8, "kernel_size": 1}, (4, 6, 6), (4 * 8 + 8) + (8 * 4 + 4)),
])
def test_residual_counts_its_weights_exactly(params: dict, shape: tuple, count: int) -> None:
    spec = BLOCKS.get("Residual")
    assert spec.param_count(spec.validate_params(params), [shape], CTX) == count
    assert sum(p.numel() for p in _block("Residual", params, shape).parameters()) == count


def test_gated_counts_its_weights_exactly() -> None:
    spec = BLOCKS.get("Gated")
    for params, shape, count in (({}, (10,), 110), ({"kernel_size": 3}, (4, 7, 7), 4 * 4 * 9 + 4),
                                 ({"activation": "tanh"}, (6, 9), 6 * 6 + 6)):
        assert spec.param_count(spec.validate_params(params), [shape], CTX) == count
        assert sum(p.numel() for p in _block("Gated", params, shape).parameters()) == count


def test_residual_is_its_input_plus_f() -> None:
    torch.manual_seed(0)
    dense = _block("Residual", {"activation": "tanh"}, (6,))
    x = torch.randn(5, 6)
    first, second = dense.f[0], dense.f[2]
    f = F.linear(torch.tanh(F.linear(x, first.weight, first.bias)), second.weight, second.bias)
    assert torch.allclose(dense(x), x + f, atol=1e-6)
    conv = _block("Residual", {"kernel_size": 5}, (3, 9, 9))
    x = torch.randn(2, 3, 9, 9)
    a, b = conv.f[0], conv.f[2]
    f = F.conv2d(F.relu(F.conv2d(x, a.weight, a.bias, padding=2)), b.weight, b.bias, padding=2)
    assert torch.allclose(conv(x), x + f, atol=1e-5)
    with torch.no_grad():  # f = 0: the block passes its input on unchanged
        for p in conv.parameters():
            p.zero_()
    assert torch.equal(conv(x), x)


def test_gated_is_a_sigmoid_gate_times_its_input() -> None:
    torch.manual_seed(1)
    x = torch.randn(4, 5)
    gated = _block("Gated", {}, (5,))
    gate = torch.sigmoid(F.linear(x, gated.g.weight, gated.g.bias))
    assert torch.allclose(gated(x), gate * x, atol=1e-6)
    squash = _block("Gated", {"activation": "tanh", "kernel_size": 3}, (2, 11))
    x = torch.randn(3, 2, 11)
    gate = torch.sigmoid(F.conv1d(x, squash.g.weight, squash.g.bias, padding=1))
    assert torch.allclose(squash(x), gate * torch.tanh(x), atol=1e-6)
    assert torch.all(gated(x[:, 0, :5]).abs() <= x[:, 0, :5].abs())  # a gate only lets through


@pytest.mark.parametrize(("name", "params", "shape"), [
    ("Residual", {}, (16,)), ("Residual", {"layers": 3, "hidden": 4, "activation": "gelu"},
                              (3, 8, 8)),
    ("Residual", {"layers": 1, "kernel_size": 5}, (4, 20)),
    ("Gated", {}, (16,)), ("Gated", {"activation": "tanh", "kernel_size": 3}, (3, 8, 8)),
])
def test_expanded_parts_compute_the_same_with_the_blocks_weights(name: str, params: dict,
                                                                 shape: tuple) -> None:
    assert is_composite(name)
    graph = Graph.chain([("Input", {}), (name, params), "Flatten", ("Dense", {"units": 2}),
                         "Output"])
    ctx = Context({"x": shape})
    expanded, ids = expand_node_parts(graph, 2, BLOCKS, ctx)
    a, b = graph.analyze(BLOCKS, ctx), expanded.analyze(BLOCKS, ctx)
    assert b.ok, b.messages()
    assert b.total_params == a.total_params
    kinds = {p.type for p in expand(name, BLOCKS.get(name).validate_params(params),
                                    [shape]).parts}
    assert ("Add" in kinds) == (name == "Residual") and ("Multiply" in kinds) == (name == "Gated")
    torch.manual_seed(0)
    whole = compile_graph(graph, BLOCKS, ctx).eval()
    torch.manual_seed(1)
    parts = compile_graph(expanded, BLOCKS, ctx).eval()
    block = whole.blocks["n2"]
    for part_name, node_id in ids.items():  # parts with weights carry the submodule's name
        part = parts.blocks[f"n{node_id}"]
        if part.state_dict():
            part.load_state_dict(block.get_submodule(part_name).state_dict())
    parts.blocks["n4"].load_state_dict(whole.blocks["n4"].state_dict())
    x = torch.randn(3, *shape)
    with torch.no_grad():
        assert torch.allclose(parts(x), whole(x), atol=1e-5)


def test_both_blocks_export_to_onnx(tmp_path: Path) -> None:
    project = load_preset("digits-cnn")
    project.slots["model"] = skip_graph()
    out = export_onnx(project, tmp_path / "skip.onnx")
    assert check_onnx(project, out) <= 1e-4


def test_the_gradient_flows_back_through_a_deep_residual_stack() -> None:
    """Twenty Residual blocks: the input's gradient stays about as large as the output's,
    where twenty sigmoid layers shrink it by orders of magnitude."""
    torch.manual_seed(0)
    residual = [("Residual", {"activation": "tanh"})] * 20
    sigmoid = [b for _ in range(20) for b in (("Dense", {"units": 16}), "Sigmoid")]
    sizes = {}
    for name, blocks in (("residual", residual), ("sigmoid", sigmoid)):
        net = compile_graph(Graph.chain([("Input", {}), *blocks, "Output"]), BLOCKS,
                            Context({"x": (16,)}))
        x = torch.randn(8, 16, requires_grad=True)
        (grad,) = torch.autograd.grad(net(x).sum(), x)
        sizes[name] = grad.norm().item()
    assert sizes["residual"] > 1.0 and sizes["sigmoid"] < 1e-3 * sizes["residual"]


@pytest.mark.slow
def test_deep_gradients_skip_block_variants_reach_the_target() -> None:
    """Ten Residual blocks, and ten gated residual branches, learn the digits (≥ 0.95)."""
    for variant in ("residual-blocks", "gated"):
        engine = Engine(load_preset("deep-gradients").with_variant(variant), threads=1)
        engine.run_blocking()
        assert engine.summary()["final"]["test_accuracy"] >= 0.95, variant
