"""The training loop and its controls, the process that hosts it under the window,
checkpoints and run outputs.

Importing the package costs nothing: the window imports ``engine.entry`` (to start the
training process) and must not load torch, so the names below are loaded when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {"Engine": ".engine", "EngineState": ".engine",
          "Answered": "..spec.events", "Built": "..spec.events", "Finished": "..spec.events",
          "MetricsBatch": "..spec.events", "Status": "..spec.events",
          "MetricHistory": "..spec.history"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)
