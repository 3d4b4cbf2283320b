"""The soak test's machinery, run for seconds instead of half an hour: memory samples from the
end of the settling time, lateness in a fixed histogram, every panel open, training never
stopping; and its command refusing bad arguments in words."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mlsp_studio.cli import main
from mlsp_studio.gui.soak import BIN_MS, LatenessHistogram, resident_bytes, soak


def test_a_short_soak_trains_with_every_panel_open_and_measures(qtbot) -> None:
    result = soak("digits-cnn", seconds=6.0, sample_every=0.5, settle=2.0)
    assert result.message == "" and result.steps > 0 and result.frames > 0
    assert {"curves", "confusion"} <= set(result.panels)
    assert len(result.samples) >= 4  # every half second, fewer on a slow machine
    assert [t for t, _ in result.samples] == sorted(t for t, _ in result.samples)
    assert result.peak_mb >= result.settled_mb > 50.0  # torch and Qt alone are larger
    assert result.growth == pytest.approx((result.peak_mb - result.settled_mb)
                                          / result.settled_mb, abs=1e-3)
    assert 0.0 < result.lateness_p99_ms <= result.lateness_worst_ms + BIN_MS
    assert result.as_dict()["passed"] == result.passed


def test_lateness_quantiles_come_from_the_histogram(qtbot) -> None:
    probe = LatenessHistogram()
    assert probe.quantile_ms(0.99) == 0.0
    probe.counts[0] = 98       # 98 ticks on time
    probe.counts[40] = 2       # 2 ticks 20 ms late
    assert probe.quantile_ms(0.5) == BIN_MS
    assert probe.quantile_ms(0.99) == 41 * BIN_MS
    assert probe.counts.dtype == np.int64 and probe.counts.size * 8 < 64_000  # fixed, small


def test_resident_memory_is_read() -> None:
    before = resident_bytes()
    block = np.ones(64 * 2**20 // 8)  # 64 MB, touched
    assert resident_bytes() - before > 32 * 2**20
    del block
    assert resident_bytes(os.getpid()) > 0  # another process's, by its id


@pytest.mark.parametrize("args, words", [
    (["soak", "no-such-preset"], "no-such-preset"),
    (["soak", "spiral", "--minutes", "0"], "--minutes must be"),
])
def test_the_soak_command_refuses_bad_arguments_in_words(capsys, args, words) -> None:
    assert main(args) == 2
    assert words in capsys.readouterr().err
