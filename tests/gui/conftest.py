"""Window tests: offscreen Qt, and no test may leave a run training.

The training process is started once and reused: a window that closes gives its process
back, warm, to the next window (``gui/training_process.py``)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def no_run_left_training():
    """Fail a test that leaves a run training after it ends."""
    yield
    from mlsp_studio.gui.bridge import EngineBridge

    left = []
    for bridge in list(EngineBridge.instances):
        try:
            if bridge.active:
                left.append(bridge.run_number)
                bridge.shutdown(2.0)
        except RuntimeError:  # its window is gone already
            continue
    assert not left, f"runs left training: {left}"
