"""Undoable edits: each command calls the Graph or Project, then tells the document.

The views never change the model themselves; they push one of these onto
``doc.undo_stack`` and redraw from the document's signals.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..errors import GraphError
from ..model.blocks import Context
from ..model.composite import expand_node_parts
from ..model.graph import MAX_NODES, Edge, Graph
from ..model.live import pace_of, pace_text
from .document import StudioDocument

Pos = tuple[float, float]
MOVE_ID = 1001  # commands with the same id() may merge (QUndoCommand.mergeWith)


class _GraphCommand(QUndoCommand):
    """An edit of one slot's graph; remembers the slot so undo works after switching slots."""

    def __init__(self, doc: StudioDocument, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.slot = doc.slot

    @property
    def graph(self) -> Graph:
        return self.doc.project.slots[self.slot]

    def _edited(self) -> None:
        self.doc.graph_edited(self.slot)


def _label(graph: Graph, node_id: int) -> str:
    node = graph.nodes.get(node_id)
    return node.label if node is not None else f"block {node_id}"


def _restore_order(graph: Graph, node_order: list[int], edges: list[Edge]) -> None:
    """Put nodes and edges back in their former order, so ``to_dict()`` is exactly as before."""
    rank = {node_id: i for i, node_id in enumerate(node_order)}
    ordered = sorted(graph.nodes, key=lambda n: rank.get(n, len(rank)))
    graph.nodes = {n: graph.nodes[n] for n in ordered}
    known = set(graph.edges)
    graph.edges = [e for e in edges if e in known] + [e for e in graph.edges if e not in edges]


def _check_room(graph: Graph, extra: int) -> None:
    if len(graph.nodes) + extra > MAX_NODES:
        raise GraphError(f"a network can hold at most {MAX_NODES} blocks")


def would_make_cycle(graph: Graph, src: int, dst: int) -> bool:
    """True when ``dst`` already reaches ``src``, so an edge src → dst would close a loop."""
    succ: dict[int, list[int]] = {}
    for edge in graph.edges:
        succ.setdefault(edge.src, []).append(edge.dst)
    seen, todo = {dst}, [dst]
    while todo:
        node = todo.pop()
        if node == src:
            return True
        for nxt in succ.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


class AddBlockCommand(_GraphCommand):
    """Add one block; ``node_id`` is its id once ``redo()`` ran (the push runs it)."""

    def __init__(self, doc: StudioDocument, type_name: str,
                 params: Mapping[str, Any] | None = None, pos: Pos = (0.0, 0.0)) -> None:
        _check_room(doc.graph, 1)
        super().__init__(doc, f"Add {type_name}")
        self.type_name = type_name
        self.params = dict(params or {})
        self.pos = (float(pos[0]), float(pos[1]))
        self.node_id: int | None = None

    def redo(self) -> None:
        self.node_id = self.graph.add_node(self.type_name, self.params, self.pos,
                                           node_id=self.node_id)
        self._edited()

    def undo(self) -> None:
        self.graph.remove_node(self.node_id)
        self._edited()


class RemoveBlocksCommand(_GraphCommand):
    """Remove blocks and their edges; undo puts back the same ids, settings, places and edges."""

    def __init__(self, doc: StudioDocument, node_ids: Iterable[int]) -> None:
        graph = doc.graph
        ids = [n for n in dict.fromkeys(node_ids) if n in graph.nodes]
        text = f"Delete {graph.nodes[ids[0]].label}" if len(ids) == 1 else \
            f"Delete {len(ids)} blocks"
        super().__init__(doc, text)
        self.node_ids = ids
        self._saved: list[tuple[int, str, dict[str, Any], Pos]] = []
        self._order: list[int] = []
        self._edges: list[Edge] = []

    def redo(self) -> None:
        graph = self.graph
        self._order = list(graph.nodes)
        self._edges = list(graph.edges)
        self._saved = [(n, graph.nodes[n].type, copy.deepcopy(graph.nodes[n].params),
                        graph.nodes[n].pos) for n in self.node_ids]
        for node_id in self.node_ids:
            graph.remove_node(node_id)
        self._edited()

    def undo(self) -> None:
        graph = self.graph
        for node_id, type_name, params, pos in self._saved:
            graph.add_node(type_name, copy.deepcopy(params), pos, node_id=node_id)
        present = set(graph.edges)
        for edge in self._edges:
            if edge not in present:
                graph.connect(edge.src, edge.dst, edge.port)
        _restore_order(graph, self._order, self._edges)
        self._edited()


class ConnectCommand(_GraphCommand):
    """Wire ``src``'s output into ``dst``'s ``port``.

    The constructor tries the edit on a copy first and raises :class:`GraphError` with a
    sentence (busy port, unknown port, self-loop, cycle), so nothing is pushed on refusal.
    """

    def __init__(self, doc: StudioDocument, src: int, dst: int, port: str = "in") -> None:
        graph = doc.graph
        trial = graph.copy()
        trial.connect(src, dst, port, registry=doc.registry)
        if would_make_cycle(graph, src, dst):
            raise GraphError(f"connecting {_label(graph, src)} to {_label(graph, dst)} would "
                             "make a cycle: a network must flow one way")
        into = _label(graph, dst) + ("" if port == "in" else f" ({port})")
        super().__init__(doc, f"Connect {_label(graph, src)} → {into}")
        self.edge = Edge(src, dst, port)

    def redo(self) -> None:
        self.graph.connect(self.edge.src, self.edge.dst, self.edge.port,
                           registry=self.doc.registry)
        self._edited()

    def undo(self) -> None:
        self.graph.disconnect(self.edge)
        self._edited()


class DisconnectCommand(_GraphCommand):
    """Remove one connection; undo puts it back in the same place in the edge list."""

    def __init__(self, doc: StudioDocument, edge: Edge) -> None:
        graph = doc.graph
        if edge not in graph.edges:
            raise GraphError("that connection does not exist")
        super().__init__(doc, f"Disconnect {_label(graph, edge.src)} → "
                              f"{_label(graph, edge.dst)}")
        self.edge = edge
        self._edges: list[Edge] = []

    def redo(self) -> None:
        self._edges = list(self.graph.edges)
        self.graph.disconnect(self.edge)
        self._edited()

    def undo(self) -> None:
        graph = self.graph
        graph.connect(self.edge.src, self.edge.dst, self.edge.port)
        _restore_order(graph, list(graph.nodes), self._edges)
        self._edited()


class MoveBlocksCommand(_GraphCommand):
    """Move blocks: ``moves`` maps a block id to ``(old_pos, new_pos)``.

    Consecutive moves of the same set of blocks merge into one step of the undo history.
    """

    def __init__(self, doc: StudioDocument, moves: Mapping[int, tuple[Pos, Pos]]) -> None:
        graph = doc.graph
        self.moves = {n: (tuple(map(float, old)), tuple(map(float, new)))
                      for n, (old, new) in moves.items() if n in graph.nodes}
        text = f"Move {graph.nodes[next(iter(self.moves))].label}" if len(self.moves) == 1 \
            else f"Move {len(self.moves)} blocks"
        super().__init__(doc, text)

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveBlocksCommand) or other.slot != self.slot \
                or set(other.moves) != set(self.moves):
            return False
        self.moves = {n: (self.moves[n][0], other.moves[n][1]) for n in self.moves}
        return True

    def _apply(self, which: int) -> None:
        for node_id, pair in self.moves.items():
            if node_id in self.graph.nodes:
                self.graph.move(node_id, pair[which])
        self._edited()

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class SetParamsCommand(_GraphCommand):
    """Replace a block's parameters (the dict the person set, not the filled-in defaults)."""

    def __init__(self, doc: StudioDocument, node_id: int, params: Mapping[str, Any]) -> None:
        graph = doc.graph
        if node_id not in graph.nodes:
            raise GraphError(f"there is no block with id {node_id}")
        old = graph.nodes[node_id].params
        changed = [k for k in dict.fromkeys([*old, *params]) if old.get(k) != params.get(k)]
        what = ", ".join(changed[:3]) + ("…" if len(changed) > 3 else "")
        label = graph.nodes[node_id].label
        super().__init__(doc, f"Change {what} of {label}" if changed else f"Change {label}")
        self.node_id = node_id
        self.params = copy.deepcopy(dict(params))
        self._old: dict[str, Any] = copy.deepcopy(old)

    def redo(self) -> None:
        self._old = self.graph.set_params(self.node_id, copy.deepcopy(self.params))
        self._edited()

    def undo(self) -> None:
        self.graph.set_params(self.node_id, copy.deepcopy(self._old))
        self._edited()


class PasteCommand(_GraphCommand):
    """Add copied blocks (a ``Graph.to_dict()`` fragment) under new ids, shifted by ``offset``.

    Only edges between the copied blocks come along. ``node_ids`` lists the new ids.
    """

    def __init__(self, doc: StudioDocument, fragment: Mapping[str, Any],
                 offset: Pos = (40.0, 40.0)) -> None:
        source = Graph.from_dict(dict(fragment), where="pasted blocks")
        n = len(source.nodes)
        if not n:
            raise GraphError("there is nothing to paste")
        _check_room(doc.graph, n)
        only = next(iter(source.nodes.values())).type
        super().__init__(doc, f"Paste {only}" if n == 1 else f"Paste {n} blocks")
        self.source = source
        self.offset = (float(offset[0]), float(offset[1]))
        self.mapping: dict[int, int] = {}

    @property
    def node_ids(self) -> list[int]:
        return list(self.mapping.values())

    def redo(self) -> None:
        graph, dx, dy = self.graph, *self.offset
        for old_id, node in self.source.nodes.items():
            pos = (node.pos[0] + dx, node.pos[1] + dy)
            self.mapping[old_id] = graph.add_node(node.type, copy.deepcopy(node.params), pos,
                                                  node_id=self.mapping.get(old_id))
        for edge in self.source.edges:
            graph.connect(self.mapping[edge.src], self.mapping[edge.dst], edge.port)
        self._edited()

    def undo(self) -> None:
        for node_id in self.mapping.values():
            if node_id in self.graph.nodes:
                self.graph.remove_node(node_id)
        self._edited()


class ExpandBlockCommand(_GraphCommand):
    """Replace a composite block (a transformer layer, a Conformer block) by its parts.

    The constructor works the new network out and raises :class:`GraphError` with a sentence
    when the block cannot be expanded, so nothing is pushed then. ``node_ids`` lists the new
    blocks. Undo puts the network back exactly as it was, ids and places included.
    """

    def __init__(self, doc: StudioDocument, node_id: int) -> None:
        graph = doc.graph
        ctx = doc.check.contexts.get(doc.slot) or Context()  # else the block says what is amiss
        expanded, ids = expand_node_parts(graph, node_id, doc.registry, ctx)
        super().__init__(doc, f"Expand {_label(graph, node_id)}")
        self.node_ids = list(ids.values())
        self._before = (graph.to_dict(), graph._next_id)
        self._after = (expanded.to_dict(), expanded._next_id)

    @staticmethod
    def _load(graph: Graph, state: tuple[dict[str, Any], int]) -> None:
        fresh = Graph.from_dict(state[0])
        graph.nodes, graph.edges, graph._next_id = fresh.nodes, fresh.edges, state[1]

    def redo(self) -> None:
        self._load(self.graph, self._after)
        self._edited()

    def undo(self) -> None:
        self._load(self.graph, self._before)
        self._edited()


def copy_fragment(graph: Graph, node_ids: Iterable[int]) -> dict[str, Any]:
    """The ``to_dict()`` form of some blocks and the edges among them (for copy and paste)."""
    keep = set(node_ids)
    data = graph.to_dict()
    return {"nodes": [n for n in data["nodes"] if n["id"] in keep],
            "edges": [e for e in data["edges"] if e["from"] in keep and e["to"] in keep]}


@dataclasses.dataclass
class _Settings:
    dataset: str
    dataset_options: dict[str, Any]
    hparams: dict[str, Any]
    seed: int
    device: str


class SetSettingCommand(QUndoCommand):
    """Change one run setting by name (see ``Project.apply_setting``); undo restores exactly.

    Undo restores the whole settings state, so a hyper-parameter or dataset option that was
    absent before is absent again, and a dataset change gets its former options back.
    The constructor tries the change on a copy and raises ``ProjectError`` when refused.
    """

    def __init__(self, doc: StudioDocument, name: str, value: Any) -> None:
        project = doc.project
        trial = dataclasses.replace(project, hparams=dict(project.hparams),
                                    dataset_options=dict(project.dataset_options))
        trial.apply_setting(name, value)
        super().__init__(f"Change {name.removeprefix('dataset.')}"
                         if name != "dataset" else f"Change dataset to {value}")
        self.doc = doc
        self.name = name
        self.value = value
        self._old: _Settings | None = None

    def _state(self) -> _Settings:
        p = self.doc.project
        return _Settings(p.dataset, copy.deepcopy(p.dataset_options), copy.deepcopy(p.hparams),
                         p.seed, p.device)

    def redo(self) -> None:
        self._old = self._state()
        self.doc.project.apply_setting(self.name, self.value)
        self.doc.settings_edited()

    def undo(self) -> None:
        old, p = self._old, self.doc.project
        p.dataset, p.dataset_options, p.hparams = old.dataset, old.dataset_options, old.hparams
        p.seed, p.device = old.seed, old.device
        self._old = None
        self.doc.settings_edited()


class SetPaceCommand(QUndoCommand):
    """Change the pace the window trains at (steps per second, 0 for full speed)."""

    def __init__(self, doc: StudioDocument, rate: float) -> None:
        super().__init__(f"Speed: {pace_text(rate)}")
        self.doc = doc
        self.rate = float(rate)
        self._old = pace_of(doc.project)

    def redo(self) -> None:
        self.doc.set_pace(self.rate)

    def undo(self) -> None:
        self.doc.set_pace(self._old)
