"""The training loop and its controls, the metric history, checkpoints and run outputs."""

from .engine import Engine, EngineState
from .events import Built, Finished, MetricsBatch, Status
from .history import MetricHistory

__all__ = ["Built", "Engine", "EngineState", "Finished", "MetricHistory", "MetricsBatch", "Status"]
