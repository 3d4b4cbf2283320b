"""The protocol every paradigm follows, so the engine never branches on which one runs."""

from __future__ import annotations

from typing import Any, Protocol

import torch

from ..model.project import Project
from ..snapshots.kinds import Snapshot


class NonFiniteLoss(ArithmeticError):
    """The loss of a step came out NaN or infinite; the step's update was not applied."""

    def __init__(self, value: float) -> None:
        super().__init__(f"the loss became {value}")
        self.value = value


class Paradigm(Protocol):
    """One way of training. It owns its optimisers and the networks' roles.

    ``step`` runs one optimisation step and returns the step's scalars (at least ``loss``);
    it raises :class:`NonFiniteLoss` *before* touching the weights when the loss is not finite.
    ``evaluate(split)`` returns metrics on ``"train"``, ``"val"`` or ``"test"``.
    ``visualize(kinds)`` returns snapshots for the kinds asked for (a subset of
    ``visual_kinds``), computed under ``torch.inference_mode()`` by the paradigm itself.
    """

    visual_kinds: frozenset[str]
    epoch: int
    steps_per_epoch: int

    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None: ...

    def step(self) -> dict[str, float]: ...

    def evaluate(self, split: str = "val") -> dict[str, float]: ...

    # Optional: ``extra_nets() -> dict[str, torch.nn.Module]``, networks the paradigm makes
    # itself besides the slots' (a flow's other couplings), named "<slot>.<n>"; the engine
    # keeps them with the slots' in checkpoints, saved weights and forks.

    def visualize(self, kinds: set[str]) -> list[Snapshot]: ...

    def set_visual_option(self, name: str, value: Any) -> None: ...

    def final_metrics(self) -> dict[str, float]: ...

    # Optional: ``final_note(final) -> str`` says in words what the final metrics mean when
    # something went wrong without a crash (a GAN that collapsed onto a few modes); the
    # engine adds it to the run's message.
