"""Where the panels are, remembered for each paradigm: a GPT project opens with the layout
last used for a GPT project (or with its own panels the first time), never with the one a
classifier left behind.

The window's size and place are one for all projects (``geometry``); the docks' layout is
kept under ``panels/<paradigm>`` in the window's settings. Mixed into MainWindow.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray


def layout_key(paradigm: str) -> str:
    return f"panels/{paradigm}"


class PanelLayouts:
    """Needs ``settings``, ``doc``, ``panels``, ``_show_relevant_panels`` and
    ``_expected_kinds``."""

    _layout_paradigm: str | None = None  # whose layout the docks show now

    def _restore_layout(self, panels_only: bool = False) -> None:
        """The window's size and place (unless ``panels_only``) and the docks as last laid
        out for this project's paradigm; its own panels when there is no such layout."""
        geometry = self.settings.value("geometry")
        if not panels_only and isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        paradigm = self.doc.project.paradigm
        state = self.settings.value(layout_key(paradigm))
        if isinstance(state, QByteArray) and (panels_only or not self.panels):
            self.restoreState(state)
        if self.panels:
            self._layout_paradigm = paradigm

    def save_layout(self) -> None:
        """Remember the docks' layout for the paradigm they are laid out for."""
        if self.panels and self._layout_paradigm:
            self.settings.setValue(layout_key(self._layout_paradigm), self.saveState())

    def _lay_out_panels(self) -> None:
        """Another project is open: the panels it will show, laid out as last time for its
        paradigm (the layout of the paradigm before is kept for its next project)."""
        if not self.panels:
            return
        changed = self.doc.project.paradigm != self._layout_paradigm
        if changed:
            self.save_layout()
        self._show_relevant_panels(self._expected_kinds())
        if changed:
            self._restore_layout(panels_only=True)
