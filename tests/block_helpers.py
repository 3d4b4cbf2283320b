"""What the block tests share: the empty context, a contract case, building one block with a
fixed seed, and a graph wired from a list of numbered blocks."""

from __future__ import annotations

import torch

from mlsp_studio.model.blocks import Context, Shape
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.nn import build_block

NO_CTX = Context()


def case(params: dict, *shapes: Shape, ctx: Context = NO_CTX) -> tuple:
    """One case of ``test_block_contract.CASES``: params, input shapes (no batch axis), context."""
    return params, list(shapes), ctx


def build(name: str, raw: dict, *shapes: Shape, ctx: Context = NO_CTX) -> torch.nn.Module:
    """The block ``name`` with ``raw`` params for inputs of ``shapes``, built from seed 0."""
    spec = BLOCKS.get(name)
    torch.manual_seed(0)
    return build_block(spec, spec.validate_params(raw), list(shapes), ctx)


def wired_graph(blocks: list[tuple[int, str, dict, list[int]]]) -> Graph:
    """A graph of ``(node id, block, params, ids feeding its ports in order)``, one a row."""
    g = Graph()
    for node_id, kind, params, feeds in blocks:
        g.add_node(kind, params, (0.0, 90.0 * node_id), node_id=node_id)
        ports = BLOCKS.get(kind).ports(BLOCKS.get(kind).validate_params(params))
        for src, port in zip(feeds, ports, strict=True):
            g.connect(src, node_id, port)
    return g
