"""Composite blocks and the catalogue blocks they are made of.

A transformer layer or a Conformer block is one block on the canvas, but it is built from
blocks a student already knows: LayerNorm, attention, Dense, Add… :func:`expand` lists those
parts for one composite block (as graph pieces), and :func:`expand_node` replaces the block
in a graph by them. The parts are named after the composite module's submodules
(``self_attn``, ``linear1``, ``conv.depthwise`` …), so its weights can be copied into them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError, StudioError
from .blocks import BlockRegistry, Context, Shape
from .catalog.attention import COMPOSITE_TYPES
from .composite_skip import SKIP_EXPANDERS
from .graph import Graph

ROW = 80.0     # vertical distance between the parts laid out on the canvas
BRANCH = 90.0  # how far right the parts inside a residual branch sit


@dataclass(frozen=True)
class Part:
    """One block of an expansion: a name unique within it, a block type and its parameters.

    ``branch`` marks a part inside a residual branch (drawn beside the main path)."""

    name: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    branch: bool = False


@dataclass(frozen=True)
class Expansion:
    """A composite block as graph pieces.

    ``edges`` are (from part, to part, port); ``inputs`` maps each input port of the
    composite block to the (part, port) pairs it feeds; ``output`` is the part whose output
    is the block's output.
    """

    parts: tuple[Part, ...]
    edges: tuple[tuple[str, str, str], ...]
    inputs: Mapping[str, tuple[tuple[str, str], ...]]
    output: str


def is_composite(type_name: str) -> bool:
    """True for block types that :func:`expand` can take apart."""
    return type_name in COMPOSITE_TYPES or type_name in SKIP_EXPANDERS


class _Builder:
    """Collects parts and the wires between them; ``"@in"`` names the block's input ``in``."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.edges: list[tuple[str, str, str]] = []
        self.inputs: dict[str, list[tuple[str, str]]] = {}

    def add(self, name: str, type_name: str, params: dict[str, Any], *feeds: str,
            ports: tuple[str, ...] | None = None, branch: bool = True) -> str:
        if ports is None:
            ports = ("in",) if len(feeds) == 1 else tuple(f"in{i + 1}" for i in range(len(feeds)))
        self.parts.append(Part(name, type_name, params, branch))
        for feed, port in zip(feeds, ports, strict=True):
            if feed.startswith("@"):
                self.inputs.setdefault(feed[1:], []).append((name, port))
            else:
                self.edges.append((feed, name, port))
        return name

    def dropout(self, name: str, p: float, feed: str) -> str:
        """A Dropout part, left out when ``p`` is 0 (it would do nothing)."""
        return self.add(name, "Dropout", {"p": p}, feed) if p > 0 else feed

    def residual(self, name: str, trunk: str, branch: str) -> str:
        return self.add(name, "Add", {}, trunk, branch, branch=False)

    def done(self, output: str) -> Expansion:
        inputs = {port: tuple(pairs) for port, pairs in self.inputs.items()}
        return Expansion(tuple(self.parts), tuple(self.edges), inputs, output)


def _feed_forward(b: _Builder, dim: int, p: dict[str, Any], feed: str, last_dropout: str) -> str:
    h = b.add("linear1", "Dense", {"units": p["ff"]}, feed)
    h = b.add("activation", "GELU" if p["activation"] == "gelu" else "ReLU", {}, h)
    h = b.dropout("dropout", p["dropout"], h)
    h = b.add("linear2", "Dense", {"units": dim}, h)
    return b.dropout(last_dropout, p["dropout"], h)


def _attention(p: dict[str, Any], mode: str, causal: bool) -> dict[str, Any]:
    return {"heads": p["heads"], "mode": mode, "causal": causal, "dropout": p["dropout"]}


def _sublayer(b: _Builder, p: dict[str, Any], x: str, k: int, body: Callable[[str], str]) -> str:
    """Sublayer ``k`` of a transformer layer on ``x``: LayerNorm, ``body`` and the residual Add
    when the norm comes first, else ``body``, the Add and then the LayerNorm."""
    if p["norm_first"]:
        return b.residual(f"add{k}", x, body(b.add(f"norm{k}", "LayerNorm", {}, x)))
    x = b.residual(f"add{k}", x, body(x))
    return b.add(f"norm{k}", "LayerNorm", {}, x, branch=False)


def _transformer_layer(p: dict[str, Any], dim: int, cross: bool) -> Expansion:
    """Self-attention, then (in a decoder, ``cross``) attention to ``@memory``, then the
    feed-forward network, each a sublayer with its own norm and residual Add."""
    b = _Builder()

    def self_attention(h: str) -> str:
        h = b.add("self_attn", "MultiHeadAttention", _attention(p, "self", p["causal"]), h)
        return b.dropout("dropout1", p["dropout"], h)

    def cross_attention(h: str) -> str:
        h = b.add("cross_attn", "MultiHeadAttention", _attention(p, "cross", False), h,
                  "@memory", ports=("query", "context"))
        return b.dropout("dropout2", p["dropout"], h)

    attentions = [self_attention, cross_attention] if cross else [self_attention]
    x = "@in"
    for k, body in enumerate(attentions, 1):
        x = _sublayer(b, p, x, k, body)
    last = len(attentions) + 1
    x = _sublayer(b, p, x, last, lambda h: _feed_forward(b, dim, p, h, f"dropout{last}"))
    return b.done(x)


def _encoder(p: dict[str, Any], dim: int) -> Expansion:
    return _transformer_layer(p, dim, cross=False)


def _decoder(p: dict[str, Any], dim: int) -> Expansion:
    return _transformer_layer(p, dim, cross=True)


def _conformer_feed_forward(b: _Builder, prefix: str, dim: int, p: dict[str, Any],
                            feed: str) -> str:
    h = b.add(f"{prefix}.norm", "LayerNorm", {}, feed)
    h = b.add(f"{prefix}.linear1", "Dense", {"units": p["ff_mult"] * dim}, h)
    h = b.add(f"{prefix}.act", "SiLU", {}, h)
    h = b.dropout(f"{prefix}.dropout1", p["dropout"], h)
    h = b.add(f"{prefix}.linear2", "Dense", {"units": dim}, h)
    h = b.dropout(f"{prefix}.dropout2", p["dropout"], h)
    return b.add(f"{prefix}.half", "Scale", {"factor": 0.5}, h)


def _conformer(p: dict[str, Any], dim: int) -> Expansion:
    b = _Builder()
    x = b.residual("add1", "@in", _conformer_feed_forward(b, "ff1", dim, p, "@in"))
    h = b.add("attn_norm", "LayerNorm", {}, x)
    h = b.add("self_attn", "MultiHeadAttention", _attention(p, "self", False), h)
    x = b.residual("add2", x, b.dropout("attn_dropout", p["dropout"], h))
    k = p["kernel_size"]
    h = b.add("conv.norm", "LayerNorm", {}, x)
    h = b.add("conv.pointwise1", "Dense", {"units": 2 * dim}, h)
    h = b.add("conv.glu", "GLU", {}, h)
    h = b.add("conv.to_channels", "Transpose", {}, h)
    h = b.add("conv.depthwise", "Conv1d", {"out_channels": dim, "kernel_size": k,
                                           "padding": k // 2, "groups": dim}, h)
    h = b.add("conv.batch_norm", "BatchNorm", {}, h)
    h = b.add("conv.act", "SiLU", {}, h)
    h = b.add("conv.to_steps", "Transpose", {}, h)
    h = b.add("conv.pointwise2", "Dense", {"units": dim}, h)
    x = b.residual("add3", x, b.dropout("conv.dropout", p["dropout"], h))
    x = b.residual("add4", x, _conformer_feed_forward(b, "ff2", dim, p, x))
    return b.done(b.add("final_norm", "LayerNorm", {}, x, branch=False))


_EXPANDERS = {"TransformerEncoderLayer": _encoder, "TransformerDecoderLayer": _decoder,
              "ConformerBlock": _conformer}


def expand(node_type: str, params: Mapping[str, Any], in_shapes: list[Shape]) -> Expansion:
    """The parts of a composite block with checked ``params`` and known input shapes."""
    if not is_composite(node_type):
        raise GraphError(f"a {node_type} block is not made of other blocks")
    if node_type in SKIP_EXPANDERS:  # Residual, Gated: their parts depend on the input's rank
        return SKIP_EXPANDERS[node_type](_Builder(), dict(params), tuple(in_shapes[0]))
    return _EXPANDERS[node_type](dict(params), in_shapes[0][-1])


def expand_node_parts(graph: Graph, node_id: int, registry: BlockRegistry,
                      ctx: Context) -> tuple[Graph, dict[str, int]]:
    """Like :func:`expand_node`, and also the new block id of each part, by part name."""
    node = graph.nodes.get(node_id)
    if node is None:
        raise GraphError(f"there is no block with id {node_id}")
    if not is_composite(node.type):
        raise GraphError(f"{node.label} is not made of other blocks, so it cannot be expanded")
    analysis = graph.analyze(registry, ctx)
    problems = analysis.problems_for(node_id)
    if problems:
        raise GraphError(f"{node.label} can be expanded once it works: {problems[0]}")
    spec = registry.get(node.type)
    params = analysis.params[node_id]
    feeding = {e.port: e.src for e in graph.inputs_of(node_id)}
    in_shapes = [analysis.shapes[feeding[p]] for p in spec.ports(params)]
    expansion = expand(node.type, params, in_shapes)
    missing = sorted({p.type for p in expansion.parts if p.type not in registry})
    if missing:
        raise GraphError(f"{node.label} cannot be expanded: there is no "
                         f"{' or '.join(missing)} block to build it from")

    out = graph.copy()
    out._next_id = max(out._next_id, graph._next_id)  # never reuse a deleted block's id
    consumers = out.consumers_of(node_id)
    out.remove_node(node_id)
    x, y = node.pos
    extra = ROW * (len(expansion.parts) - 1)
    for other in out.nodes.values():  # make room: what was below moves down
        if other.pos[1] > y:
            other.pos = (other.pos[0], other.pos[1] + extra)
    ids: dict[str, int] = {}
    for row, part in enumerate(expansion.parts):
        pos = (x + (BRANCH if part.branch else 0.0), y + ROW * row)
        ids[part.name] = out.add_node(part.type, part.params, pos)
    try:
        for port, targets in expansion.inputs.items():
            for name, part_port in targets:
                out.connect(feeding[port], ids[name], part_port)
        for src, dst, port in expansion.edges:
            out.connect(ids[src], ids[dst], port)
        for edge in consumers:
            out.connect(ids[expansion.output], edge.dst, edge.port)
    except StudioError as err:  # pragma: no cover - an expansion wires only free ports
        raise GraphError(f"{node.label} cannot be expanded: {err}") from None
    return out, ids


def expand_node(graph: Graph, node_id: int, registry: BlockRegistry, ctx: Context) -> Graph:
    """A new graph with the composite block ``node_id`` replaced by its parts.

    The parts are laid out from the block's place downwards (blocks that were below it move
    down to make room); what fed the block feeds the parts, and what the block fed is fed by
    the last part. ``graph`` itself is left as it was. Raises :class:`GraphError` in words
    when the block is not composite or does not work yet (its shapes are needed).
    """
    return expand_node_parts(graph, node_id, registry, ctx)[0]
