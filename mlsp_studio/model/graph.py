"""A network as a DAG of blocks, its JSON form, and validation that explains itself in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError, ParamError, ShapeError
from .blocks import BlockRegistry, BlockSpec, Context, Shape, format_shape

MAX_NODES = 2000


@dataclass
class Node:
    """One block on the canvas. ``params`` holds only what the person set (JSON values)."""

    id: int
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)

    @property
    def label(self) -> str:
        return f"{self.type} {self.id}"


@dataclass(frozen=True)
class Edge:
    """The output of block ``src`` feeds input port ``port`` of block ``dst``."""

    src: int
    dst: int
    port: str = "in"


@dataclass(frozen=True)
class Problem:
    """Something that keeps a graph from running, with the block it is about (if any)."""

    node: int | None
    message: str


@dataclass
class Analysis:
    """The result of checking a graph: shapes, parameter counts, problems and an order to run."""

    shapes: dict[int, Shape | None]
    params: dict[int, dict[str, Any]]
    counts: dict[int, int]
    problems: list[Problem]
    order: list[int]
    inputs: list[int]
    outputs: list[int]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_params(self) -> int:
        return sum(self.counts.values())

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]

    def problems_for(self, node_id: int) -> list[str]:
        return [p.message for p in self.problems if p.node == node_id]


class Graph:
    """Blocks and the edges between them; every edit goes through a method here."""

    def __init__(self) -> None:
        self.nodes: dict[int, Node] = {}
        self.edges: list[Edge] = []
        self._next_id = 1

    # -- edits ---------------------------------------------------------------------------
    def add_node(self, type_name: str, params: Mapping[str, Any] | None = None,
                 pos: tuple[float, float] = (0.0, 0.0), node_id: int | None = None) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise GraphError(f"a network can hold at most {MAX_NODES} blocks")
        if node_id is None:
            node_id = self._next_id
        if node_id in self.nodes:
            raise GraphError(f"there is already a block with id {node_id}")
        self.nodes[node_id] = Node(node_id, type_name, dict(params or {}),
                                   (float(pos[0]), float(pos[1])))
        self._next_id = max(self._next_id, node_id + 1)
        return node_id

    def remove_node(self, node_id: int) -> list[Edge]:
        """Remove a block and its edges; returns the removed edges (for undo)."""
        self._node(node_id)
        removed = [e for e in self.edges if node_id in (e.src, e.dst)]
        self.edges = [e for e in self.edges if node_id not in (e.src, e.dst)]
        del self.nodes[node_id]
        return removed

    def connect(self, src: int, dst: int, port: str = "in",
                registry: BlockRegistry | None = None) -> Edge:
        """Wire ``src``'s output to ``dst``'s ``port``. Refuses self-loops and busy ports."""
        source, target = self._node(src), self._node(dst)
        if src == dst:
            raise GraphError(f"{source.label} cannot feed itself")
        if registry is not None and target.type in registry:
            spec = registry.get(target.type)
            ports = spec.ports(_safe_params(spec, target.params))
            if port not in ports:
                if not ports:
                    raise GraphError(f"{target.label} takes no input")
                raise GraphError(f"{target.label} has no input called {port!r} "
                                 f"(it has {', '.join(ports)})")
        for edge in self.edges:
            if edge.dst == dst and edge.port == port:
                feeder = self.nodes[edge.src].label
                raise GraphError(f"{target.label}'s input {port!r} is already fed by {feeder}")
        edge = Edge(src, dst, port)
        self.edges.append(edge)
        return edge

    def disconnect(self, edge: Edge) -> None:
        try:
            self.edges.remove(edge)
        except ValueError:
            raise GraphError("that connection does not exist") from None

    def set_params(self, node_id: int, params: Mapping[str, Any]) -> dict[str, Any]:
        """Replace a block's parameters; returns the old ones (for undo)."""
        node = self._node(node_id)
        old, node.params = node.params, dict(params)
        return old

    def move(self, node_id: int, pos: tuple[float, float]) -> None:
        self._node(node_id).pos = (float(pos[0]), float(pos[1]))

    def _node(self, node_id: int) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no block with id {node_id}") from None

    # -- queries -------------------------------------------------------------------------
    def inputs_of(self, node_id: int) -> list[Edge]:
        return [e for e in self.edges if e.dst == node_id]

    def consumers_of(self, node_id: int) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    def copy(self) -> Graph:
        return Graph.from_dict(self.to_dict())

    def analyze(self, registry: BlockRegistry, ctx: Context | None = None) -> Analysis:
        return analyze(self, registry, ctx or Context())

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"id": n.id, "type": n.type, "params": _jsonable(n.params),
                       "pos": [n.pos[0], n.pos[1]]} for n in self.nodes.values()],
            "edges": [{"from": e.src, "to": e.dst, "port": e.port} for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "network") -> Graph:
        """Build a graph from its JSON form, refusing anything malformed with a clear message."""
        if not isinstance(data, dict):
            raise GraphError(f"{where}: expected an object with 'nodes' and 'edges'")
        nodes, edges = data.get("nodes", []), data.get("edges", [])
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise GraphError(f"{where}: 'nodes' and 'edges' must be lists")
        if len(nodes) > MAX_NODES or len(edges) > 4 * MAX_NODES:
            raise GraphError(f"{where}: too many blocks or connections")
        graph = cls()
        for i, raw in enumerate(nodes):
            if not isinstance(raw, dict):
                raise GraphError(f"{where}: block #{i + 1} is not an object")
            node_id, type_name = raw.get("id"), raw.get("type")
            params, pos = raw.get("params", {}), raw.get("pos", [0, 0])
            if not _is_int(node_id) or not 0 < node_id < 10**9:
                raise GraphError(f"{where}: block #{i + 1} has no valid id")
            if not isinstance(type_name, str) or not 0 < len(type_name) <= 64 \
                    or not type_name.isprintable():
                raise GraphError(f"{where}: block #{i + 1} has no valid type")
            if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
                raise GraphError(f"{where}: {type_name} {node_id} has malformed parameters")
            if not (isinstance(pos, list) and len(pos) == 2
                    and all(_is_number(v) and abs(v) < 1e9 for v in pos)):
                pos = [0.0, 0.0]
            graph.add_node(type_name, params, (pos[0], pos[1]), node_id=node_id)
        fed: set[tuple[int, str]] = set()
        for i, raw in enumerate(edges):
            if not isinstance(raw, dict):
                raise GraphError(f"{where}: connection #{i + 1} is not an object")
            src, dst, port = raw.get("from"), raw.get("to"), raw.get("port", "in")
            if not (_is_int(src) and _is_int(dst)) or src not in graph.nodes \
                    or dst not in graph.nodes:
                raise GraphError(f"{where}: connection #{i + 1} joins blocks that do not exist")
            if not isinstance(port, str) or len(port) > 64:
                raise GraphError(f"{where}: connection #{i + 1} has no valid input name")
            if src == dst or (dst, port) in fed:
                graph.connect(src, dst, port)  # refuses it in connect's words
            # connect's own check scans every edge: thousands of them would take seconds
            fed.add((dst, port))
            graph.edges.append(Edge(src, dst, port))
        return graph

    @classmethod
    def chain(cls, blocks: Iterable[tuple[str, dict[str, Any]] | str]) -> Graph:
        """A straight chain of blocks, laid out top to bottom (handy for presets and tests)."""
        graph = cls()
        previous = None
        for i, item in enumerate(blocks):
            type_name, params = (item, {}) if isinstance(item, str) else item
            node = graph.add_node(type_name, params, (0.0, 90.0 * i))
            if previous is not None:
                graph.connect(previous, node)
            previous = node
        return graph


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _safe_params(spec: BlockSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return spec.validate_params(params)
    except ParamError:
        return spec.params.defaults()


def _find_cycle(graph: Graph, remaining: set[int]) -> list[int]:
    """A cycle among ``remaining`` (nodes Kahn's algorithm could not order)."""
    succ: dict[int, list[int]] = {n: [] for n in remaining}
    for e in graph.edges:
        if e.src in remaining and e.dst in remaining:
            succ[e.src].append(e.dst)
    start = min(remaining)
    path, seen = [start], {start: 0}
    node = start
    while True:
        nxt = next((m for m in succ[node] if m in remaining), None)
        if nxt is None:  # pragma: no cover - every node left by Kahn has a successor left
            return path
        if nxt in seen:
            return path[seen[nxt]:] + [nxt]
        seen[nxt] = len(path)
        path.append(nxt)
        node = nxt


def analyze(graph: Graph, registry: BlockRegistry, ctx: Context) -> Analysis:
    """Check a graph and infer every block's output shape, explaining each problem in words."""
    problems: list[Problem] = []
    specs: dict[int, BlockSpec] = {}
    params: dict[int, dict[str, Any]] = {}
    ids = sorted(graph.nodes)
    for node_id in ids:
        node = graph.nodes[node_id]
        if node.type not in registry:
            problems.append(Problem(node_id, f"{node.label}: there is no block type called "
                                             f"{node.type!r}"))
            continue
        spec = specs[node_id] = registry.get(node.type)
        try:
            params[node_id] = spec.validate_params(node.params, node.label)
        except ParamError as err:
            problems.append(Problem(node_id, str(err)))

    # each block's edges, found once: scanning every edge for every block takes seconds
    # on the largest networks a file may hold
    feeders: dict[int, list[Edge]] = {n: [] for n in ids}
    consumers: dict[int, list[Edge]] = {n: [] for n in ids}
    for edge in graph.edges:
        feeders[edge.dst].append(edge)
        consumers[edge.src].append(edge)

    # order the blocks (Kahn), reporting a cycle if some cannot be ordered
    indegree = {n: len(feeders[n]) for n in ids}
    ready = [n for n in ids if indegree[n] == 0]
    order: list[int] = []
    while ready:
        node_id = ready.pop(0)
        order.append(node_id)
        for edge in consumers[node_id]:
            indegree[edge.dst] -= 1
            if indegree[edge.dst] == 0:
                ready.append(edge.dst)
    if len(order) < len(ids):
        cycle = _find_cycle(graph, set(ids) - set(order))
        labels = " → ".join(graph.nodes[n].label for n in cycle)
        problems.append(Problem(cycle[0], f"cycle through {labels}: a network must flow one way"))

    inputs = [n for n in order if n in specs and specs[n].family == "input"]
    outputs = [n for n in order if n in specs and specs[n].is_output]
    if graph.nodes and not inputs:
        problems.append(Problem(None, "the network has no Input block"))
    if graph.nodes and not outputs:
        problems.append(Problem(None, "the network has no output: end it with a Classifier "
                                      "head, a Regression head or an Output block"))
    if not graph.nodes:
        problems.append(Problem(None, "the network is empty: add an Input block"))

    shapes: dict[int, Shape | None] = {n: None for n in ids}
    counts: dict[int, int] = {}
    for node_id in order:
        if node_id not in specs or node_id not in params:
            continue
        node, spec, values = graph.nodes[node_id], specs[node_id], params[node_id]
        ports = spec.ports(values)
        feeding = {e.port: e for e in feeders[node_id]}
        for port in feeding:
            if port not in ports:
                problems.append(Problem(node_id, f"{node.label} has no input called {port!r}"))
        missing = [p for p in ports if p not in feeding]
        if missing:
            if ports == ("in",):
                text = f"{node.label} has no input connected"
            else:
                text = f"{node.label}'s input{'s' if len(missing) > 1 else ''} " + \
                       ", ".join(repr(p) for p in missing) + " not connected"
            problems.append(Problem(node_id, text))
            continue
        in_edges = [feeding[p] for p in ports]
        in_shapes = [shapes[e.src] for e in in_edges]
        if any(s is None for s in in_shapes):
            continue  # the problem upstream is already reported
        try:
            shapes[node_id] = tuple(spec.shape_rule(values, list(in_shapes), ctx))
            counts[node_id] = int(spec.param_count(values, list(in_shapes), ctx))
        except ShapeError as err:
            if in_edges and err.about_input:
                received = " and ".join(f"{format_shape(shapes[e.src])} from "
                                        f"{graph.nodes[e.src].label}" for e in in_edges)
                problems.append(Problem(node_id, f"{node.label} {err} but receives {received}"))
            else:
                problems.append(Problem(node_id, f"{node.label} {err}"))
        if shapes[node_id] is not None and any(d <= 0 for d in shapes[node_id]):
            problems.append(Problem(node_id, f"{node.label} would give an empty output "
                                             f"{format_shape(shapes[node_id])}"))
            shapes[node_id] = None

    for node_id in order:
        if node_id in specs and not specs[node_id].is_output and not consumers[node_id]:
            problems.append(Problem(node_id, f"{graph.nodes[node_id].label}'s output is not "
                                             "connected"))
    return Analysis(shapes, params, counts, problems, order, inputs, outputs)
