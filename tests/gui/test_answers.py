"""A picture a person asked for (a new prompt, another example) is drawn when it arrives,
not held back until the redraw budget's next frame."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.app import open_window


def test_an_option_change_draws_its_answer_at_once(qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    window = open_window("digits-cnn", settings=settings)
    try:
        qtbot.waitUntil(lambda: window.bridge.is_ready and bool(window.panels), timeout=120_000)
        window.doc.project.apply_setting("epochs", 1_000_000)
        window.docks["features"].setVisible(True)
        window.docks["features"].raise_()
        window.on_run()
        qtbot.waitUntil(lambda: window.bridge.step_count > 20, timeout=60_000)
        window.scheduler.interval_ms = 60_000  # ordinary frames would now come a minute apart
        flushed = []
        original = window.scheduler.flush
        monkeypatch.setattr(window.scheduler, "flush", lambda: (flushed.append(1), original()))
        shown = []
        panel = window.panels["features"]
        draw = panel.show_snapshot
        monkeypatch.setattr(panel, "show_snapshot",
                            lambda s: (shown.append(getattr(s, "index", None)), draw(s)))
        panel.optionChanged.emit("feature_index", 5)
        qtbot.waitUntil(lambda: 5 in shown, timeout=10_000)
        assert flushed  # drawn by the answer, not by a frame
    finally:
        window.bridge.shutdown(2.0)
        window.doc.undo_stack.setClean()
        window.close()
