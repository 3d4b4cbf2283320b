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


@pytest.fixture
def ready_window(qtbot, tmp_path):
    """Opens a window on a preset, with settings of its own, and waits until its training
    process is ready; given a ``size``, the window is resized to it and shown. Every window
    opened is shut down, its edits dropped, and closed after the test."""
    from PySide6.QtCore import QSettings

    from mlsp_studio.gui.app import open_window

    windows = []

    def open_ready(preset: str, size: tuple[int, int] | None = None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        win = open_window(preset, settings=settings)
        windows.append(win)
        qtbot.waitUntil(lambda: win.bridge.is_ready and bool(win.panels), timeout=120_000)
        if size is not None:
            win.resize(*size)
            win.show()
        return win

    yield open_ready
    for win in windows:
        win.bridge.shutdown(2.0)
        win.doc.undo_stack.setClean()
        win.close()


@pytest.fixture
def canvas_of(qtbot):
    """Makes the canvas of a project as a person sees it: ``(document, scene, view, the
    messages the scene shows)``, the view shown at 900 × 700 with every block in sight."""
    from mlsp_studio.gui.canvas import GraphScene, GraphView
    from mlsp_studio.gui.document import StudioDocument

    def make(project):
        doc = StudioDocument(project)
        scene = GraphScene(doc)
        view = GraphView(scene)
        qtbot.addWidget(view)
        view.resize(900, 700)
        view.show()
        qtbot.waitExposed(view)
        view.fit_all()
        messages: list[str] = []
        scene.message.connect(messages.append)
        return doc, scene, view, messages

    return make
