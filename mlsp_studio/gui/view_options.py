"""What the View menu switches: the dark theme, and each hidden unit's picture on its block
(on by default; clicking a unit's tile opens the Hidden units panel on it)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QApplication

from .bridge import Mail, assert_gui_thread
from .theme import apply_theme

UNIT_KIND = "unit_pictures"


class ViewOptions:
    """Mixed into MainWindow: needs ``act_dark``, ``dark``, ``presenting``, ``panels``,
    ``docks``, ``scene``, ``view``, ``settings``, ``_add`` and ``_update_visuals``."""

    units_on = True  # each hidden unit's picture on its block

    def _build_view_options(self, view) -> None:
        self.act_units = self._add(view, "Unit pictures on the blocks", None,
                                   self.on_toggle_units)
        self.act_units.setCheckable(True)
        self.act_units.setChecked(self.units_on)
        self.act_units.setToolTip("Beside each hidden block, a small picture of what each of "
                                  "its units responds to (networks on 2-D points or pictures)")
        self.scene.unitClicked.connect(self._on_unit_clicked)

    @Slot()
    def on_toggle_dark(self) -> None:
        assert_gui_thread("MainWindow.on_toggle_dark")
        self.dark = self.act_dark.isChecked()
        apply_theme(QApplication.instance(), self.dark, contrast=self.presenting)
        for panel in self.panels.values():
            if hasattr(panel, "set_dark"):
                panel.set_dark(self.dark)
        if hasattr(self.scene, "set_dark"):
            self.scene.set_dark(self.dark)
        self.settings.setValue("dark", self.dark)

    @Slot()
    def on_toggle_units(self) -> None:
        assert_gui_thread("MainWindow.on_toggle_units")
        self.units_on = self.act_units.isChecked()
        if not self.units_on:
            self.scene.show_unit_pictures(None)
        self._update_visuals()

    def _unit_kinds(self) -> set[str]:
        """The pictures the canvas itself asks for."""
        return {UNIT_KIND} if self.units_on else set()

    def _draw_units(self, mail: Mail) -> None:
        snap = mail.snapshots.get(UNIT_KIND)
        if snap is not None and self.units_on:
            self.scene.show_unit_pictures(snap)
            self.view.make_room_for_units()

    @Slot(int, int)
    def _on_unit_clicked(self, node_id: int, unit: int) -> None:
        assert_gui_thread("MainWindow._on_unit_clicked")
        panel, dock = self.panels.get("units"), self.docks.get("units")
        if panel is None or dock is None:
            return
        dock.show()
        dock.raise_()
        panel.focus(node_id, unit)
        self._update_visuals()
