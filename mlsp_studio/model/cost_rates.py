"""How fast a device does each kind of work in a training step (``model/cost.py`` turns a
step's work into seconds with them): measured on small reference workloads by
``host/rates.py`` (in the training process when it starts, and by ``mlsp-studio check
--measure``), or assumed for a laptop CPU when nothing was measured."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# the optimisers whose updates are timed apart, each (seconds per step whatever it holds,
# per weight tensor, per weight): PyTorch's CPU optimisers walk the tensors one by one, a few
# operations each, and then touch every weight and its state a few times
UPDATE_KINDS = ("sgd", "sgd_momentum", "rmsprop", "adam", "adamw")
LAPTOP_UPDATES = {"sgd": (20e-6, 3e-6, 0.5e-9), "sgd_momentum": (25e-6, 10e-6, 1e-9),
                  "rmsprop": (30e-6, 25e-6, 2e-9), "adam": (35e-6, 35e-6, 3e-9),
                  "adamw": (35e-6, 40e-6, 3.5e-9)}


@dataclass(frozen=True)
class Rates:
    """How fast a device does each kind of work in a training step; the defaults are those
    assumed for a laptop CPU when nothing was measured."""

    macs_per_second: float = 1e10      # multiply-adds of matrix products, forward and backward
    bytes_per_second: float = 5e9      # elementwise work: bytes read and written
    seconds_per_op: float = 10e-6      # a torch operation with gradients and its backward step
    seconds_per_plain_op: float = 5e-6  # a torch operation without gradients
    seconds_per_step: float = 200e-6   # the step's own fixed cost
    seconds_per_draw: float = 10e-9    # a random number drawn (dropout, noise)
    seconds_per_conv: float = 200e-6   # a convolution's set-up, forward and backward
    seconds_per_plain_conv: float = 80e-6  # and forward only, without gradients
    small_macs_per_second: float = 5e8  # of small products in a batch of them, and backward
    seconds_per_block: float = 3e-6    # a block's call in the studio's network, beyond its ops
    seconds_per_head: float = 10e-6    # attention's fixed cost per example and head, and back
    seconds_per_plain_head: float = 3e-6  # and forward only, without gradients
    # the optimiser's update by kind (UPDATE_KINDS): seconds per step, per weight tensor and
    # per weight
    updates: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: dict(LAPTOP_UPDATES))
    measured: bool = False             # True when measured on this device

    def update_seconds(self, optimizer: str, momentum: float, tensors: int,
                       weights: int) -> float:
        """One step of ``optimizer`` over ``tensors`` weight tensors holding ``weights``."""
        kind = "sgd_momentum" if optimizer == "sgd" and momentum > 0 else optimizer
        per_step, per_tensor, per_weight = self.updates.get(kind, LAPTOP_UPDATES["adam"])
        return per_step + tensors * per_tensor + weights * per_weight

    def to_dict(self) -> dict[str, Any]:
        return {"macs_per_second": self.macs_per_second,
                "bytes_per_second": self.bytes_per_second,
                "seconds_per_op": self.seconds_per_op,
                "seconds_per_plain_op": self.seconds_per_plain_op,
                "seconds_per_step": self.seconds_per_step,
                "seconds_per_draw": self.seconds_per_draw,
                "seconds_per_conv": self.seconds_per_conv,
                "seconds_per_plain_conv": self.seconds_per_plain_conv,
                "small_macs_per_second": self.small_macs_per_second,
                "seconds_per_block": self.seconds_per_block,
                "seconds_per_head": self.seconds_per_head,
                "seconds_per_plain_head": self.seconds_per_plain_head,
                "updates": {k: list(v) for k, v in self.updates.items()},
                "measured": self.measured}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rates:
        """The rates of :meth:`to_dict` (as another process sent them); a rate that is
        missing or not a positive number keeps its assumed value."""
        def rate(value: Any, default: float) -> float:
            ok = isinstance(value, int | float) and not isinstance(value, bool) \
                and math.isfinite(value) and value > 0
            return float(value) if ok else default
        base = cls()
        updates = dict(base.updates)
        given = data.get("updates")
        for kind in UPDATE_KINDS:
            pair = given.get(kind) if isinstance(given, dict) else None
            if isinstance(pair, list | tuple) and len(pair) == 3:
                updates[kind] = tuple(rate(v, d) for v, d in zip(pair, updates[kind],
                                                                  strict=True))
        return cls(**{name: rate(data.get(name), getattr(base, name))
                      for name in ("macs_per_second", "bytes_per_second", "seconds_per_op",
                                   "seconds_per_plain_op", "seconds_per_step",
                                   "seconds_per_draw", "seconds_per_conv",
                                   "seconds_per_plain_conv", "small_macs_per_second",
                                   "seconds_per_block", "seconds_per_head",
                                   "seconds_per_plain_head")},
                   updates=updates, measured=bool(data.get("measured", False)))
