"""Turn a checked graph into an ``nn.Module`` that runs its blocks in order."""

from __future__ import annotations

import torch
from torch import nn

from ..errors import GraphError
from ..model.blocks import BlockRegistry, Context
from ..model.graph import Analysis, Graph
from .builders import build_block


class GraphModule(nn.Module):
    """A network built from a graph. ``forward`` takes one tensor per data input.

    Blocks are submodules named ``n<id>`` (so checkpoints name the block they belong to);
    ``labels`` maps those names back to what the person sees ("Conv2d 3"); ``sources``
    names the inputs in the order ``forward`` takes them and ``input_shapes`` their shapes.
    """

    def __init__(self, graph: Graph, analysis: Analysis, registry: BlockRegistry,
                 ctx: Context) -> None:
        super().__init__()
        if not analysis.ok:
            raise GraphError(analysis.problems[0].message)
        self.blocks = nn.ModuleDict()
        self.labels: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.input_shapes: dict[str, tuple[int, ...]] = {}  # by source, batch axis left out
        slot_of = {node_id: i for i, node_id in enumerate(analysis.order)}
        sources: list[str] = []
        plan: list[tuple[str, tuple[int, ...]]] = []
        for node_id in analysis.order:
            node = graph.nodes[node_id]
            spec = registry.get(node.type)
            params = analysis.params[node_id]
            ports = spec.ports(params)
            feeding = {e.port: e.src for e in graph.inputs_of(node_id)}
            in_shapes = [analysis.shapes[feeding[p]] for p in ports]
            key = f"n{node_id}"
            self.blocks[key] = build_block(spec, params, in_shapes, ctx)
            self.labels[key] = node.label
            self.types[key] = node.type
            self.shapes[key] = analysis.shapes[node_id]
            if spec.family == "input":
                source = params["source"]
                if source not in sources:
                    sources.append(source)
                    self.input_shapes[source] = analysis.shapes[node_id]
                plan.append((key, (-1 - sources.index(source),)))
            else:
                plan.append((key, tuple(slot_of[feeding[p]] for p in ports)))
        self.sources = tuple(sources)
        self._plan = plan
        self._outputs = tuple(slot_of[n] for n in analysis.outputs)
        self.output_keys = tuple(f"n{n}" for n in analysis.outputs)  # block names, in order
        self.num_params = sum(p.numel() for p in self.parameters())

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        values = self._run(inputs, None)
        outs = tuple(values[i] for i in self._outputs)
        return outs[0] if len(outs) == 1 else outs

    def forward_capture(self, *inputs: torch.Tensor,
                        keys: set[str] | None = None) -> dict[str, torch.Tensor]:
        """Every block's output (or only ``keys``) for the given inputs, by block name."""
        captured: dict[str, torch.Tensor] = {}
        self._run(inputs, captured if keys is None else _Filtered(captured, keys))
        return captured

    def _run(self, inputs, captured) -> list[torch.Tensor]:
        if len(inputs) != len(self.sources):
            raise ValueError(f"the network takes {len(self.sources)} input(s), "
                             f"got {len(inputs)}")
        values: list[torch.Tensor] = []
        blocks = self.blocks
        for key, args in self._plan:
            if args[0] < 0:
                out = blocks[key](inputs[-1 - args[0]])
            else:
                out = blocks[key](*[values[i] for i in args])
            values.append(out)
            if captured is not None:
                captured[key] = out
        return values


class _Filtered(dict):
    """A capture target that keeps only the requested block names."""

    def __init__(self, target: dict, keys: set[str]) -> None:
        super().__init__()
        self._target, self._keys = target, keys

    def __setitem__(self, key, value) -> None:
        if key in self._keys:
            self._target[key] = value


def compile_graph(graph: Graph, registry: BlockRegistry, ctx: Context) -> GraphModule:
    """Check ``graph`` and build it; raises GraphError with the first problem in words."""
    analysis = graph.analyze(registry, ctx)
    return GraphModule(graph, analysis, registry, ctx)
