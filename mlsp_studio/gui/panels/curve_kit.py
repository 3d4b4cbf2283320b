"""What the curve panels share (training curves, runs compared): metric names in words, with
what the loss is and its unit (``model/metric_units.py``), and a bounded history of one
series. No Qt here."""

from __future__ import annotations

import numpy as np

from ...model.metric_units import (
    LOWER_IS_BETTER,
    SET_NAMES,
    LossMeaning,
    in_nats,
    is_accuracy,
    metric_label,
    metric_words,
    value_text,
)

# Points kept per series; past this, neighbouring pairs are merged. Handing pyqtgraph more
# points than a plot is wide costs GUI time (and so training speed) without showing more.
CAP = 2_000

__all__ = ["CAP", "SET_NAMES", "LossMeaning", "MetricHistory", "in_nats", "is_accuracy",
           "is_loss_like", "metric_label", "metric_words", "value_text"]


def is_loss_like(metric: str) -> bool:
    """Metrics that the "Log scale" box applies to: losses and errors."""
    return metric == "loss" or metric.endswith("_loss") or metric in LOWER_IS_BETTER


class MetricHistory:
    """Steps and values of one series in preallocated arrays of fixed size.

    When the arrays are full, neighbouring pairs are averaged into one point and later points
    are averaged in groups of the same size, so a million steps cost the same as ``cap``.
    """

    def __init__(self, cap: int = CAP) -> None:
        self.cap = max(2, cap - cap % 2)
        self.steps = np.empty(self.cap)
        self.values = np.empty(self.cap)
        self.clear()

    def clear(self) -> None:
        self.n = 0
        self.stride = 1  # raw records per stored point
        self._pending = [0, 0.0, 0.0]  # records, sum of steps, sum of values
        self.last: tuple[float, float] | None = None
        self.first_bad_step: float | None = None

    def extend(self, steps: np.ndarray, values: np.ndarray) -> None:
        """Append records (in step order) to the history."""
        values = np.where(np.isfinite(values), values, np.nan)
        if not steps.size:
            return
        self.last = (float(steps[-1]), float(values[-1]))
        if self.first_bad_step is None and np.isnan(values).any():
            self.first_bad_step = float(steps[np.argmax(np.isnan(values))])
        while steps.size:
            pend = self._pending
            if pend[0] or steps.size < self.stride:  # fill a partly filled group first
                take = min(self.stride - pend[0], steps.size)
                pend[0] += take
                pend[1] += float(steps[:take].sum())
                pend[2] += float(values[:take].sum())
                steps, values = steps[take:], values[take:]
                if pend[0] == self.stride:
                    self._push(np.array([pend[1] / pend[0]]), np.array([pend[2] / pend[0]]))
                    self._pending = [0, 0.0, 0.0]
                continue
            if self.n == self.cap:
                self._halve()
                continue
            groups = min(steps.size // self.stride, self.cap - self.n)
            k = groups * self.stride
            self._push(steps[:k].reshape(groups, self.stride).mean(axis=1),
                       values[:k].reshape(groups, self.stride).mean(axis=1))
            steps, values = steps[k:], values[k:]

    def _push(self, steps: np.ndarray, values: np.ndarray) -> None:
        if self.n == self.cap:
            self._halve()
        self.steps[self.n:self.n + steps.size] = steps
        self.values[self.n:self.n + steps.size] = values
        self.n += steps.size

    def _halve(self) -> None:
        half = self.n // 2
        for a in (self.steps, self.values):
            a[:half] = 0.5 * (a[0:2 * half:2] + a[1:2 * half:2])
        self.n = half
        self.stride *= 2

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the stored points, plus the mean of an unfinished group at the end."""
        x, y = self.steps[:self.n], self.values[:self.n]
        count, s, v = self._pending
        if count:
            x, y = np.append(x, s / count), np.append(y, v / count)
        return x.copy(), y.copy()
