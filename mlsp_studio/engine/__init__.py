"""The training loop and its controls, checkpoints and run outputs. The events it sends and
its metric history live in ``spec`` (the window reads them too); they are named here as well."""

from ..spec.events import Answered, Built, Finished, MetricsBatch, Status
from ..spec.history import MetricHistory
from .engine import Engine, EngineState

__all__ = ["Answered", "Built", "Engine", "EngineState", "Finished", "MetricHistory",
           "MetricsBatch", "Status"]
