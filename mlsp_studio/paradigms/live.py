"""Settings that change while a run trains, applied between two steps: the learning rate,
weight decay, gradient clipping, batch size, data augmentation (on/off and strength) and a
Dropout block's rate.

A paradigm takes part through what it already has: ``optimizer`` (its one optimiser),
``hparams`` (read at every step, e.g. ``augment``), ``batch_size``, ``augmenter`` (which data
it alters) and ``copies`` (slot → further copies of that network, e.g. an ensemble's members,
whose Dropout rates follow); a setting it has no use for is refused in words.
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import ParamError
from ..model.paradigms import LIVE_SETTINGS
from .augment import refusal


def apply_live(paradigm: Any, nets: dict[str, torch.nn.Module], name: str, value: Any) -> None:
    """Change ``name`` to ``value`` (already checked against its range) in ``paradigm``.

    ``dropout`` takes ``(slot, node_id, p)``: the rate of one Dropout block. The change is in
    effect for the very next step."""
    if name not in LIVE_SETTINGS:
        raise ParamError(f"{name} cannot change while training; the ones that can are "
                         f"{', '.join(LIVE_SETTINGS)}")
    if name == "dropout":
        slot, node_id, p = value
        block = nets[slot].blocks[f"n{node_id}"] if slot in nets else None
        if not isinstance(block, torch.nn.Dropout):
            raise ParamError(f"there is no Dropout block {node_id} in the {slot} network")
        block.p = float(p)
        for twin in getattr(paradigm, "copies", {}).get(slot, ()):  # an ensemble's members
            twin.blocks[f"n{node_id}"].p = float(p)
        return
    if name == "augment" and value:
        augmenter = getattr(paradigm, "augmenter", None)
        if augmenter is not None and (why := refusal(augmenter.kind)):
            raise ParamError(why)
    if name == "batch_size":
        if not hasattr(paradigm, "batch_size"):
            raise ParamError("this kind of training has no batch size to change while it runs")
        batches = getattr(paradigm, "batches", None)
        size = max(1, min(int(value), batches.n if batches is not None else int(value)))
        paradigm.batch_size = size
        if batches is not None:
            batches.batch_size = size
    elif name in ("lr", "weight_decay"):
        optimizer = getattr(paradigm, "optimizer", None)
        if optimizer is None:
            raise ParamError(f"this kind of training has several optimisers; its {name} "
                             "changes when the run starts over")
        _set_group_value(optimizer, name, float(value))
    paradigm.hparams[name] = value


def _set_group_value(optimizer: torch.optim.Optimizer, name: str, value: float) -> None:
    schedule = getattr(optimizer, "schedule", None)
    for k, group in enumerate(optimizer.param_groups):
        if name == "lr" and schedule is not None:  # the schedule scales the new base rate
            schedule.base_lrs[k] = value
            group["lr"] = value * schedule.lr_lambdas[k](schedule.last_epoch)
        else:
            group[name] = value
