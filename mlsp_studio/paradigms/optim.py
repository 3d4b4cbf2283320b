"""Optimisers from settings, shared by the paradigms that train with gradient descent."""

from __future__ import annotations

from typing import Any

import torch


def make_optimizer(params, hparams: dict[str, Any]) -> torch.optim.Optimizer:
    """SGD (with momentum when > 0), Adam or AdamW, from validated settings."""
    name, lr, wd = hparams["optimizer"], hparams["lr"], hparams["weight_decay"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=hparams["momentum"], weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    raise ValueError(f"unknown optimizer {name!r}")
