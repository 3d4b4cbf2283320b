"""Mini-batches over a training set: every row once per epoch in a new order, the epoch
counted, the short last batch kept or held over, and a batch size that changes live."""

from __future__ import annotations

import torch

from mlsp_studio.paradigms.batching import EpochBatches


def _epoch(batches: EpochBatches) -> list[torch.Tensor]:
    start, out = batches.epoch, []
    while batches.epoch == start:
        out.append(batches.next())
    return out


def test_every_row_once_per_epoch_in_a_new_order() -> None:
    batches = EpochBatches(10, 4, torch.Generator().manual_seed(0))
    first, second = _epoch(batches), _epoch(batches)
    assert [len(b) for b in first] == [4, 4, 2] and batches.steps_per_epoch == 3
    assert sorted(torch.cat(first).tolist()) == list(range(10))
    assert sorted(torch.cat(second).tolist()) == list(range(10))
    assert not torch.equal(torch.cat(first), torch.cat(second)) and batches.epoch == 2


def test_drop_last_holds_the_short_batch_over() -> None:
    batches = EpochBatches(10, 4, torch.Generator().manual_seed(1), drop_last=True)
    assert [len(b) for b in _epoch(batches)] == [4, 4] and batches.steps_per_epoch == 2


def test_the_same_generator_gives_the_same_batches_and_sizes_change_live() -> None:
    a = EpochBatches(7, 3, torch.Generator().manual_seed(5))
    b = EpochBatches(7, 3, torch.Generator().manual_seed(5))
    assert all(torch.equal(a.next(), b.next()) for _ in range(6))
    a.batch_size = 1
    assert len(a.next()) == 1 and a.steps_per_epoch == 7
