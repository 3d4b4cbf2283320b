"""Shared test set-up.

With MLSP_BLOCK_QT=1 (the core suite in CI), PySide6, shiboken6 and pyqtgraph cannot be
imported, so the suite proves the core runs on a machine without them.
"""

from __future__ import annotations

import importlib.abc
import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph")


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked for the core test suite")
        return None


if os.environ.get("MLSP_BLOCK_QT") == "1":
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, _BlockQt())


@pytest.fixture
def drawn(monkeypatch):
    """Every matplotlib ``Figure`` saved while the test runs (``drawn.last`` the newest,
    ``drawn.of(path)`` the one saved to a file), with readers of what each draws
    (tests/figure_checks.py), so that a test checks the axes, images, lines and texts of a
    figure, not only that a file was written."""
    from pathlib import Path

    from figure_checks import Drawn
    from matplotlib.figure import Figure

    saved = Drawn()
    original = Figure.savefig

    def savefig(self, *args, **kwargs):
        saved.append(self)
        if args and isinstance(args[0], (str, os.PathLike)):
            saved.files[Path(args[0]).resolve()] = self
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved
