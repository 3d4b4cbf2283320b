"""Presentation mode, for a projector: big text, thick lines, high contrast, fewer docks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QTabBar, QWidget

from .bridge import assert_gui_thread
from .theme import apply_theme

FONT_SCALE = 1.6    # the whole window's text
LINE_SCALE = 1.7    # plot curves and axes
CANVAS_ZOOM = 1.4   # the network on the canvas
LESSON_WIDTH = 480  # pixels: the Lesson column while presenting
HIDDEN_DOCKS = ("inspector", "palette")  # editing tools a class watching does not need


class Presentation:
    """Mixed into MainWindow: View → Presentation mode (F11; Esc leaves it). Needs ``docks``,
    ``panels``, ``dark``, ``view``, ``scene`` and ``_show_status_text``."""

    presenting = False
    _saved_look: dict | None = None
    _saved_fonts: list = []

    def _build_presentation(self, menu) -> None:
        """The menu entry (checkable) and the Esc key that leaves the mode."""
        self.act_present = menu.addAction("Presentation mode")
        self.act_present.setCheckable(True)
        self.act_present.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+Shift+P")])
        self.act_present.setToolTip("Large text, thick lines, high contrast, editing docks "
                                    "hidden (F11 or Esc to leave)")
        self.act_present.toggled.connect(self.set_presenting)
        self._leave_key = QShortcut(QKeySequence(Qt.Key_Escape), self)
        self._leave_key.setEnabled(False)  # Esc belongs to the canvas outside the mode
        self._leave_key.activated.connect(lambda: self.set_presenting(False))

    @Slot(bool)
    def set_presenting(self, on: bool) -> None:
        """Enter or leave presentation mode; leaving puts back exactly what entering changed."""
        assert_gui_thread("MainWindow.set_presenting")
        on = bool(on)
        if on == self.presenting:
            return
        from .panels import base as panel_base  # pyqtgraph: loaded once the window shows

        app = QApplication.instance()
        if on:
            self._saved_look = {
                "font": app.font(),
                "docks": {name: not self.docks[name].isHidden() for name in HIDDEN_DOCKS
                          if name in self.docks},
                "front": [bar.tabText(bar.currentIndex()) for bar in
                          self.findChildren(QTabBar) if bar.count() and bar.isVisible()],
                "lesson_width": self.docks["lesson"].width() if "lesson" in self.docks
                else 0,
            }
            big = app.font()
            big.setPointSizeF(big.pointSizeF() * FONT_SCALE)
            app.setFont(big)
            for name in self._saved_look["docks"]:
                self.docks[name].hide()
            self.view.scale(CANVAS_ZOOM, CANVAS_ZOOM)
            if "lesson" in self.docks:  # the steps, large, need a wider column
                self.resizeDocks([self.docks["lesson"]], [LESSON_WIDTH], Qt.Horizontal)
        else:
            saved = self._saved_look or {}
            if "font" in saved:
                app.setFont(saved["font"])
            for name, shown in saved.get("docks", {}).items():
                self.docks[name].setVisible(shown)
            by_title = {dock.windowTitle(): dock for dock in self.docks.values()}
            for title in saved.get("front", []):  # the tabs that were in front come back there
                if title in by_title and not by_title[title].isHidden():
                    by_title[title].raise_()
            if saved.get("lesson_width"):
                self.resizeDocks([self.docks["lesson"]], [saved["lesson_width"]],
                                 Qt.Horizontal)
            self.view.scale(1 / CANVAS_ZOOM, 1 / CANVAS_ZOOM)
            self._saved_look = None
        self.presenting = on
        self._scale_panel_fonts(on)
        panel_base.LOOK["scale"] = FONT_SCALE if on else 1.0
        panel_base.LOOK["contrast"] = on
        apply_theme(app, self.dark, contrast=on)
        self._restyle_panels(LINE_SCALE if on else 1.0)
        self._leave_key.setEnabled(on)
        if self.act_present.isChecked() != on:
            self.act_present.setChecked(on)
        self._show_status_text("Presentation mode: F11 or Esc to leave" if on
                               else "Presentation mode left")

    def _scale_panel_fonts(self, on: bool) -> None:
        """Panel widgets given a font of their own (labels, spin boxes) ignore the window's
        font: enlarge each of them, and give each its own font back on leaving."""
        if on:
            self._saved_fonts = []
            for panel in self.panels.values():
                for widget in panel.findChildren(QWidget):
                    if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                        own = widget.font()
                        self._saved_fonts.append((widget, own))
                        big = QFont(own)
                        big.setPointSizeF(own.pointSizeF() * FONT_SCALE)
                        widget.setFont(big)
            return
        for widget, own in self._saved_fonts:
            try:
                widget.setFont(own)
            except RuntimeError:  # the panel rebuilt that widget meanwhile
                pass
        self._saved_fonts = []

    def _restyle_panels(self, line_scale: float) -> None:
        """Panels draw their axes and titles again with the current look."""
        from .panels import base as panel_base

        for panel in self.panels.values():
            if hasattr(panel, "set_dark"):
                panel.set_dark(panel.dark)
            panel_base.thicken_lines(panel, line_scale)
        if hasattr(self.scene, "set_dark"):
            self.scene.set_dark(self.dark)
