"""How often a headless run validates at the least, so its curves have points to draw.

Under the window validation follows the clock and the epochs (``Engine._loop``): about 2 % of
the time, at most once an epoch unless the project sets ``eval_every``. A short run on the
command line (``--steps 200``, ``--seconds 5``) or one of few long epochs would then check a
handful of times, and ``curves.png`` would draw straight lines between them. A headless run
whose project leaves ``eval_every`` unset also checks whenever ``1/EVAL_POINTS`` of its length
has passed since the last check: of its steps, and of its time budget when it has one.
"""

from __future__ import annotations

import math

EVAL_POINTS = 25  # at least this many checks over a headless run (20 and some to spare)


class EvalPlan:
    """The latest step and second of training by which the next check is due."""

    def __init__(self, total_steps: int, max_seconds: float | None,
                 points: int = EVAL_POINTS) -> None:
        self.step_gap = max(1, total_steps // points)
        self.time_gap = max_seconds / points if max_seconds else math.inf
        self.next_step = self.step_gap
        self.next_time = self.time_gap

    def due(self, step: int, elapsed: float) -> bool:
        """Whether a check is due at ``step`` after ``elapsed`` seconds of training."""
        return step >= self.next_step or elapsed >= self.next_time

    def checked(self, step: int, elapsed: float) -> None:
        """A check was made (on the plan or on the usual cadence): the next one is due a
        share of the run later."""
        self.next_step = step + self.step_gap
        self.next_time = elapsed + self.time_gap
