"""What one training step of a paradigm does with its networks, for the time estimate.

A paradigm's settings (``ParadigmSpec.step_work``) say it in these terms: which networks it
runs and how often (a GAN runs its discriminator on real and generated examples and its
generator once more; the flow runs its conditioner once per coupling layer), on how many
examples (contrastive learning puts two views of each example through its encoder), whether
gradients go back through each run, how often each network's optimiser steps, and the torch
operations it runs itself around them (the flow's coupling arithmetic, altering the data).
``model/cost.py`` turns this into seconds at the rates of a device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import StudioError
from .blocks import Context

# what a backward pass does in a run: gradients for the weights and the inputs ("full", about
# twice the forward work), for the inputs only, passed on to an earlier network ("inputs",
# about the forward work again), or nothing: a forward pass without gradients ("none")
BACKWARD_KINDS = ("full", "inputs", "none")


@dataclass(frozen=True)
class Pass:
    """Runs of the network in ``slot`` in one training step: ``times`` of them (an average when
    chance decides), each over ``batch`` times the batch size examples, with the backward work
    ``backward`` (one of ``BACKWARD_KINDS``)."""

    slot: str
    times: float = 1.0
    batch: float = 1.0
    backward: str = "full"

    def __post_init__(self) -> None:
        if self.backward not in BACKWARD_KINDS:
            raise ValueError(f"unknown backward work {self.backward!r}")


@dataclass(frozen=True)
class Update:
    """One optimiser, over the weights of the networks in ``slots`` (each there ``copies``
    times: the flow's couplings, an ensemble's members), stepping ``times`` a training step."""

    slots: tuple[str, ...]
    times: float = 1.0
    copies: int = 1


@dataclass(frozen=True)
class StepWork:
    """One training step: the runs of its networks, its optimisers' updates, and the
    paradigm's own torch operations around them: ``trained_ops`` with gradients (each with
    its step back), ``plain_ops`` without (drawing noise, altering or masking the data), and
    ``values``, the numbers per example those operations read and write in all, and
    ``draws``, the random numbers per example they draw (noise, masks), and
    ``small_macs``, the multiply-adds of the forward pass of small products in a batch of
    them (one per example, each far below a dense layer's size), per example and per number
    of the vector the first network gives (its last axis: word2vec scores each random word
    against it).
    ``rounds``
    counts the rounds of loss, backward pass and update: each pays a step's fixed cost
    (reading the loss, starting the backward pass, drawing the batch). All of it counts
    beyond a plain step's own: one batch drawn, one loss of the output against a target."""

    passes: tuple[Pass, ...]
    updates: tuple[Update, ...]
    trained_ops: float = 0.0
    plain_ops: float = 0.0
    values: float = 0.0
    draws: float = 0.0
    small_macs: float = 0.0
    rounds: float = 1.0


def one_pass_each(slots: Iterable[str], **own: float) -> StepWork:
    """The usual step: every network runs once forward and backward on the batch, and one
    optimiser steps over all their weights; ``own`` sets the paradigm's own operations."""
    slots = tuple(slots)
    return StepWork(tuple(Pass(slot) for slot in slots), (Update(slots),), **own)


# operations of a cap on the gradient's norm (one norm over all the tensors at once, the
# factor worked out in a few operations, one product over all the tensors)
CLIP_OPS = 8
# operations of a random alteration of a batch for supervised training (paradigms/augment.py):
# the draws, the shifted positions worked out, gathered and scaled
AUGMENT_OPS = 15


def own_plain_ops(hparams: dict[str, Any]) -> float:
    """Operations without gradients that the shared settings add to a step: the cap on the
    gradient's norm (``grad_clip``) and supervised augmentation (``augment``)."""
    clip = CLIP_OPS if setting(hparams, "grad_clip", 0.0) > 0 else 0
    return clip + (AUGMENT_OPS if hparams.get("augment") else 0)


def example_values(contexts: dict[str, Context], slot: str, source: str = "x") -> int:
    """How many numbers one example of input ``source`` of network ``slot`` has (0 when the
    network is not fed one)."""
    ctx = contexts.get(slot)
    shape = ctx.inputs.get(source) if ctx is not None else None
    if shape is None:
        return 0
    count = 1
    for size in shape:
        count *= int(size)
    return count


def setting(hparams: dict[str, Any], name: str, default: float) -> float:
    """A number among the settings, or ``default`` when it is not there."""
    value = hparams.get(name, default)
    return float(default if value is None else value)


def paradigm_work(paradigm: str, hparams: dict[str, Any],
                  contexts: dict[str, Context]) -> StepWork | None:
    """What a step of ``paradigm`` does with these settings and networks fed ``contexts``, or
    None when the paradigm is unknown or its rule fails on them (each network then counts
    once)."""
    from .paradigms import PARADIGM_SPECS  # it holds the rules, and its specs hold these types

    try:
        return PARADIGM_SPECS.get(paradigm).work(hparams, contexts)
    except (StudioError, KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
