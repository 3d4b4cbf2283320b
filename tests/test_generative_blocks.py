"""The generative blocks compute what their docstrings say, refuse bad inputs in words, and
export to ONNX."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from block_helpers import NO_CTX, build, wired_graph

from mlsp_studio.errors import ShapeError
from mlsp_studio.model.blocks import Context, Shape
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.catalog.generative import group_count
from mlsp_studio.model.graph import Graph
from mlsp_studio.nn.generative import (
    ConditionEmbedding,
    GradientReversal,
    ProjectionHead,
    ResBlock,
    TimeEmbedding,
)


def refusal(name: str, raw: dict, *shapes: Shape, ctx: Context = NO_CTX) -> ShapeError:
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    with pytest.raises(ShapeError) as err:
        spec.shape_rule(params, list(shapes), ctx)
    return err.value


# --- TimeEmbedding --------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [2, 8, 9])
def test_time_features_are_sines_and_cosines_of_t(dim: int) -> None:
    module = build("TimeEmbedding", {"dim": dim, "hidden": 5}, (1,))
    assert isinstance(module, TimeEmbedding)
    t = torch.tensor([[0.0], [1.0], [17.0], [999.0]])
    half = dim // 2
    expected = torch.zeros(4, dim)
    for i in range(half):
        speed = 10000.0 ** (-i / half)
        expected[:, i] = torch.sin(t[:, 0] * speed)
        expected[:, half + i] = torch.cos(t[:, 0] * speed)
    features = module.features(t)
    assert torch.allclose(features, expected, atol=1e-4)
    if dim % 2:
        assert torch.equal(features[:, -1], torch.zeros(4))  # the odd one out stays 0
    with torch.no_grad():
        reference = module.mlp_out(F.silu(module.mlp_in(expected)))
        assert torch.allclose(module(t), reference, atol=1e-4)
        assert not torch.allclose(module(t)[1], module(t)[2])  # different steps differ


def test_time_embedding_needs_one_number() -> None:
    err = refusal("TimeEmbedding", {}, (3,))
    assert "needs the time step: one number per example, (N, 1)" in str(err)
    assert err.about_input


# --- ConditionEmbedding ---------------------------------------------------------------------

def test_class_ids_are_rounded_and_strays_mean_no_condition() -> None:
    module = build("ConditionEmbedding", {"dim": 4, "classes": 3}, (1,))
    assert isinstance(module, ConditionEmbedding)
    rows = module.table.weight.detach()
    assert rows.shape == (4, 4)
    c = torch.tensor([[0.0], [1.4], [1.6], [2.0], [-1.0], [3.0], [2.6], [-0.4], [100.0],
                      [float("nan")], [float("inf")], [-float("inf")]])
    picked = [0, 1, 2, 2, 3, 3, 3, 0, 3, 3, 3, 3]
    with torch.no_grad():
        assert torch.equal(module(c), rows[picked])


def test_condition_classes_follow_the_data_or_are_refused() -> None:
    module = build("ConditionEmbedding", {"dim": 5}, (1,), ctx=Context(num_classes=10))
    assert module.table.weight.shape == (11, 5)
    err = refusal("ConditionEmbedding", {"dim": 5}, (1,))
    assert "does not know how many classes there are: set 'classes'" in str(err)
    assert not err.about_input
    assert "needs the class" in str(refusal("ConditionEmbedding", {"classes": 3}, (2, 2)))


# --- ResBlock -------------------------------------------------------------------------------

def _reference(block: ResBlock, x: torch.Tensor, cond: torch.Tensor | None,
               groups: tuple[int, int]) -> torch.Tensor:
    """The block's sum written with torch's functional ops and the block's own weights."""
    dims = x.dim() - 2

    def norm(module, h, g):
        if dims == 0:
            return F.layer_norm(h, h.shape[-1:], module.weight, module.bias)
        return F.group_norm(h, g, module.weight, module.bias)

    def layer(module, h):
        if dims == 0:
            return F.linear(h, module.weight, module.bias)
        conv = F.conv1d if dims == 1 else F.conv2d
        return conv(h, module.weight, module.bias, padding=module.weight.shape[-1] // 2)

    h = norm(block.norm2, layer(block.layer1, F.silu(norm(block.norm1, x, groups[0]))),
             groups[1])
    if cond is not None:
        shift = F.linear(cond, block.cond.weight, block.cond.bias)
        h = h + shift.view(*shift.shape, *([1] * dims))
    h = layer(block.layer2, F.silu(h))
    skip = x if isinstance(block.skip, torch.nn.Identity) else layer(block.skip, x)
    return h + skip


@pytest.mark.parametrize(("raw", "shape", "cond", "groups"), [
    ({}, (16, 6, 6), (10,), (8, 8)),
    ({"channels": 6, "groups": 4}, (4, 5, 7), (3,), (4, 3)),       # 6 channels: 3 groups
    ({"channels": 5, "groups": 8}, (1, 8, 8), (2,), (1, 5)),       # 1 and 5 channels
    ({"channels": 8, "groups": 2}, (6, 11), (4,), (2, 2)),
    ({"conditioned": False}, (12, 9), None, (6, 6)),               # 12 channels: 6 groups
    ({"channels": 7}, (3,), (5,), (0, 0)),                         # vectors: layer norm
    ({"conditioned": False}, (9,), None, (0, 0)),
])
def test_resblock_matches_its_formula(raw: dict, shape: Shape, cond: Shape | None,
                                      groups: tuple[int, int]) -> None:
    shapes = [shape] + ([cond] if cond else [])
    block = build("ResBlock", raw, *shapes)
    assert isinstance(block, ResBlock)
    spec = BLOCKS.get("ResBlock")
    assert spec.ports(spec.validate_params(raw)) == (("in", "cond") if cond else ("in",))
    if len(shape) > 1:
        assert (block.norm1.num_groups, block.norm2.num_groups) == groups
    else:
        assert isinstance(block.norm1, torch.nn.LayerNorm)
    torch.manual_seed(1)
    for p in block.parameters():  # away from the 1/0 start of the norms
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(3, *shape)
    c = torch.randn(3, *cond) if cond else None
    with torch.no_grad():
        got = block(x, c) if cond else block(x)
        assert torch.allclose(got, _reference(block, x, c, groups), atol=1e-5)
        if cond:  # the condition changes the output, even with one channel per group
            assert not torch.allclose(got, block(x, c + 1.0), atol=1e-3)


def test_group_count_falls_back_to_a_divisor() -> None:
    assert [group_count(c, 8) for c in (1, 3, 6, 8, 12, 16, 64)] == [1, 3, 6, 8, 6, 8, 8]
    assert group_count(7, 4) == 1


def test_resblock_explains_bad_inputs() -> None:
    err = refusal("ResBlock", {}, (3, 4, 4), (3, 4))
    assert str(err) == "needs a vector (N, D) at its cond input, got (N, 3, 4)"
    assert not err.about_input
    err = refusal("ResBlock", {"conditioned": False}, (2, 3, 4, 5))
    assert "needs an image (N, C, H, W), a signal (N, C, L) or features (N, F)" in str(err)
    assert err.about_input


# --- GradientReversal and ProjectionHead ----------------------------------------------------

@pytest.mark.parametrize("scale", [1.0, 0.25, 3.0, 0.0])
def test_gradient_reversal_turns_the_gradient_around(scale: float) -> None:
    module = build("GradientReversal", {"scale": scale}, (4,))
    assert isinstance(module, GradientReversal)
    x = torch.randn(5, 4, requires_grad=True)
    weights = torch.randn(5, 4)
    out = module(x)
    assert torch.equal(out, x)
    (out * weights).sum().backward()
    assert torch.allclose(x.grad, -scale * weights)
    with torch.inference_mode():
        assert torch.equal(module(x), x)


def test_projection_head_is_dense_relu_dense() -> None:
    module = build("ProjectionHead", {"hidden": 6, "out": 3}, (5,))
    assert isinstance(module, ProjectionHead)
    x = torch.randn(4, 5)
    with torch.no_grad():
        hidden = torch.relu(x @ module.fc1.weight.T + module.fc1.bias)
        assert torch.allclose(module(x), hidden @ module.fc2.weight.T + module.fc2.bias,
                              atol=1e-6)
    assert "needs one vector per example" in str(refusal("ProjectionHead", {}, (3, 4)))


def test_time_frequencies_span_the_period() -> None:
    module = build("TimeEmbedding", {"dim": 64}, (1,))
    assert module.freqs[0] == 1.0
    assert math.isclose(float(module.freqs[-1]), 10000.0 ** (-31 / 32), rel_tol=1e-5)


# --- ONNX -----------------------------------------------------------------------------------

def onnx_graph() -> Graph:
    """A digits network with a time and a class input that uses every generative block."""
    return wired_graph([
        (1, "Input", {}, []), (2, "Input", {"source": "t", "shape": [1]}, []),
        (3, "Input", {"source": "c", "shape": [1]}, []),
        (4, "TimeEmbedding", {"dim": 9, "hidden": 12}, [2]),
        (5, "ConditionEmbedding", {"dim": 9}, [3]), (6, "Add", {}, [4, 5]),
        (7, "ResBlock", {"channels": 4}, [1, 6]),
        (8, "ResBlock", {"conditioned": False, "groups": 2}, [7]),
        (9, "Reshape", {"shape": [8, 32]}, [8]), (10, "ResBlock", {"channels": 6}, [9, 4]),
        (11, "GlobalAvgPool1d", {}, [10]), (12, "ResBlock", {"channels": 5}, [11, 5]),
        (13, "GradientReversal", {"scale": 0.5}, [12]),
        (14, "ProjectionHead", {"hidden": 16, "out": 8}, [13]), (15, "ClassifierHead", {}, [14]),
    ])


def test_every_generative_block_exports_to_onnx(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from mlsp_studio.export.onnx_export import check_onnx, export_onnx, sample_inputs
    from mlsp_studio.model.presets import load_preset

    project = load_preset("digits-cnn")
    project.slots["model"] = onnx_graph()
    types = {node.type for node in project.slots["model"].nodes.values()}
    assert {s.type for s in BLOCKS if s.category == "Generative"} <= types
    out = export_onnx(project, tmp_path / "generative.onnx")
    assert check_onnx(project, out) <= 1e-4
    ops = {node.op_type for node in onnx.load(str(out)).graph.node}
    assert "Identity" in ops and "PythonOp" not in ops  # the reversal is an identity there
    _, _, c = sample_inputs(project)  # noise: class ids of every kind, strays included
    assert (c < -0.5).any() and ((c > -0.5) & (c < 9.5)).any()
