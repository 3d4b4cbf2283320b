"""A bounded metric history: each series keeps at most a fixed number of points.

When a series fills up, neighbouring points are merged in pairs (their mean, at the later
step) and the series keeps accepting points at half the rate, so a run of any length costs a
few kilobytes per series while the curve keeps its shape.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MAX_POINTS = 4096


class MetricSeries:
    """One (split, metric) curve, decimated by pair-merging when full."""

    __slots__ = ("steps", "values", "size", "stride", "_acc_value", "_acc_count", "capacity")

    def __init__(self, capacity: int = MAX_POINTS) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number ≥ 4")
        self.capacity = capacity
        self.steps = np.zeros(capacity, dtype=np.int64)
        self.values = np.zeros(capacity, dtype=np.float64)
        self.size = 0
        self.stride = 1
        self._acc_value = 0.0
        self._acc_count = 0

    def add(self, step: int, value: float) -> None:
        self._acc_value += value
        self._acc_count += 1
        if self._acc_count < self.stride:
            return
        if self.size == self.capacity:
            self._halve()
        self.steps[self.size] = step
        self.values[self.size] = self._acc_value / self._acc_count
        self.size += 1
        self._acc_value, self._acc_count = 0.0, 0

    def _halve(self) -> None:
        half = self.capacity // 2
        self.values[:half] = 0.5 * (self.values[0:self.capacity:2] + self.values[1:self.capacity:2])
        self.steps[:half] = self.steps[1:self.capacity:2]
        self.size = half
        self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.steps[:self.size].copy(), self.values[:self.size].copy()

    def last(self) -> float | None:
        return float(self.values[self.size - 1]) if self.size else None

    def nbytes(self) -> int:
        return self.steps.nbytes + self.values.nbytes


class MetricHistory:
    """All curves of a run, keyed by (split, metric)."""

    def __init__(self, capacity: int = MAX_POINTS) -> None:
        self.capacity = capacity
        self.series: dict[tuple[str, str], MetricSeries] = {}

    def add(self, step: int, split: str, metric: str, value: float) -> None:
        key = (split, metric)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = MetricSeries(self.capacity)
        series.add(step, value)

    def records(self) -> Iterator[tuple[int, str, str, float]]:
        """Every kept point as (step, split, metric, value), sorted by step within a series."""
        for (split, metric), series in self.series.items():
            steps, values = series.arrays()
            for step, value in zip(steps.tolist(), values.tolist(), strict=True):
                yield step, split, metric, value

    def last(self, split: str, metric: str) -> float | None:
        series = self.series.get((split, metric))
        return series.last() if series else None

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.series.values())

    def clear(self) -> None:
        self.series.clear()
