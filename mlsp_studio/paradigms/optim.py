"""Optimisers and learning-rate schedules from settings, shared by the paradigms that train
with gradient descent."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..errors import ParamError


def lr_factor(step: int, schedule: str, warmup: int, total: int) -> float:
    """What the learning rate is multiplied by after ``step`` optimiser steps.

    A linear warm-up over ``warmup`` steps, times the schedule over ``total`` steps:
    ``constant`` 1; ``step`` 0.1 from half the steps and 0.01 from three quarters;
    ``cosine`` half a cosine from 1 down to 0.
    """
    factor = min(1.0, (step + 1) / warmup) if warmup > 0 else 1.0
    total = max(1, total)
    if schedule == "step":
        factor *= 0.1 ** ((step >= total // 2) + (step >= 3 * total // 4))
    elif schedule == "cosine":
        factor *= 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    elif schedule != "constant":
        raise ValueError(f"unknown learning-rate schedule {schedule!r}")
    return factor


def new_optimizer(params, name, lr, weight_decay=0.0, momentum=0.0, nesterov=False,
                  betas=None):
    """The optimiser ``name`` (sgd, rmsprop, adam or adamw) over ``params``; ``momentum`` and
    ``nesterov`` are SGD's, ``betas`` (the decay of Adam's two running averages) Adam's."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=nesterov,
                               weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    adam = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}.get(name)
    if adam is None:
        raise ValueError(f"unknown optimizer {name!r}")
    extra = {} if betas is None else {"betas": betas}
    return adam(params, lr=lr, weight_decay=weight_decay, **extra)


def attach_schedule(optimizer, schedule, warmup, total):
    """``optimizer`` with the learning-rate schedule over ``total`` steps attached: the rate
    becomes lr x lr_factor(step, ...) and moves on after every step of the optimiser. A
    constant schedule without warm-up leaves the optimiser as it is."""
    if schedule != "constant" or warmup > 0:
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: lr_factor(step, schedule, warmup, total))
        optimizer.register_step_post_hook(lambda *_: scheduler.step())
        optimizer.schedule = scheduler  # kept with the optimiser it drives
    return optimizer


def make_optimizer(params, hparams: dict[str, Any], total_steps: int = 0,
                   betas: tuple[float, float] | None = None) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), RMSprop, Adam or AdamW from validated settings, with the
    learning-rate schedule over ``total_steps`` attached: it advances after every step."""
    name = hparams["optimizer"]
    nesterov = bool(hparams.get("nesterov", False))
    if nesterov and (name != "sgd" or hparams["momentum"] <= 0):
        raise ParamError("Nesterov momentum works with the sgd optimizer and a momentum above "
                         "0; set optimizer=sgd and momentum (e.g. 0.9), or turn nesterov off")
    optimizer = new_optimizer(params, name, hparams["lr"], hparams["weight_decay"],
                              hparams.get("momentum", 0.0), nesterov, betas)
    return attach_schedule(optimizer, hparams.get("schedule", "constant"),
                           int(hparams.get("warmup_steps", 0)), total_steps)
