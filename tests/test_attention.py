"""Attention blocks: the fast path, the recording path and torch's own layers agree; the
weights are distributions that respect the causal mask; capture_attention reads them back."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from block_cases_attention import INVALID, export_graph
from script_checks import assert_same_network, load_script
from torch import nn

from mlsp_studio.errors import ShapeError
from mlsp_studio.model.blocks import Context, format_shape
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.nn.attention import (
    MultiHeadAttention,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
    capture_attention,
    causal_mask,
)
from mlsp_studio.nn.compile import compile_graph

CTX = Context(inputs={"x": (6, 8)})


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    return x.unflatten(-1, (heads, -1)).transpose(1, 2)


def _pair(mode: str, causal: bool, dim: int = 8, heads: int = 2, context_dim: int | None = None,
          q_len: int = 5, k_len: int = 5):
    torch.manual_seed(0)
    module = MultiHeadAttention(dim, heads, mode, causal, context_dim=context_dim).eval()
    query = torch.randn(3, q_len, dim)
    context = torch.randn(3, k_len, context_dim or dim) if mode == "cross" else None
    return module, query, context


def _run(module: MultiHeadAttention, query, context, record: bool) -> torch.Tensor:
    module.record_weights = record
    with torch.no_grad():
        return module(query) if context is None else module(query, context)


def test_fast_path_is_scaled_dot_product_attention_on_the_projections() -> None:
    module, x, _ = _pair("self", causal=True, heads=4)
    with torch.no_grad():
        q, k, v = (_heads(proj(x), 4) for proj in (module.q_proj, module.k_proj, module.v_proj))
        expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        expected = module.out_proj(expected.transpose(1, 2).reshape(3, 5, 8))
    assert torch.allclose(_run(module, x, None, record=False), expected, atol=1e-6)
    assert module.last_weights is None  # the fast path never forms the weights


@pytest.mark.parametrize(("mode", "causal", "context_dim", "q_len", "k_len"), [
    ("self", False, None, 5, 5), ("self", True, None, 7, 7), ("cross", False, 6, 4, 9),
    ("cross", True, 6, 4, 9), ("cross", True, None, 5, 5)])
def test_recording_path_matches_the_fast_path(mode, causal, context_dim, q_len, k_len) -> None:
    module, query, context = _pair(mode, causal, context_dim=context_dim, q_len=q_len,
                                   k_len=k_len)
    fast = _run(module, query, context, record=False)
    slow = _run(module, query, context, record=True)
    assert torch.allclose(fast, slow, atol=1e-5)
    weights = module.last_weights
    assert weights.shape == (3, 2, q_len, k_len) and not weights.requires_grad
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, q_len), atol=1e-6)
    if causal:
        hidden = ~causal_mask(q_len, k_len)
        assert torch.all(weights[..., hidden] == 0)
        assert torch.all(weights[..., ~hidden] > 0)


def test_causal_mask_lines_a_shorter_query_up_with_the_last_keys() -> None:
    assert causal_mask(3, 3).tolist() == [[True, False, False], [True, True, False],
                                          [True, True, True]]
    assert causal_mask(2, 4).tolist() == [[True, True, True, False], [True, True, True, True]]
    module, x, _ = _pair("self", causal=True)
    changed = x.clone()
    changed[:, 3:] = torch.randn(3, 2, 8)
    before, after = _run(module, x, None, False), _run(module, changed, None, False)
    assert torch.allclose(before[:, :3], after[:, :3]) and not torch.allclose(before, after)


def _torch_mha(mine: MultiHeadAttention) -> nn.MultiheadAttention:
    """torch's own attention layer holding the same weights."""
    kdim = mine.k_proj.in_features
    ref = nn.MultiheadAttention(mine.dim, mine.heads, batch_first=True, kdim=kdim, vdim=kdim)
    projections = (mine.q_proj, mine.k_proj, mine.v_proj)
    with torch.no_grad():
        if ref._qkv_same_embed_dim:
            ref.in_proj_weight.copy_(torch.cat([p.weight for p in projections]))
        else:
            for name, proj in zip("qkv", projections, strict=True):
                getattr(ref, f"{name}_proj_weight").copy_(proj.weight)
        ref.in_proj_bias.copy_(torch.cat([p.bias for p in projections]))
        ref.out_proj.load_state_dict(mine.out_proj.state_dict())
    return ref.eval()


@pytest.mark.parametrize(("mode", "causal", "context_dim"), [
    ("self", False, None), ("self", True, None), ("cross", False, 5), ("cross", False, None)])
def test_equals_torch_multihead_attention(mode, causal, context_dim) -> None:
    module, query, context = _pair(mode, causal, context_dim=context_dim, k_len=6
                                   if mode == "cross" else 5)
    ref = _torch_mha(module)
    source = query if context is None else context
    mask = ~causal_mask(5, 5) if causal else None  # torch masks where True
    with torch.no_grad():
        expected, weights = ref(query, source, source, attn_mask=mask,
                                average_attn_weights=False)
    assert torch.allclose(_run(module, query, context, record=False), expected, atol=1e-5)
    _run(module, query, context, record=True)
    assert torch.allclose(module.last_weights, weights, atol=1e-5)
    assert sum(p.numel() for p in module.parameters()) == \
        sum(p.numel() for p in ref.parameters())


def _copy_layer(mine: nn.Module, ref: nn.Module, attention: dict[str, str]) -> None:
    """Copy every weight of ``mine`` into torch's layer ``ref`` (attention by name mapping)."""
    with torch.no_grad():
        for name, child in mine.named_children():
            if isinstance(child, MultiHeadAttention):
                getattr(ref, attention[name]).load_state_dict(_torch_mha(child).state_dict())
            elif any(True for _ in child.parameters()):
                getattr(ref, name).load_state_dict(child.state_dict())


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_equals_torch(norm_first: bool, activation: str) -> None:
    torch.manual_seed(1)
    mine = TransformerEncoderLayer(8, 2, 16, 0.1, True, activation, norm_first).eval()
    ref = nn.TransformerEncoderLayer(8, 2, 16, 0.1, activation, batch_first=True,
                                     norm_first=norm_first).eval()
    _copy_layer(mine, ref, {"self_attn": "self_attn"})
    x = torch.randn(4, 6, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(6)
    with torch.no_grad():
        assert torch.allclose(mine(x), ref(x, src_mask=mask, is_causal=True), atol=1e-5)
    assert sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in ref.parameters())


@pytest.mark.parametrize("norm_first", [True, False])
def test_decoder_layer_equals_torch(norm_first: bool) -> None:
    torch.manual_seed(2)
    mine = TransformerDecoderLayer(8, 2, 16, 0.1, True, "relu", norm_first, memory_dim=8).eval()
    ref = nn.TransformerDecoderLayer(8, 2, 16, 0.1, batch_first=True,
                                     norm_first=norm_first).eval()
    _copy_layer(mine, ref, {"self_attn": "self_attn", "cross_attn": "multihead_attn"})
    x, memory = torch.randn(4, 6, 8), torch.randn(4, 9, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(6)
    with torch.no_grad():
        expected = ref(x, memory, tgt_mask=mask, tgt_is_causal=True)
        assert torch.allclose(mine(x, memory), expected, atol=1e-5)
    assert sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in ref.parameters())


def _network() -> Graph:
    """Input → encoder → decoder (memory from a Dense branch) → cross MHA → Conformer → MHA."""
    g = Graph()
    g.add_node("Input", {}, node_id=1)
    g.add_node("TransformerEncoderLayer", {"heads": 2, "ff": 16, "causal": True}, node_id=2)
    g.add_node("Dense", {"units": 5}, node_id=3)
    g.add_node("TransformerDecoderLayer", {"heads": 2, "ff": 16}, node_id=4)
    g.add_node("MultiHeadAttention", {"mode": "cross", "heads": 4}, node_id=5)
    g.add_node("ConformerBlock", {"heads": 2, "kernel_size": 3}, node_id=6)
    g.add_node("MultiHeadAttention", {"heads": 1, "causal": True}, node_id=7)
    g.add_node("Output", {}, node_id=8)
    for src, dst, port in [(1, 2, "in"), (1, 3, "in"), (2, 4, "in"), (3, 4, "memory"),
                           (4, 5, "query"), (3, 5, "context"), (5, 6, "in"), (6, 7, "in"),
                           (7, 8, "in")]:
        g.connect(src, dst, port)
    return g


def test_capture_attention_reads_every_attention_in_network_order() -> None:
    torch.manual_seed(3)
    model = compile_graph(_network(), BLOCKS, CTX).eval()
    x = torch.randn(2, 6, 8)
    with torch.no_grad():
        plain = model(x)
    out, records = capture_attention(model, x)
    assert torch.allclose(out, plain, atol=1e-5)
    assert [(r.key, r.label, r.mode, r.causal) for r in records] == [
        ("n2.self_attn", "TransformerEncoderLayer 2", "self", True),
        ("n4.self_attn", "TransformerDecoderLayer 4", "self", True),
        ("n4.cross_attn", "TransformerDecoderLayer 4 · cross", "cross", False),
        ("n5", "MultiHeadAttention 5", "cross", False),
        ("n6.self_attn", "ConformerBlock 6", "self", False),
        ("n7", "MultiHeadAttention 7", "self", True),
    ]
    heads = [2, 2, 2, 4, 2, 1]
    for record, h in zip(records, heads, strict=True):
        assert record.weights.shape == (2, h, 6, 6)
        assert torch.allclose(record.weights.sum(-1), torch.ones(2, h, 6), atol=1e-5)
        if record.causal:
            assert torch.all(record.weights.triu(diagonal=1) == 0)
    modules = [m for m in model.modules() if isinstance(m, MultiHeadAttention)]
    assert len(modules) == 6
    assert not any(m.record_weights or m.last_weights is not None for m in modules)


def test_capture_attention_switches_recording_off_after_an_error() -> None:
    model = compile_graph(_network(), BLOCKS, CTX).eval()
    with pytest.raises(RuntimeError):
        capture_attention(model, torch.randn(2, 6, 7))  # the wrong feature size
    modules = [m for m in model.modules() if isinstance(m, MultiHeadAttention)]
    assert modules and not any(m.record_weights for m in modules)


def test_a_plain_module_is_captured_by_submodule_name() -> None:
    layer = TransformerDecoderLayer(8, 2, 16).eval()
    _, records = capture_attention(layer, torch.randn(1, 3, 8), torch.randn(1, 4, 8))
    assert [(r.key, r.label) for r in records] == [("self_attn", "self_attn"),
                                                   ("cross_attn", "cross_attn")]
    assert records[1].weights.shape == (1, 2, 3, 4)


def test_training_mode_uses_dropout_and_still_learns() -> None:
    torch.manual_seed(4)
    module = MultiHeadAttention(8, 2, dropout=0.5).train()
    x = torch.randn(2, 5, 8, requires_grad=True)
    module(x).square().sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in module.parameters())
    module.record_weights = True
    out = module(x)
    assert out.shape == (2, 5, 8)


@pytest.mark.parametrize(("name", "raw", "in_shapes", "words", "about_input"), INVALID,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID)])
def test_bad_shapes_are_explained(name, raw, in_shapes, words, about_input) -> None:
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    with pytest.raises(ShapeError) as err:
        spec.shape_rule(params, in_shapes, Context())
    message = str(err.value)
    assert words in message and err.value.about_input == about_input
    assert message[0].islower() and not message.endswith((".", ","))
    received = " and ".join(f"{format_shape(s)} from Dense 9" for s in in_shapes)
    assert len(f"{name} 12 {message} but receives {received}") < 200


def test_cross_attention_has_two_named_inputs() -> None:
    spec = BLOCKS.get("MultiHeadAttention")
    assert spec.ports(spec.validate_params({})) == ("in",)
    assert spec.ports(spec.validate_params({"mode": "cross"})) == ("query", "context")
    decoder = BLOCKS.get("TransformerDecoderLayer")
    assert decoder.ports(decoder.validate_params({})) == ("in", "memory")
    assert decoder.validate_params({})["causal"] is True


def _digits_project():
    from mlsp_studio.model.presets import load_preset

    project = load_preset("digits-cnn")
    project.slots["model"] = export_graph()
    return project


def test_the_script_builds_the_studios_attention_blocks() -> None:
    from mlsp_studio.data import make_dataset
    from mlsp_studio.export.python_script import python_source

    project = _digits_project()
    source = python_source(project)
    assert "class MultiHeadAttention(nn.Module)" in source and "class ConformerBlock" in source
    assert max(len(line) for line in source.splitlines()) <= 100
    assert_same_network(load_script(source), project.slots["model"],
                        make_dataset("digits", {}).context(), (5, 1, 8, 8))


def test_onnx_export_of_the_attention_blocks_matches_pytorch(tmp_path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from mlsp_studio.export.onnx_export import check_onnx, export_onnx

    project = _digits_project()
    out = export_onnx(project, tmp_path / "attention.onnx")
    assert check_onnx(project, out) <= 1e-4
