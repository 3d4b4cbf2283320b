"""Early stopping: stop when the validation loss has not improved for a while, and go back to
the weights it had at its best."""

from __future__ import annotations

import math

import torch


class EarlyStopping:
    """Follows the best validation loss seen so far, and keeps a copy of the weights there.

    ``patience`` is how many validation checks in a row may pass without a better loss
    before :meth:`update` says to stop; 0 turns stopping off (the best loss is still
    followed, but no copies are kept).
    """

    def __init__(self, patience: int) -> None:
        self.patience = max(0, int(patience))
        self.best_loss = math.inf
        self.best_step: int | None = None
        self.checks_since_best = 0
        self._best: dict[str, dict[str, torch.Tensor]] = {}

    @property
    def enabled(self) -> bool:
        return self.patience > 0

    def update(self, step: int, val_loss: float, nets: dict[str, torch.nn.Module]) -> bool:
        """Note the validation loss after ``step``; True when training should stop now."""
        if not math.isfinite(val_loss):
            return False
        if val_loss < self.best_loss:
            self.best_loss, self.best_step, self.checks_since_best = val_loss, step, 0
            if self.enabled:
                self._best = {slot: {k: v.detach().clone() for k, v in net.state_dict().items()}
                              for slot, net in nets.items()}
            return False
        if not self.enabled:
            return False
        self.checks_since_best += 1
        return self.checks_since_best >= self.patience

    def restore(self, nets: dict[str, torch.nn.Module]) -> bool:
        """Put the best weights back; False when there are none to put back."""
        if not self._best:
            return False
        with torch.no_grad():
            for slot, net in nets.items():
                if slot in self._best:
                    net.load_state_dict(self._best[slot])
        return True
