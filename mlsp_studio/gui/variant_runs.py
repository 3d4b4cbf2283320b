"""Compare a preset's variants in the window: train each in turn, keep each as a run.

Mixed into MainWindow. Every run the window starts is announced to the runs panel, so plain
runs and variants alike can be overlaid there.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot

from ..spec.errors import StudioError
from .bridge import assert_gui_thread


class VariantRuns:
    """Needs ``doc``, ``bridge``, ``panels``, ``docks``, ``state``, ``_start_engine``,
    ``_run_blocker``, ``_show_status_text`` and ``_update_controls``."""

    _variant_queue: list[str]
    _variant_total = 0

    def _runs_panel(self):
        return self.panels.get("runs")

    @Slot()
    def on_compare_variants(self) -> None:
        """Train every variant of the open project in turn, one run each."""
        assert_gui_thread("MainWindow.on_compare_variants")
        names = list(self.doc.project.variants)
        if not names:
            self._show_status_text("This project has no variants to compare; the presets "
                                   "with variants say so in File → New from preset.")
            return
        blocker = self._run_blocker()
        if blocker:
            self._show_status_text(f"Cannot compare variants: {blocker}", error=True)
            return
        self._variant_queue = names
        self._variant_total = len(names)
        self._start_next_variant()

    def _start_next_variant(self) -> None:
        while self._variant_queue:
            name = self._variant_queue.pop(0)
            try:
                project = self.doc.project.with_variant(name)
            except StudioError as err:
                self._show_status_text(f"Variant {name}: {err}", error=True)
                continue
            done = self._variant_total - len(self._variant_queue)
            self._start_engine(running=True, project=project, run_name=name)
            self._show_status_text(f"Comparing variants: {name} ({done} of "
                                   f"{self._variant_total})…")
            self._stale = True  # the next plain Run trains the project as it is again
            self.state = "running"
            self._update_controls()
            return

    def _begin_run(self, name: str) -> None:
        panel = self._runs_panel()
        if panel is not None:
            panel.begin_run(name)

    def _run_finished(self, final: dict[str, float]) -> None:
        panel = self._runs_panel()
        if panel is not None:
            panel.end_run(final)
            if "runs" in self.docks and not self.docks["runs"].isVisible():
                self.docks["runs"].setVisible(True)
        if getattr(self, "_variant_queue", None):
            QTimer.singleShot(0, self._start_next_variant)
        elif self._variant_total:
            self._variant_total = 0
            if "runs" in self.docks:
                self.docks["runs"].raise_()

    def _cancel_variants(self) -> None:
        self._variant_queue = []
        self._variant_total = 0
