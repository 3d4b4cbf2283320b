"""F1 opens the shortcut sheet, one window however often it is asked for, listing the keys."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from mlsp_studio.gui.app import open_window
from mlsp_studio.gui.shortcut_sheet import SHORTCUTS


def test_f1_shows_every_shortcut_once(qtbot, tmp_path) -> None:
    window = open_window("spiral", settings=QSettings(str(tmp_path / "s.ini"),
                                                      QSettings.IniFormat))
    qtbot.waitUntil(lambda: window.bridge.is_ready, timeout=120_000)
    try:
        from PySide6.QtCore import Qt

        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
        window.view.setFocus()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F1)  # a person presses F1
        sheet = window._sheet
        assert sheet is not None and sheet.isVisible()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        assert window._sheet is sheet and sheet.isVisible()  # the same sheet, raised again
        table = sheet.table
        assert table.rowCount() == len(SHORTCUTS)
        keys = {table.item(r, 0).text() for r in range(table.rowCount())}
        assert {"Space", "Ctrl+Z", "F1"} <= keys
        sheet.close()
        assert not QApplication.windowIcon().isNull()  # the studio's own icon
    finally:
        window.bridge.shutdown(2.0)
        window.close()
