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


def make_optimizer(params, hparams: dict[str, Any],
                   total_steps: int = 0) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), RMSprop, Adam or AdamW from validated settings, with the
    learning-rate schedule over ``total_steps`` attached: it advances after every step."""
    name, lr, wd = hparams["optimizer"], hparams["lr"], hparams["weight_decay"]
    nesterov = bool(hparams.get("nesterov", False))
    if nesterov and (name != "sgd" or hparams["momentum"] <= 0):
        raise ParamError("Nesterov momentum works with the sgd optimizer and a momentum above "
                         "0; set optimizer=sgd and momentum (e.g. 0.9), or turn nesterov off")
    if name == "sgd":
        optimizer = torch.optim.SGD(params, lr=lr, momentum=hparams["momentum"],
                                    nesterov=nesterov, weight_decay=wd)
    elif name == "rmsprop":
        optimizer = torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    elif name == "adam":
        optimizer = torch.optim.Adam(params, lr=lr, weight_decay=wd)
    elif name == "adamw":
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    else:
        raise ValueError(f"unknown optimizer {name!r}")
    schedule, warmup = hparams.get("schedule", "constant"), int(hparams.get("warmup_steps", 0))
    if schedule != "constant" or warmup > 0:
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: lr_factor(step, schedule, warmup, total_steps))
        optimizer.register_step_post_hook(lambda *_: scheduler.step())
        optimizer.schedule = scheduler  # kept with the optimiser it drives
    return optimizer
