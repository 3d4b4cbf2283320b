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
        action = next(a for m in window.menuBar().actions() for a in m.menu().actions()
                      if a.shortcut().toString() == "F1")
        action.trigger()
        sheet = window._sheet
        assert sheet is not None and sheet.isVisible()
        action.trigger()
        assert window._sheet is sheet  # the same sheet, raised again
        table = sheet.table
        assert table.rowCount() == len(SHORTCUTS)
        keys = {table.item(r, 0).text() for r in range(table.rowCount())}
        assert {"Space", "Ctrl+Z", "F1"} <= keys
        sheet.close()
        assert not QApplication.windowIcon().isNull()  # the studio's own icon
    finally:
        window.bridge.shutdown(2.0)
        window.close()
