"""The training loop and its controls, checkpoints and run outputs. The events it sends and
its metric history live in ``messages`` (the window reads them too); they are named here as well."""

from ..messages.events import Answered, Built, Finished, MetricsBatch, Status
from ..messages.history import MetricHistory
from .engine import Engine, EngineState

__all__ = ["Answered", "Built", "Engine", "EngineState", "Finished", "MetricHistory",
           "MetricsBatch", "Status"]
