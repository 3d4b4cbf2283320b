"""Opening, saving and starting from presets, with a question before unsaved work is lost."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from ..errors import StudioError
from ..model.presets import load_preset
from ..model.project import load_project, save_project
from .bridge import assert_gui_thread
from .panel_export import save_metrics_csv, save_widget_picture

RECENT = 8  # projects listed under File → Open recent


class FileActions:
    """Mixed into MainWindow: needs ``doc``, ``bridge``, ``settings``, ``state``, ``_stale``,
    ``recent_menu``, ``_update_title`` and ``_show_status_text``."""

    # -- files ---------------------------------------------------------------------------
    @Slot()
    def _on_preset_action(self) -> None:
        assert_gui_thread("MainWindow._on_preset_action")
        name = self.sender().data()
        if self._confirm_discard():
            try:
                self.doc.replace_project(load_preset(name))
            except StudioError as err:
                QMessageBox.warning(self, "Cannot open preset", str(err))

    def open_path(self, path: Path) -> bool:
        try:
            project = load_project(path)
        except StudioError as err:
            QMessageBox.warning(self, "Cannot open project", str(err))
            return False
        self.doc.replace_project(project, path)
        self._remember(path)
        if project.migration_notes:
            self._show_status_text(f"{path.name} was written in an older format and is opened "
                                   f"as the current one: {'; '.join(project.migration_notes)}. "
                                   "Saving writes the current format.")
        return True

    # -- recent files --------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [str(v) for v in items if v][:RECENT]

    def _remember(self, path: Path) -> None:
        text = str(Path(path).resolve())
        self.settings.setValue("recent", [text, *(r for r in self.recent_files()
                                                  if r != text)][:RECENT])

    @Slot()
    def _fill_recent_menu(self) -> None:
        assert_gui_thread("FileActions._fill_recent_menu")
        menu = self.recent_menu
        menu.clear()
        for text in self.recent_files():
            act = menu.addAction(text)
            act.triggered.connect(partial(self._open_recent, text))
        if menu.actions():
            menu.addSeparator()
        clear = menu.addAction("Clear the list")
        clear.setEnabled(bool(self.recent_files()))
        clear.triggered.connect(self._on_clear_recent)

    def _open_recent(self, text: str, _checked: bool = False) -> None:
        assert_gui_thread("FileActions._open_recent")
        if not Path(text).is_file():
            self.settings.setValue("recent", [r for r in self.recent_files() if r != text])
            QMessageBox.warning(self, "Cannot open project",
                                f"{text} is no longer there; it is taken off the list.")
            return
        if self._confirm_discard():
            self.open_path(Path(text))

    @Slot()
    def _on_clear_recent(self) -> None:
        assert_gui_thread("FileActions._on_clear_recent")
        self.settings.setValue("recent", [])

    @Slot()
    def on_open(self) -> None:
        assert_gui_thread("MainWindow.on_open")
        if not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "",
                                              "MLSP Studio projects (*.mlsp.json *.json)")
        if path:
            self.open_path(Path(path))

    @Slot()
    def on_save(self) -> bool:
        assert_gui_thread("MainWindow.on_save")
        if self.doc.path is None:
            return self.on_save_as()
        return self._save_to(self.doc.path)

    @Slot()
    def on_save_as(self) -> bool:
        assert_gui_thread("MainWindow.on_save_as")
        path = self._save_path("Save project", ".mlsp.json",
                               "MLSP Studio projects (*.mlsp.json)")
        return self._save_to(path) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            save_project(self.doc.project, path)
        except OSError as err:
            QMessageBox.warning(self, "Cannot save", f"{path}: {err.strerror or err}")
            return False
        self.doc.path = path
        self.doc.undo_stack.setClean()
        self._update_title()
        self._remember(path)
        return True

    def _confirm_discard(self) -> bool:
        if self.doc.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "The project has unsaved changes. Save them first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        if answer == QMessageBox.Save:
            return self.on_save()
        return answer == QMessageBox.Discard


    # -- exports -------------------------------------------------------------------------
    @Slot()
    def on_export_panel(self) -> None:
        assert_gui_thread("FileActions.on_export_panel")
        shown = {self.docks[name].windowTitle(): name for name in self.panels
                 if name in self.docks and self.docks[name].isVisible()}
        if not shown:
            QMessageBox.information(self, "Export", "No panel is open to save as a picture.")
            return
        title = self._choose("Save a panel as a picture", "Panel:", sorted(shown))
        if title is None:
            return
        name = shown[title]
        path = self._save_path("Save the panel as a picture", f"-{name}.png",
                               "PNG picture (*.png);;SVG drawing (*.svg)")
        if path:
            self._export(lambda: save_widget_picture(self.panels[name], path), "Picture")

    @Slot()
    def on_export_metrics(self) -> None:
        assert_gui_thread("FileActions.on_export_metrics")
        records = self._curve_records()
        if not records:
            QMessageBox.information(self, "Export", "Train first: there are no curves yet.")
            return
        path = self._save_path("Save the curves as CSV", "-metrics.csv", "CSV tables (*.csv)")
        if path:
            self._export(lambda: save_metrics_csv(records, path), "Curves")

    def _curve_records(self) -> list[tuple[int, str, str, float]]:
        """A copy of the current run's curves, as the window heard them."""
        return self.bridge.curve_records()

    @Slot()
    def on_export_python(self) -> None:
        assert_gui_thread("FileActions.on_export_python")
        from ..export.python_script import export_python  # text only: no torch needed

        path = self._save_path("Export as a PyTorch script", ".py", "Python scripts (*.py)")
        if path:
            self._export(lambda: export_python(self.doc.project, path), "PyTorch script")

    @Slot()
    def on_export_onnx(self) -> None:
        assert_gui_thread("FileActions.on_export_onnx")
        if not self.bridge.is_ready:
            QMessageBox.information(self, "Export", "The training process is still loading "
                                    "PyTorch; try again in a moment.")
            return
        if self.state == "running":
            QMessageBox.information(self, "Export", "Pause training first: the network is "
                                    "exported with the weights it has when paused.")
            return
        slot = self.doc.slot  # the network on the canvas (a GAN's generator, say)
        ending = (f"-{slot}" if len(self.doc.project.slots) > 1 else "") + ".onnx"
        path = self._save_path("Export the network on the canvas as ONNX", ending,
                               "ONNX models (*.onnx)")
        if path:  # with the weights of a paused or finished run, else the starting ones
            trained = self.bridge.active and not self._stale
            self._ask("ONNX network", "export_onnx", path=str(path), slot=slot, trained=trained,
                      project=self.doc.project.to_json())

    @Slot()
    def on_export_weights(self) -> None:
        assert_gui_thread("FileActions.on_export_weights")
        if not self.bridge.active or (self.bridge.step_count == 0
                                      and not self.bridge.started_from_weights):
            QMessageBox.information(self, "Export", "Train first: there are no trained "
                                    "weights yet.")
            return
        if self.state == "running":
            QMessageBox.information(self, "Export", "Pause training first: the weights are "
                                    "written as they are when paused.")
            return
        folder = QFileDialog.getExistingDirectory(self, "A folder for the weights "
                                                  "(one <network>.safetensors each)")
        if folder:
            self._ask("Weights", "save_weights", folder=folder)

    def _choose(self, caption: str, label: str, items: list[str]) -> str | None:
        """The item a person picks from ``items``; None when they cancel."""
        item, ok = QInputDialog.getItem(self, caption, label, items, 0, False)
        return item if ok else None

    def _save_path(self, caption: str, ending: str, kinds: str) -> Path | None:
        """Where a person wants a file of ``kinds`` saved, offered as the project's name and
        ``ending``; None when they cancel."""
        path, _ = QFileDialog.getSaveFileName(self, caption, self.doc.project.name + ending,
                                              kinds)
        return Path(path) if path else None

    def _ask(self, what: str, cmd: str, **fields) -> None:
        """A request the training process answers; the answer comes to ``_on_replied``."""
        if not hasattr(self, "_asked"):
            self._asked: dict[int, str] = {}
        self._asked[self.bridge.request(cmd, **fields)] = what
        self._show_status_text(f"{what}: writing…")

    @Slot(int, bool, str)
    def _on_replied(self, number: int, ok: bool, text: str) -> None:
        assert_gui_thread("FileActions._on_replied")
        what = getattr(self, "_asked", {}).pop(number, None)
        if what is None:
            return
        if ok:
            self._show_status_text(f"{what}: {text}")
        else:
            QMessageBox.warning(self, "Cannot export", text)
            self._show_status_text(f"{what} not written: {text}", error=True)

    def _export(self, write, what: str) -> None:
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            written = write()
        except (StudioError, OSError, ValueError) as err:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot export", str(err))
            return
        QApplication.restoreOverrideCursor()
        self._show_status_text(f"{what} written to {written}")
