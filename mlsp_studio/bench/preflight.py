"""``mlsp-studio check --measure``: a few real training steps on this device beside the
time estimated from the network's cost.

The estimate (``model/cost.py``, ``ProjectCost.time_parts``) adds four parts, each at a rate
this device reaches on a small reference workload measured here: the multiply-adds at the
rate of a 512 x 512 matrix product, the activations' elementwise traffic at the rate of a
large elementwise product, and fixed costs per layer and per step from a training loop over
chains of tiny dense layers. Nothing is fitted to the network being measured, so what the
references leave out (a paradigm's own work, the loss, the batching, several passes through
a network in one step) shows as a ratio above 1.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch

from ..engine import Engine
from ..model.catalog import BLOCKS
from ..model.cost import Rates, machine_memory, project_cost
from ..model.project import Project, ProjectCheck

WARMUP_STEPS = 3         # first steps pay one-time costs (allocation, lazy set-up)
MEASURE_SECONDS = 1.0    # training steps are timed for about this long
MAX_STEPS = 2000
REFERENCE_SIZE = 512     # the reference product multiplies two 512 x 512 matrices
REFERENCE_VALUES = 4_000_000  # the reference elementwise product, 16 MB in and 16 MB out
REFERENCE_SECONDS = 0.2  # each reference workload runs about this long
SHORT_CHAIN, LONG_CHAIN = 1, 9  # tiny dense layers in the two reference training loops


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
            "The estimate adds the multiply-adds, the elementwise traffic and fixed costs per "
            "layer and per step, at rates measured on small reference workloads; a paradigm's "
            "own work (its loss, batching, several passes in one step) and a recurrent "
            "layer's steps taken one after another are not in it."])


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _rate(device: torch.device, work, amount: float, seconds: float) -> float:
    """``amount`` per second of calling ``work()`` repeatedly on ``device``."""
    for _ in range(3):
        work()
    _sync(device)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(4):
            work()
        count += 4
        _sync(device)
    return count * amount / (time.perf_counter() - start)


def _chain_seconds(device: torch.device, layers: int, seconds: float) -> float:
    """Seconds a training step of ``layers`` tiny dense layers takes, with Adam."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(*[torch.nn.Linear(4, 4) for _ in range(layers)]).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(2, 4, device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        net(x).square().mean().backward()
        optimizer.step()
    return 1.0 / _rate(device, step, 1.0, seconds)


def reference_rates(device: torch.device, seconds: float = REFERENCE_SECONDS) -> Rates:
    """The rates of :class:`Rates` measured on ``device`` with the reference workloads."""
    a = torch.randn(REFERENCE_SIZE, REFERENCE_SIZE, device=device)
    b = torch.randn(REFERENCE_SIZE, REFERENCE_SIZE, device=device)
    macs = _rate(device, lambda: a @ b, REFERENCE_SIZE ** 3, seconds)
    x = torch.randn(REFERENCE_VALUES, device=device)
    y = torch.empty_like(x)
    traffic = _rate(device, lambda: torch.mul(x, 2.0, out=y), 2 * 4 * REFERENCE_VALUES,
                    seconds)
    # alternated, and the middle of three, so that a burst of other work on the machine
    # does not land on one of the two alone
    pairs = [(_chain_seconds(device, SHORT_CHAIN, seconds / 3),
              _chain_seconds(device, LONG_CHAIN, seconds / 3)) for _ in range(3)]
    short = statistics.median(p[0] for p in pairs)
    long = statistics.median(p[1] for p in pairs)
    per_layer = max(long - short, 0.0) / (LONG_CHAIN - SHORT_CHAIN)
    return Rates(macs, traffic, per_layer, max(short - SHORT_CHAIN * per_layer, 0.0),
                 measured=True)


def device_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return machine_memory()


def measure_steps(project: Project, check: ProjectCheck,
                  seconds: float = MEASURE_SECONDS) -> Measured:
    """Train ``project`` headless for about ``seconds`` after a few warm-up steps, with the
    engine's own set-up (device, threads, data, networks, paradigm), time its steps, and
    estimate them at the reference rates of the same device and threads."""
    engine = Engine(project.copy(), max_steps=MAX_STEPS)
    engine.build()
    paradigm, device = engine.paradigm, engine.device
    for _ in range(WARMUP_STEPS):
        paradigm.step()
    _sync(device)
    steps, start = 0, time.perf_counter()
    while steps < MAX_STEPS and (time.perf_counter() - start < seconds or steps < 3):
        paradigm.step()
        steps += 1
    _sync(device)
    per_step = (time.perf_counter() - start) / steps
    rates = reference_rates(device)
    cost = project_cost(project, check, BLOCKS, device_memory(device), rates)
    return Measured(str(device), torch.get_num_threads(), steps, per_step, rates,
                    cost.estimated_seconds, cost.time_parts, device_memory(device))
