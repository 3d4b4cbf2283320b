"""The GPU part of the bench: its measuring runs on any device, and without a GPU it says so
in a sentence rather than failing."""

from __future__ import annotations

import pytest
import torch

from mlsp_studio.bench import run_bench
from mlsp_studio.bench.gpu import bare_ratio, device_rate, gpu_bench
from mlsp_studio.errors import StudioError


def test_a_presets_rate_on_a_device_counts_steps() -> None:
    assert device_rate("spiral", "cpu", 0.3) > 10


def test_the_engine_and_the_bare_loop_are_measured_on_the_same_device() -> None:
    engine, bare = bare_ratio("spiral", "cpu", 0.3)
    assert engine > 10 and bare > 10


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a GPU measures it")
def test_without_a_gpu_the_gpu_part_says_so_in_words(capsys) -> None:
    with pytest.raises(StudioError, match="needs a usable NVIDIA GPU"):
        gpu_bench(0.5)
    assert run_bench(0.5, part="gpu") == 2
    said = capsys.readouterr().err
    assert "mlsp-studio bench: the GPU part of the bench needs a usable NVIDIA GPU" in said
    assert "Traceback" not in said
