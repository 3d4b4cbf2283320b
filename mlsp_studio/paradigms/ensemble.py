"""Ensembles: K copies of one network, each from its own random start, trained side by side;
their predictions are averaged (class probabilities for classes, outputs for numbers), which
is usually better than any single member because their mistakes differ."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator

import torch
from torch.nn.parallel import DistributedDataParallel

MEMBER_SEED_STEP = 7919  # member k starts from seed + k * this: far apart, reproducible


class Ensemble(torch.nn.Module):
    """The members as one module whose output is their average prediction.

    Member 0 is the network the engine built (and saves); the others are deep copies with
    their weights drawn afresh. For classes the output is the log of the averaged
    probabilities, so cross-entropy, argmax and softmax read it like any network's scores."""

    def __init__(self, model: torch.nn.Module, k: int, seed: int, classify: bool) -> None:
        super().__init__()
        self.members = torch.nn.ModuleList(
            [model, *(_fresh_copy(model, seed + i * MEMBER_SEED_STEP) for i in range(1, k))])
        self.classify = classify
        self._best: list[dict[str, torch.Tensor]] = []
        self._best_loss = math.inf

    def __len__(self) -> int:
        return len(self.members)

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        outs = torch.stack([member(*inputs) for member in self.members])  # (K, B, ...)
        if not self.classify:
            return outs.mean(0)
        # log of the mean probability, without leaving log space (no underflow to -inf)
        return torch.logsumexp(torch.log_softmax(outs, -1), 0) - math.log(len(self.members))

    def member_parameters(self) -> Iterator[torch.nn.Parameter]:
        """Every member's weights, for one optimiser over disjoint sets (the same updates as
        one optimiser per member: Adam, RMSprop and SGD work weight by weight)."""
        return (p for member in self.members for p in member.parameters())

    def note_val_loss(self, loss: float) -> None:
        """Keep the other members' weights at the best validation loss, as the engine's early
        stopping keeps member 0's, so the restored ensemble belongs to one moment."""
        if math.isfinite(loss) and loss < self._best_loss:
            self._best_loss = loss
            self._best = [{k: v.detach().clone() for k, v in m.state_dict().items()}
                          for m in self.members[1:]]

    def restore_best(self) -> None:
        with torch.no_grad():
            for member, state in zip(self.members[1:], self._best, strict=False):
                member.load_state_dict(state)


def _fresh_copy(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """A copy of ``model`` whose layers draw their starting weights again from ``seed``."""
    if isinstance(model, DistributedDataParallel):  # on several processes: the network
        model = model.module                         # itself, the wrapper stays member 0's
    twin = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):  # the global stream (dropout…) stays as it was
        torch.manual_seed(seed)
        with torch.no_grad():
            for module in twin.modules():
                if module is not twin and hasattr(module, "reset_parameters"):
                    module.reset_parameters()
    return twin
