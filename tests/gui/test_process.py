"""Training in its own process under the window: nothing it does takes the window down, the
window's process never loads torch, and the pace control slows it to a watchable speed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.app import open_window
from mlsp_studio.model.live import pace_of


def _window_in_fresh_python(tmp_path, target: str, body: str, first: str = ""):
    """Run ``body`` against a window on ``target`` (``w``, with ``app``) in a fresh
    interpreter, after ``first``; what it printed, and how it ended."""
    code = (
        "import os, sys\n" + first +
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSettings\n"
        "from mlsp_studio.gui.app import open_window, _wait, make_app\n"
        "app = make_app()\n"
        f"w = open_window({target!r}, settings=QSettings({str(tmp_path / 's.ini')!r}, "
        "QSettings.IniFormat))\n" + body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=240)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    win = open_window("digits-cnn", settings=settings)
    qtbot.waitUntil(lambda: win.bridge.is_ready and bool(win.panels), timeout=120_000)
    win.doc.project.apply_setting("epochs", 1_000)  # trains all the test long
    yield win
    win.bridge.shutdown(2.0)
    win.doc.undo_stack.setClean()
    win.close()


def _train_a_little(window, qtbot, steps: int = 30) -> None:
    window.on_run()
    qtbot.waitUntil(lambda: window.bridge.step_count > steps, timeout=60_000)


def test_a_killed_training_process_leaves_the_window_and_the_project(window, qtbot) -> None:
    _train_a_little(window, qtbot)
    before = window.doc.project.to_dict()
    pid = window.bridge.pid
    qtbot.waitUntil(lambda: bool(window.bridge.kept.get(window.bridge.run_number)),
                    timeout=30_000)  # its first checkpoint is on disk
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.state == "error", timeout=30_000)
    text = window.lbl_state.text()
    assert "training process ended unexpectedly" in text and "SIGKILL" in text
    assert "last checkpoint (step 0)" in text
    assert window.isVisible() and window.doc.project.to_dict() == before
    run = window.panels["runs"].runs[-1]
    assert run.done and window.panels["runs"].item(0).text(4) == "its process ended"
    assert run.weights and all(os.path.exists(f) for f in run.weights[0].values())
    qtbot.waitUntil(lambda: window.bridge.is_ready, timeout=120_000)  # a fresh process
    assert window.bridge.pid != pid and window.act_run.isEnabled()
    window.on_run()
    qtbot.waitUntil(lambda: window.bridge.step_count > 5, timeout=60_000)
    assert window.state == "running"


def test_a_step_that_does_not_end_is_ended_with_its_process(window, qtbot) -> None:
    _train_a_little(window, qtbot)
    pid = window.bridge.pid
    os.kill(pid, signal.SIGSTOP)  # the process stops answering, as a hung step would
    try:
        window.on_reset()
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    text = window.lbl_state.text()
    assert "did not stop within a second" in text and "last checkpoint" in text
    assert window.panels["runs"].item(0).text(4).startswith("ended at step")
    qtbot.waitUntil(lambda: window.bridge.is_ready, timeout=120_000)
    assert window.bridge.pid != pid
    _train_a_little(window, qtbot, 5)


def test_stop_ends_the_run_and_its_thread(window, qtbot) -> None:
    _train_a_little(window, qtbot)
    pid = window.bridge.pid
    assert window.bridge.shutdown()  # the training process says the run's thread has ended
    assert not window.bridge.active and window.bridge.pid == pid


def test_the_window_process_never_imports_torch(tmp_path) -> None:
    result = _window_in_fresh_python(tmp_path, "xor-perceptron", (
        "assert _wait(app, lambda: w.bridge.is_ready and w.panels, 120)\n"
        "w.on_run()\n"
        "assert _wait(app, lambda: w.state == 'finished', 120), w.lbl_state.text()\n"
        "w.scheduler.flush()\n"
        "print('steps', w.bridge.step_count, 'torch', 'torch' in sys.modules)\n"
        "w.doc.undo_stack.setClean()\n"
        "w.close()\n"))
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[-1] == "False" and int(words[1]) > 100, result.stdout


def test_the_speed_control_sets_the_projects_pace(window, qtbot) -> None:
    box = window.speed_box
    assert box.currentText() == "100 steps/s" and window.bridge.pace == 100  # the preset's
    for text, rate in (("10 steps/s", 10), ("Full speed", 0)):
        box.setCurrentIndex(box.findText(text))
        box.activated.emit(box.currentIndex())
        assert pace_of(window.doc.project) == rate and window.bridge.pace == rate
    assert "pace" not in window.doc.project.ui and not window.doc.undo_stack.isClean()
    window.doc.undo_stack.undo()
    assert window.doc.project.ui["pace"] == 10 and box.currentText() == "10 steps/s"
    window.doc.undo_stack.undo()
    assert pace_of(window.doc.project) == 100 and window.bridge.pace == 100


def test_step_is_one_step_at_a_slow_pace(window, qtbot) -> None:
    window.doc.set_pace(1.0)
    _train_a_little(window, qtbot, 0)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=5_000)
    at = window.bridge.step_count
    for n in (1, 2):
        window.on_step()  # not held back by the pace
        qtbot.waitUntil(lambda n=n: window.bridge.step_count == at + n, timeout=5_000)
    qtbot.wait(300)
    assert window.bridge.step_count == at + 2


def test_spiral_opens_at_its_watchable_pace(qtbot, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    win = open_window("spiral", settings=settings)
    try:
        assert win.speed_box.currentText() == "100 steps/s" and win.bridge.pace == 100
    finally:
        win.close()


def test_a_training_process_without_pytorch_is_said_in_words(tmp_path) -> None:
    fake = tmp_path / "fake" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('this torch is broken')\n")
    result = _window_in_fresh_python(tmp_path, "spiral", (
        "assert _wait(app, lambda: bool(w.bridge.load_error), 120)\n"
        "print(w.isVisible(), w.act_run.isEnabled())\n"
        "print(w.act_run.toolTip())\n"
        "w.close()\n"), first=f"sys.path.insert(0, {str(tmp_path / 'fake')!r})\n")
    assert result.returncode == 0, result.stderr
    shown, tip = result.stdout.splitlines()[-2:]
    assert shown == "True False"
    assert "PyTorch could not be loaded" in tip and "this torch is broken" in tip
    assert "Traceback" not in result.stderr
