"""Composite blocks expand into catalogue blocks that compute the same thing: the expanded
network checks out, keeps the output shape and parameter count, and with the composite's
weights copied into its parts gives the same output."""

from __future__ import annotations

import pytest
import torch

from mlsp_studio.errors import GraphError
from mlsp_studio.model.blocks import BlockRegistry, Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.composite import (
    ROW,
    expand,
    expand_node,
    expand_node_parts,
    is_composite,
)
from mlsp_studio.model.graph import Graph
from mlsp_studio.nn.compile import compile_graph

CTX = Context(inputs={"x": (6, 8), "m": (9, 5)})

CASES = [
    ("TransformerEncoderLayer", {"heads": 2, "ff": 16}),
    ("TransformerEncoderLayer", {"heads": 4, "ff": 8, "norm_first": False, "causal": True,
                                 "activation": "gelu"}),
    ("TransformerEncoderLayer", {"heads": 1, "ff": 3, "dropout": 0.0}),
    ("TransformerDecoderLayer", {"heads": 2, "ff": 16}),
    ("TransformerDecoderLayer", {"heads": 2, "ff": 12, "norm_first": False, "causal": False,
                                 "activation": "gelu", "dropout": 0.0}),
    ("ConformerBlock", {"heads": 2, "kernel_size": 3, "ff_mult": 2}),
    ("ConformerBlock", {"heads": 4, "kernel_size": 5, "ff_mult": 1, "dropout": 0.0}),
]


def _network(kind: str, params: dict) -> Graph:
    """Input → Dense → the composite (memory from a second Input) → Dense → Output."""
    g = Graph()
    g.add_node("Input", {}, (0, 0), node_id=1)
    g.add_node("Dense", {"units": 8}, (0, 90), node_id=2)
    g.add_node(kind, params, (0, 180), node_id=3)
    g.add_node("Dense", {"units": 3}, (0, 270), node_id=4)
    g.add_node("Output", {}, (0, 360), node_id=5)
    for src, dst in [(1, 2), (2, 3), (3, 4), (4, 5)]:
        g.connect(src, dst)
    if kind == "TransformerDecoderLayer":
        g.add_node("Input", {"source": "m"}, (300, 90), node_id=6)
        g.connect(6, 3, "memory")
    return g


def _inputs(graph: Graph) -> list[torch.Tensor]:
    torch.manual_seed(5)
    return [torch.randn(4, 6, 8)] + ([torch.randn(4, 9, 5)] if 6 in graph.nodes else [])


def test_only_the_layers_are_composite() -> None:
    assert all(is_composite(k) for k in ("TransformerEncoderLayer", "TransformerDecoderLayer",
                                         "ConformerBlock"))
    assert not any(is_composite(k) for k in ("MultiHeadAttention", "Dense", "Nothing"))
    with pytest.raises(GraphError, match="not made of other blocks"):
        expand("Dense", {"units": 3}, [(4,)])


@pytest.mark.parametrize(("kind", "params"), CASES, ids=[f"{k}-{i}" for i, (k, _) in
                                                         enumerate(CASES)])
def test_expanded_network_computes_the_same(kind: str, params: dict) -> None:
    graph = _network(kind, params)
    before = graph.to_dict()
    expanded, ids = expand_node_parts(graph, 3, BLOCKS, CTX)
    assert graph.to_dict() == before  # the original is left alone
    a, b = graph.analyze(BLOCKS, CTX), expanded.analyze(BLOCKS, CTX)
    assert a.ok and b.ok, b.messages()
    assert b.shapes[5] == a.shapes[5] and b.shapes[ids[_output(kind, params)]] == a.shapes[3]
    assert b.total_params == a.total_params
    assert 3 not in expanded.nodes and set(ids.values()).isdisjoint(graph.nodes)
    if params.get("dropout", 0.1) == 0:
        assert not any(n.type == "Dropout" for n in expanded.nodes.values())

    torch.manual_seed(0)
    composite = compile_graph(graph, BLOCKS, CTX).eval()
    torch.manual_seed(1)
    parts = compile_graph(expanded, BLOCKS, CTX).eval()
    assert parts.num_params == composite.num_params
    with torch.no_grad():  # weights that differ from any default, running statistics too
        for tensor in [*composite.parameters(), *composite.buffers()]:
            if tensor.is_floating_point():
                tensor.add_(0.3 * torch.rand_like(tensor))
    layer = composite.blocks["n3"]
    for name, node_id in ids.items():  # parts with weights carry their submodule's name
        part = parts.blocks[f"n{node_id}"]
        if part.state_dict():
            part.load_state_dict(layer.get_submodule(name).state_dict())
    for key in ("n2", "n4"):
        parts.blocks[key].load_state_dict(composite.blocks[key].state_dict())
    inputs = _inputs(graph)
    with torch.no_grad():
        assert torch.allclose(parts(*inputs), composite(*inputs), atol=1e-5)


def _output(kind: str, params: dict) -> str:
    if kind == "ConformerBlock":
        return "final_norm"
    last = 3 if kind == "TransformerDecoderLayer" else 2
    return f"norm{last}" if not params.get("norm_first", True) else f"add{last}"


def test_parts_are_laid_out_below_and_the_rest_moves_down() -> None:
    graph = _network("TransformerEncoderLayer", {"heads": 2, "ff": 16})
    expanded, ids = expand_node_parts(graph, 3, BLOCKS, CTX)
    rows = [expanded.nodes[i].pos[1] for i in ids.values()]
    assert rows == [180 + ROW * i for i in range(len(ids))]
    extra = ROW * (len(ids) - 1)
    assert expanded.nodes[4].pos == (0, 270 + extra) and expanded.nodes[2].pos == (0, 90)
    assert expanded.nodes[ids["add1"]].pos[0] == 0 and expanded.nodes[ids["norm1"]].pos[0] > 0
    # what fed the layer feeds its first parts; what it fed is fed by its last part
    fed = sorted((expanded.nodes[e.dst].type, e.port) for e in expanded.consumers_of(2))
    assert fed == [("Add", "in1"), ("LayerNorm", "in")]
    assert [e.src for e in expanded.inputs_of(4)] == [ids["add2"]]
    assert [expanded.nodes[i].type for i in ids.values()] == [
        "LayerNorm", "MultiHeadAttention", "Dropout", "Add", "LayerNorm", "Dense", "ReLU",
        "Dropout", "Dense", "Dropout", "Add"]


def test_the_decoder_memory_feeds_its_cross_attention() -> None:
    graph = _network("TransformerDecoderLayer", {"heads": 2})
    expanded, ids = expand_node_parts(graph, 3, BLOCKS, CTX)
    assert [(e.dst, e.port) for e in expanded.consumers_of(6)] == [(ids["cross_attn"],
                                                                    "context")]
    assert expanded.nodes[ids["cross_attn"]].params["mode"] == "cross"
    assert expanded.nodes[ids["self_attn"]].params["causal"] is True


def test_new_ids_never_reuse_a_deleted_blocks_id() -> None:
    graph = _network("ConformerBlock", {"heads": 2, "kernel_size": 3})
    extra = graph.add_node("Dense", {"units": 2})
    graph.remove_node(extra)
    _, ids = expand_node_parts(graph, 3, BLOCKS, CTX)
    assert min(ids.values()) == extra + 1


def test_what_cannot_be_expanded_is_refused_in_words() -> None:
    graph = _network("TransformerEncoderLayer", {"heads": 3})  # 8 features, 3 heads
    with pytest.raises(GraphError, match="can be expanded once it works: .*multiple of heads"):
        expand_node(graph, 3, BLOCKS, CTX)
    with pytest.raises(GraphError, match="Dense 2 is not made of other blocks"):
        expand_node(graph, 2, BLOCKS, CTX)
    with pytest.raises(GraphError, match="no block with id 99"):
        expand_node(graph, 99, BLOCKS, CTX)
    loose = Graph()
    loose.add_node("TransformerDecoderLayer", {}, node_id=1)
    with pytest.raises(GraphError, match="not connected"):
        expand_node(loose, 1, BLOCKS, CTX)
    without = BlockRegistry()
    for spec in BLOCKS:
        if spec.type != "Transpose":
            without.register(spec)
    conformer = _network("ConformerBlock", {"heads": 2, "kernel_size": 3})
    with pytest.raises(GraphError, match="there is no Transpose block"):
        expand_node(conformer, 3, without, CTX)
