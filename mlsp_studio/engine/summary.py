"""What a run's ``summary.json`` holds, from its engine."""

from __future__ import annotations

import math
from typing import Any

from ..model.splits import split_sentence


def run_summary(engine: Any) -> dict[str, Any]:
    """What ``summary.json`` holds."""
    final = dict(engine.finished.final) if engine.finished else {}
    seconds = engine.elapsed
    return {
        "project": engine.project.name,
        "paradigm": engine.project.paradigm,
        "dataset": engine.project.dataset,
        "seed": engine.project.seed,
        "parent": engine.parent,
        "differs": list(engine.differs),
        "device": str(engine.device),
        "steps": engine.step_count,
        "epochs": engine.paradigm.epoch if engine.paradigm is not None else 0,
        "seconds": round(seconds, 4),
        "steps_per_second": round(engine.step_count / seconds, 2) if seconds > 0 else 0.0,
        **engine._world_summary(engine.step_count / seconds if seconds > 0 else 0.0,
                                int(getattr(engine.paradigm, "batch_size", 0) or 0)),
        "state": engine.state.value,
        "message": engine.message,
        "parameters": {slot: int(sum(p.numel() for p in net.parameters()))
                       for slot, net in engine.nets.items()},
        "final": {k: (int(v) if k.endswith("_params") else v) if math.isfinite(v) else None
                  for k, v in final.items()},
        "split": split_entry(engine.data),
    }


def split_entry(data: Any) -> dict[str, Any] | None:
    """How the run's data was split: ``method`` (random, test_file, group, range), ``seed``
    (the data's), what was held out (``test_groups``, ``range``, ``test_path``...), the
    ``sizes`` of train, val and test, and all that in ``words``."""
    if data is None:
        return None
    info = dict(data.split) or {"method": "random"}
    info.setdefault("seed", data.options.get("data_seed", data.options.get("split_seed")))
    info["sizes"] = {"train": len(data.train), "val": len(data.val), "test": len(data.test)}
    info["words"] = split_sentence(info)
    return info
