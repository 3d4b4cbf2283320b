"""LoRA: the merged weight is W + (α/r)·B·A, the adapted network starts where the base one
was, only r·(d_in + d_out) weights per layer train, and ranks that do not fit are refused."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mlsp_studio.errors import ParamError
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.nn.lora import LoRA, add_lora, lora_dims, merge_lora

LAYERS = {
    "dense": (lambda: nn.Linear(12, 7), (5, 12)),
    "conv1d": (lambda: nn.Conv1d(3, 6, 5, padding=2), (2, 3, 20)),
    "conv2d": (lambda: nn.Conv2d(4, 8, 3, stride=2, padding=1), (2, 4, 9, 9)),
}


def _randomise(lora: LoRA) -> None:
    with torch.no_grad():
        lora.lora_b.weight.normal_()  # as if trained: B is no longer zero


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize(("rank", "alpha"), [(1, 1.0), (2, 8.0), (3, 0.5)])
def test_merged_weight_is_w_plus_scaled_b_a(kind: str, rank: int, alpha: float) -> None:
    torch.manual_seed(0)
    make, shape = LAYERS[kind]
    base = make()
    w = base.weight.detach().clone()
    lora = LoRA(base, rank, alpha)
    _randomise(lora)
    b = lora.lora_b.weight.reshape(-1, rank)
    a = lora.lora_a.weight.reshape(rank, -1)
    expected = w + (alpha / rank) * (b @ a).reshape(w.shape)
    merged = lora.merged()
    torch.testing.assert_close(merged.weight, expected, rtol=0, atol=1e-6)
    x = torch.randn(shape)
    torch.testing.assert_close(merged(x), lora(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_at_the_start_the_output_is_the_base_layers(kind: str) -> None:
    torch.manual_seed(1)
    make, shape = LAYERS[kind]
    base = make()
    x = torch.randn(shape)
    before = base(x).detach()
    assert torch.equal(LoRA(base, 2, 4.0)(x), before)


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("rank", [1, 2, 4])
def test_only_r_times_d_in_plus_d_out_weights_train(kind: str, rank: int) -> None:
    base = LAYERS[kind][0]()
    d_in, d_out = lora_dims(base)
    lora = LoRA(base, rank, 1.0)
    trainable = sum(p.numel() for p in lora.parameters() if p.requires_grad)
    assert trainable == rank * (d_in + d_out)
    x = torch.randn(LAYERS[kind][1])
    lora(x).square().sum().backward()
    assert base.weight.grad is None and lora.lora_a.weight.grad is not None


def test_a_network_adapted_on_chosen_layers() -> None:
    graph = Graph.chain([("Input", {}), ("Dense", {"units": 32}), "ReLU",
                         ("Dense", {"units": 16}), "ReLU", ("ClassifierHead", {})])
    torch.manual_seed(2)
    net = compile_graph(graph, BLOCKS, Context({"x": (10,)}, num_classes=3))
    x = torch.randn(6, 10)
    before = net(x).detach()
    added = add_lora(net, ["n2", "n4"], rank=4, alpha=8.0)
    assert added == 4 * (10 + 32) + 4 * (32 + 16)
    assert sum(p.numel() for p in net.parameters() if p.requires_grad) == added
    assert torch.equal(net(x), before)
    for block in ("n2", "n4"):
        _randomise(net.blocks[block])
    adapted = net(x).detach()
    assert not torch.allclose(adapted, before)
    merge_lora(net)
    assert not any(isinstance(b, LoRA) for b in net.blocks.values())
    torch.testing.assert_close(net(x), adapted, rtol=0, atol=1e-5)


@pytest.mark.parametrize(("rank", "allowed"), [(0, 7), (8, 7), (100, 7)])
def test_a_rank_that_does_not_fit_is_refused_with_the_range(rank: int, allowed: int) -> None:
    with pytest.raises(ParamError, match=rf"rank must be from 1 to {allowed}, the smaller of "
                                         r"its 12 inputs and 7 outputs"):
        LoRA(nn.Linear(12, 7), rank, 1.0, "Dense 3")


def test_only_dense_and_plain_convolutions() -> None:
    with pytest.raises(ParamError, match="adapts Dense and Conv layers"):
        LoRA(nn.LSTM(3, 4), 1, 1.0, "LSTM 2")
    with pytest.raises(ParamError, match="grouped convolution"):
        LoRA(nn.Conv2d(4, 4, 3, groups=2), 1, 1.0, "Conv2d 2")


def test_the_transfer_script_carries_the_studios_adapter() -> None:
    """The script's adapter is the studio's own class, copied from its source; the studio's
    LoRA builds the very same weights from the same seed."""
    from mlsp_studio.export.python_script import python_source
    from mlsp_studio.export.source_copy import source_of
    from mlsp_studio.model.presets import load_preset
    from mlsp_studio.nn.lora import LoRA, LowRankAdapter

    script = python_source(load_preset("transfer-lora"))
    assert source_of("mlsp_studio.nn.lora", "LowRankAdapter") in script
    assert "class LoRA" not in script
    weights = []
    for cls in (LowRankAdapter, LoRA):
        torch.manual_seed(5)
        layer = torch.nn.Linear(6, 4)
        weights.append([p.detach().clone() for p in cls(layer, 2, 4.0).parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))
