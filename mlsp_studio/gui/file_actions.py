"""Opening, saving and starting from presets, with a question before unsaved work is lost."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..spec.errors import StudioError
from ..spec.presets import load_preset
from ..spec.project import load_project, save_project
from .bridge import assert_gui_thread


class FileActions:
    """Mixed into MainWindow: needs ``doc`` and ``_update_title``."""

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
        return True

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
        path, _ = QFileDialog.getSaveFileName(self, "Save project",
                                              f"{self.doc.project.name}.mlsp.json",
                                              "MLSP Studio projects (*.mlsp.json)")
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            save_project(self.doc.project, path)
        except OSError as err:
            QMessageBox.warning(self, "Cannot save", f"{path}: {err.strerror or err}")
            return False
        self.doc.path = path
        self.doc.undo_stack.setClean()
        self._update_title()
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

