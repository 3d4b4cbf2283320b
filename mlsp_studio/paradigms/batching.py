"""Mini-batches of example indices in a fresh random order every epoch, shared by the
paradigms that walk over a training set."""

from __future__ import annotations

import math

import torch
import torch.distributed as dist


class EpochBatches:
    """Row indices ``batch_size`` at a time; after the last batch of an epoch a new random
    order starts and ``epoch`` counts up.

    With ``drop_last`` the rows left over at the end of an epoch (fewer than a batch) wait
    for the next order: a contrastive loss over a smaller batch has fewer negatives and would
    dip on the curve. ``batch_size`` may change between calls (a live change)."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator,
                 device: torch.device | str | None = None, drop_last: bool = False) -> None:
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self.device, self.drop_last = device, drop_last
        self.epoch = 0
        self._order = self._shuffled()
        self._cursor = 0

    @property
    def steps_per_epoch(self) -> int:
        if self.drop_last:
            return max(1, self.n // self.batch_size)
        return math.ceil(self.n / self.batch_size)

    def _shuffled(self) -> torch.Tensor:
        order = torch.randperm(self.n, generator=self.generator)
        return order if self.device is None else order.to(self.device)

    def next(self) -> torch.Tensor:
        end = self._cursor + self.batch_size
        idx = self._order[self._cursor:end]
        self._cursor = end
        left = self.n - self._cursor
        if left <= 0 or (self.drop_last and left < self.batch_size):
            self._order = self._shuffled()
            self._cursor = 0
            self.epoch += 1
        return idx


def shard() -> tuple[int, int]:
    """(this process's rank, how many processes) of the run it trains in: (0, 1) alone."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class ShardBatches(EpochBatches):
    """One process's batches in a run on several: the order of an epoch is the same on all
    (their ``generator`` is seeded alike), made a multiple of their number by repeating its
    first rows, and process ``rank`` walks every ``processes``-th row of it; so all take the
    same number of steps an epoch, and an epoch still covers the training set once."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator,
                 device: torch.device | str | None = None, drop_last: bool = False, *,
                 rank: int, processes: int) -> None:
        self.total, self.rank, self.processes = n, rank, processes
        super().__init__(math.ceil(n / processes), batch_size, generator, device, drop_last)

    def _shuffled(self) -> torch.Tensor:
        order = torch.randperm(self.total, generator=self.generator)
        whole = self.n * self.processes
        order = order.repeat(math.ceil(whole / self.total))[:whole][self.rank::self.processes]
        return order if self.device is None else order.to(self.device)


def walk(n: int, batch_size: int, seed: int, generator: torch.Generator,
         device: torch.device | str | None = None, drop_last: bool = False) -> EpochBatches:
    """The batches of a walk over ``n`` rows: drawn with ``generator`` in one process; in a
    run on several, each walks its shard of an order drawn alike on all from ``seed``."""
    rank, processes = shard()
    if processes == 1:
        return EpochBatches(n, batch_size, generator, device, drop_last=drop_last)
    return ShardBatches(n, batch_size, torch.Generator().manual_seed(seed), device, drop_last,
                        rank=rank, processes=processes)
