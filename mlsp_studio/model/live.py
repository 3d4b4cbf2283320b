"""Which edits a running run can take at its next step instead of starting over."""

from __future__ import annotations

from typing import Any

from .catalog import BLOCKS
from .project import Project
from .setting_kinds import TRAINING, setting_kind

Change = tuple[str, Any]


def live_changes(running: Project, edited: Project) -> list[Change] | None:
    """The changes from ``running`` to ``edited`` as ``(setting, value)`` pairs for
    ``Engine.set_live``, or None when any of them needs a fresh run.

    Taken by the running run: the ``LIVE`` and ``VIEW`` settings (``setting_kinds.py``: a
    learning rate, a sample's length) and the rate ``p`` of a Dropout block (given as
    ``("dropout", (slot, node_id, p))``). Anything else — another block, edge, dataset,
    seed, device or setting — needs a new run."""
    if (running.paradigm, running.dataset, running.dataset_options, running.seed,
            running.device) != (edited.paradigm, edited.dataset, edited.dataset_options,
                                edited.seed, edited.device):
        return None
    changes: list[Change] = []
    for name in sorted(set(running.hparams) | set(edited.hparams)):
        before, after = running.hparams.get(name), edited.hparams.get(name)
        if before != after:
            if after is None or setting_kind(edited.paradigm, name) == TRAINING:
                return None
            changes.append((name, after))
    if set(running.slots) != set(edited.slots):
        return None
    default_p = BLOCKS.get("Dropout").params.get("p").default
    for slot, graph in edited.slots.items():
        old = running.slots[slot]
        if set(old.edges) != set(graph.edges) or set(old.nodes) != set(graph.nodes):
            return None
        for node_id, node in graph.nodes.items():
            was = old.nodes[node_id]
            if was.type != node.type:
                return None
            if was.params == node.params:
                continue  # unchanged, or only moved on the canvas
            if node.type != "Dropout" or _without_p(was.params) != _without_p(node.params):
                return None
            changes.append(("dropout", (slot, node_id, node.params.get("p", default_p))))
    return changes


def _without_p(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "p"}


# -- the pace a run is watched at ------------------------------------------------------------

PACES = (0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)  # steps per second; 0 = full speed
MAX_PACE = 100_000.0


def pace_of(project: Project) -> float:
    """The steps per second the window trains ``project`` at (its ``ui.pace``); 0 is full
    speed, and so is anything that is not a sensible pace."""
    value = project.ui.get("pace", 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if 0 < value <= MAX_PACE else 0.0


def pace_text(rate: float) -> str:
    """``Full speed``, ``1 step/s``, ``300 steps/s``."""
    if rate <= 0:
        return "Full speed"
    shown = f"{rate:,.0f}" if rate >= 1 else f"{rate:g}"
    return f"{shown} step/s" if rate == 1 else f"{shown} steps/s"
