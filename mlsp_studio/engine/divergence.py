"""When a loss turns NaN or infinite: the step's update is not applied (the paradigm raises
``NonFiniteLoss`` first), the weights go back to the last in-memory copy if they are no longer
finite, and the run says in words where it diverged and what to try. Mixed into
:class:`~.engine.Engine`, which takes the copy every ``SAFE_COPY_EVERY_S``."""

from __future__ import annotations

import torch

from ..paradigms.base import NonFiniteLoss
from .controls import EngineState


class DivergenceGuard:
    """The engine's fallback weights and its message when training diverges."""

    def _take_safe_copy(self) -> None:
        self._safe_state = {slot: {k: v.detach().clone() for k, v in net.state_dict().items()}
                            for slot, net in self.nets.items()}
        self._safe_step = self.step_count

    def _weights_finite(self) -> bool:
        return all(torch.isfinite(p).all().item() for net in self.nets.values()
                   for p in net.parameters())

    def _diverged(self, err: NonFiniteLoss) -> None:
        step = self.step_count + 1
        text = f"training diverged at step {step}: {err}"
        if self._last_finite is not None:
            text += f"; the last finite loss was {self._last_finite[1]:.4g} at step " \
                    f"{self._last_finite[0]}"
        if not self._weights_finite():
            for slot, net in self.nets.items():
                net.load_state_dict(self._safe_state[slot])
            text += f"; the weights were restored from step {self._safe_step}"
        else:
            text += "; the weights are kept as they were before that step"
        text += ". Try a smaller learning rate."
        self.state, self.message = EngineState.DIVERGED, text
        self.diverged_at = step
        self._flush_metrics()
        self._emit_status()
