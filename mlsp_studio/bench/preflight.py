"""``mlsp-studio check --measure``: real training steps on this device beside the time
estimated from the network's cost.

The estimate (``model/cost.py``, ``ProjectCost.time_parts``) follows what the paradigm's step
does (``model/step_work.py``) and adds its parts at the rates this device reaches on small
reference workloads (``host/rates.py``). Nothing is fitted to the network being measured.
The training steps and the reference workloads are timed in alternating rounds, so that
other work on the machine weighs on both alike, and alike within a round: the steps in
short stretches as long as the reference workloads' own, the fastest stretch kept (the one
least disturbed, as the reference workloads keep theirs); over the rounds, the middle of
each.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, fields
from typing import Any

import torch

from ..engine import Engine
from ..host.rates import measure_rates
from ..model.catalog import BLOCKS
from ..model.cost import Rates, machine_memory, project_cost
from ..model.cost_rates import UPDATE_KINDS
from ..model.project import Project, ProjectCheck

WARMUP_STEPS = 3         # first steps pay one-time costs (allocation, lazy set-up)
MEASURE_SECONDS = 1.5    # training steps are timed for about this long in all
RATES_SECONDS = 0.4      # and the reference workloads for about this long in each round
ROUNDS = 5               # alternating rounds of training steps and reference workloads
STRETCH_SECONDS = 0.02   # steps are timed in stretches of about this long
MIN_STEPS = 2            # steps a round times at least, however long they take
MAX_STEPS = 2000


@dataclass(frozen=True)
class Measured:
    """What a short headless run on ``device`` measured, and the estimate at the rates
    measured there."""

    device: str
    threads: int
    steps: int
    seconds_per_step: float
    rates: Rates
    estimated_seconds: float
    estimated_parts: dict[str, float]
    memory: int                # bytes of memory of the device trained on

    @property
    def ratio(self) -> float:
        """Measured time over estimated time."""
        return self.seconds_per_step / self.estimated_seconds if self.estimated_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "threads": self.threads, "steps": self.steps,
                "seconds_per_step": self.seconds_per_step,
                "estimated_seconds_per_step": self.estimated_seconds,
                "estimated_seconds_by_part": self.estimated_parts,
                "measured_over_estimated": self.ratio, "rates": self.rates.to_dict()}

    def text(self) -> str:
        return "\n".join([
            f"measured on {self.device} ({self.threads} threads), {self.steps} training steps:",
            f"  estimated: {self.estimated_seconds * 1000:10.3f} ms a step",
            f"  measured:  {self.seconds_per_step * 1000:10.3f} ms a step "
            f"({self.ratio:.2f} times the estimate)",
            "The estimate follows what the paradigm's step does with its networks and adds "
            "the multiply-adds, the elementwise traffic, a fixed cost per torch operation, the "
            "optimiser's updates and a fixed cost per step, at rates measured here on small "
            "reference workloads."])


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def middle_rates(measured: list[Rates]) -> Rates:
    """Each rate the middle of those measured in the rounds."""
    values = {f.name: statistics.median(getattr(r, f.name) for r in measured)
              for f in fields(Rates) if f.name not in ("updates", "measured")}
    updates = {kind: tuple(statistics.median(r.updates[kind][i] for r in measured)
                           for i in range(3)) for kind in UPDATE_KINDS}
    return Rates(**values, updates=updates, measured=True)


def update_kind(project: Project) -> str:
    """The kind of optimiser update (``UPDATE_KINDS``) the project's settings ask for."""
    name = str(project.hparams.get("optimizer", "adam"))
    momentum = float(project.hparams.get("momentum", 0.9) or 0.0)
    kind = "sgd_momentum" if name == "sgd" and momentum > 0 else name
    return kind if kind in UPDATE_KINDS else "adam"


def device_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return machine_memory()


def _time_steps(step, device: torch.device, seconds: float, limit: int) -> tuple[float, int]:
    """(seconds per step, steps) of about ``seconds`` of training steps, at most ``limit``:
    the fastest of stretches of about ``STRETCH_SECONDS`` (or one step, when longer)."""
    _sync(device)
    steps, start, fastest = 0, time.perf_counter(), float("inf")
    while steps < limit and (time.perf_counter() - start < seconds or steps < MIN_STEPS):
        count, begun = 0, time.perf_counter()
        while steps < limit and (count == 0 or time.perf_counter() - begun < STRETCH_SECONDS):
            step()
            _sync(device)
            count += 1
            steps += 1
        fastest = min(fastest, (time.perf_counter() - begun) / count)
    return fastest, steps


def measure_steps(project: Project, check: ProjectCheck,
                  seconds: float = MEASURE_SECONDS) -> Measured:
    """Train ``project`` headless for about ``seconds`` after a few warm-up steps, with the
    engine's own set-up (device, threads, data, networks, paradigm), time its steps, and
    estimate them at the reference rates of the same device and threads, measured between
    the rounds of steps."""
    engine = Engine(project.copy(), max_steps=MAX_STEPS + WARMUP_STEPS)
    engine.build()
    paradigm, device = engine.paradigm, engine.device
    for _ in range(WARMUP_STEPS):
        paradigm.step()
    kinds = (update_kind(project), "sgd")  # the project's, and the reference step's
    measure_rates(device, RATES_SECONDS / 4, kinds)  # pays the workloads' one-time costs
    per_step, rates, steps = [], [], 0
    for _ in range(ROUNDS):
        seconds_per_step, count = _time_steps(paradigm.step, device, seconds / ROUNDS,
                                              max(1, (MAX_STEPS - steps) // ROUNDS))
        per_step.append(seconds_per_step)
        steps += count
        rates.append(measure_rates(device, RATES_SECONDS, kinds))
    middle = middle_rates(rates)
    cost = project_cost(project, check, BLOCKS, device_memory(device), middle)
    return Measured(str(device), torch.get_num_threads(), steps, statistics.median(per_step),
                    middle, cost.estimated_seconds, cost.time_parts, device_memory(device))
