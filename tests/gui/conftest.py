"""Window tests: offscreen Qt, and no test may leave a worker thread or engine running."""

from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def no_dangling_workers():
    """Fail a test that leaves the training thread alive after it ends."""
    yield
    alive = [t for t in threading.enumerate() if t.name.startswith("mlsp-") and t.is_alive()]
    for thread in alive:
        thread.join(2.0)
    alive = [t.name for t in alive if t.is_alive()]
    assert not alive, f"threads left running: {alive}"
