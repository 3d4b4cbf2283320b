"""What the engine tells its sink, and what the training process tells the window.

Plain frozen data: safe to hand to any thread, and to send between the processes (see
``wire``). The first five come from the engine itself; the rest from the training process
that hosts it under the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MetricsBatch:
    """Scalars since the last batch, as (step, split, metric, value) tuples."""

    records: tuple[tuple[int, str, str, float], ...]


@dataclass(frozen=True)
class Status:
    """Where the run stands. ``state`` is an :class:`~.engine.EngineState` value."""

    state: str
    step: int
    epoch: int
    total_steps: int
    steps_per_second: float
    elapsed: float
    device: str
    message: str = ""
    cpu_seconds: float = 0.0  # the training thread's CPU time in the loop (for the bench)


@dataclass(frozen=True)
class Finished:
    """The run ended (its step budget is spent, or it was stopped); ``final`` holds metrics."""

    step: int
    seconds: float
    final: tuple[tuple[str, float], ...]
    reason: str


@dataclass(frozen=True)
class Built:
    """The engine is ready: data made, networks compiled. ``visual_kinds`` can be asked for."""

    visual_kinds: tuple[str, ...]
    device: str
    total_steps: int


@dataclass(frozen=True)
class Answered:
    """Every picture asked for by a changed visual option (a new prompt, another example)
    has been sent: a window waiting on them can draw now."""

    step: int


# -- from the training process ---------------------------------------------------------------

@dataclass(frozen=True)
class Ready:
    """The training process has imported PyTorch and paid its start-up costs. ``rates`` are
    the rates of work its device reached on small reference workloads when it started
    (``Rates.to_dict()``, ``model/cost_rates.py``), for the window's estimate of a step's
    time; None when they could not be measured."""

    torch_version: str
    threads: int
    cuda: bool
    pid: int
    rates: dict[str, Any] | None = None


@dataclass(frozen=True)
class Failed:
    """The training process could not start (PyTorch missing or broken), in a sentence."""

    message: str


@dataclass(frozen=True)
class Kept:
    """Weights of a run written to disk: ``files`` is ((step, ((network, path), ...)), ...),
    every checkpoint kept so far (the final weights once the run finished)."""

    files: tuple[tuple[int, tuple[tuple[str, str], ...]], ...]


@dataclass(frozen=True)
class Ended:
    """The run's training thread has ended (after Stop, or when a new run replaced it)."""

    step: int


@dataclass(frozen=True)
class Reply:
    """The answer to a request (``request`` is its number): ``ok``, and a sentence."""

    request: int
    ok: bool
    message: str = ""
