"""The training loop and its controls, the metric history, checkpoints and run outputs."""

from .engine import Engine, EngineState
from .events import Answered, Built, Finished, MetricsBatch, Status
from .history import MetricHistory

__all__ = ["Answered", "Built", "Engine", "EngineState", "Finished", "MetricHistory",
           "MetricsBatch", "Status"]
