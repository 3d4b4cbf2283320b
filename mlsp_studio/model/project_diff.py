"""What differs between two projects, in short phrases ("lr 0.01 → 0.001"), for the run list
and a forked run's summary."""

from __future__ import annotations

from typing import Any

from .graph import Graph
from .project import Project

MAX_BLOCK_LINES = 3  # more changed blocks in one network than this are summed up


def project_differences(old: Project, new: Project) -> list[str]:
    """Phrases naming each setting, dataset option, seed and network change from ``old`` to
    ``new``; the name, description, layout and variants are not settings and are ignored."""
    out: list[str] = []
    if old.paradigm != new.paradigm:
        out.append(f"training {old.paradigm} → {new.paradigm}")
    if old.dataset != new.dataset:
        out.append(f"dataset {old.dataset} → {new.dataset}")
    else:
        out += _values(old.dataset_options, new.dataset_options, _dataset_defaults(new.dataset))
    defaults = _paradigm_defaults(new.paradigm) if old.paradigm == new.paradigm else {}
    out += _values(old.hparams, new.hparams, defaults)
    if old.seed != new.seed:
        out.append(f"seed {old.seed} → {new.seed}")
    if old.device != new.device:
        out.append(f"device {old.device} → {new.device}")
    several = len(set(old.slots) | set(new.slots)) > 1
    for slot in [*old.slots, *(s for s in new.slots if s not in old.slots)]:
        if slot not in new.slots:
            out.append(f"network {slot} removed")
        elif slot not in old.slots:
            out.append(f"network {slot} added")
        else:
            lines = graph_differences(old.slots[slot], new.slots[slot])
            out += [f"{slot}: {line}" if several else line for line in lines]
    return out


def graph_differences(old: Graph, new: Graph) -> list[str]:
    """Blocks added, removed, retyped or with changed settings; edges rewired. Positions on
    the canvas are not a change to the network."""
    added = [new.nodes[i] for i in new.nodes if i not in old.nodes]
    removed = [old.nodes[i] for i in old.nodes if i not in new.nodes]
    lines: list[str] = []
    changed = 0
    for i, node in old.nodes.items():
        other = new.nodes.get(i)
        if other is None:
            continue
        if other.type != node.type:
            lines.append(f"{node.type} → {other.type}")
            changed += 1
            continue
        params = _values(node.params, other.params, {})
        if params:
            changed += 1
            lines += [f"{node.type} {p}" for p in params]
    old_edges = {(e.src, e.dst, e.port) for e in old.edges}
    new_edges = {(e.src, e.dst, e.port) for e in new.edges}
    rewired = old_edges != new_edges and not added and not removed
    if len(lines) + len(added) + len(removed) > MAX_BLOCK_LINES:
        parts = [f"{len(added)} block{_s(added)} added" if added else "",
                 f"{len(removed)} removed" if removed else "",
                 f"{changed} changed" if changed else ""]
        return ["network changed: " + ", ".join(p for p in parts if p)]
    lines = [f"{n.type} added" for n in added] + [f"{n.type} removed" for n in removed] + lines
    if rewired:
        lines.append("connections changed")
    return lines


def _values(old: dict[str, Any], new: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """``name a → b`` for each value that differs; a missing value counts as its default."""
    out = []
    for name in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(name, defaults.get(name)), new.get(name, defaults.get(name))
        if a != b:
            out.append(f"{name} {_show(a)} → {_show(b)}")
    return out


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def _s(items: list) -> str:
    return "" if len(items) == 1 else "s"


def _paradigm_defaults(name: str) -> dict[str, Any]:
    from .paradigms import PARADIGM_SPECS

    try:
        return PARADIGM_SPECS.get(name).hparams.defaults()
    except Exception:  # an unknown paradigm: compare the values as stored
        return {}


def _dataset_defaults(name: str) -> dict[str, Any]:
    from .datasets import DATASET_SPECS

    try:
        return DATASET_SPECS.get(name).options.defaults()
    except Exception:  # an unknown dataset: compare the values as stored
        return {}
