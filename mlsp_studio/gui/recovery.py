"""Autosave: while a project has unsaved changes, a copy goes to a recovery file every minute;
after a crash, the next start offers it back. A save or a clean close removes the copy; a
copy that cannot be read is kept aside or deleted only as the person says."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from ..errors import StudioError
from ..model.project import load_project, save_project
from .bridge import assert_gui_thread
from .document import StudioDocument

AUTOSAVE_MS = 60_000
RECOVERY_NAME = "recovery.mlsp.json"


def recovery_folder(settings: QSettings) -> Path:
    """Beside the settings file: each settings file (a test's, a person's) has its own."""
    return Path(settings.fileName()).resolve().parent


class Recovery(QObject):
    """Keeps ``doc``'s unsaved work in ``<folder>/recovery.mlsp.json`` (with the path it was
    saved under, if any, in ``recovery.json``)."""

    def __init__(self, doc: StudioDocument, settings: QSettings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        folder = recovery_folder(settings)
        self.file = folder / RECOVERY_NAME
        self.note = folder / "recovery.json"
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self._on_timer)
        self.timer.start()
        doc.undo_stack.cleanChanged.connect(self._on_clean_changed)

    def save_now(self) -> bool:
        """Write the recovery copy if there are unsaved changes; True when written."""
        if self.doc.undo_stack.isClean():
            return False
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            save_project(self.doc.project, self.file)  # atomic: a crash mid-way keeps the last
            path = str(self.doc.path) if self.doc.path else ""
            self.note.write_text(json.dumps({"path": path}), encoding="utf-8")
        except OSError:
            return False  # no room or no rights: the person's own saves still work
        return True

    def discard(self) -> None:
        for file in (self.file, self.note):
            file.unlink(missing_ok=True)

    def offer_restore(self, parent: QWidget) -> bool:
        """After a crash: ask whether to open the recovered project; True when it was."""
        if not self.file.is_file():
            return False
        try:
            project = load_project(self.file)
            path = json.loads(self.note.read_text(encoding="utf-8")).get("path", "") \
                if self.note.is_file() else ""
        except (StudioError, OSError, ValueError) as err:
            self._unreadable(parent, str(err))
            return False
        where = f" (last saved as {path})" if path else ""
        answer = QMessageBox.question(
            parent, "Restore unsaved work?",
            f"The studio closed without saving the project {project.name!r}{where}. "
            "Open the copy it kept of your unsaved changes? (No deletes the copy.)",
            QMessageBox.Yes | QMessageBox.No)
        if answer != QMessageBox.Yes:
            self.discard()
            return False
        self.doc.replace_project(project, Path(path) if path else None)
        self.doc.undo_stack.resetClean()  # still unsaved: the title shows it, close asks
        return True

    def _unreadable(self, parent: QWidget, why: str) -> Path | None:
        """The copy cannot be read: say why, and keep it aside (named) or delete it, as the
        person says. Returns where it was kept, if it was."""
        aside = self.file.with_name(f"recovery-unreadable-{time.strftime('%Y%m%d-%H%M%S')}"
                                    ".mlsp.json")
        if not keep_unreadable(parent, self.file, aside, why):
            self.discard()
            return None
        try:
            os.replace(self.file, aside)
        except OSError as err:
            QMessageBox.warning(parent, "Recovery copy", f"The copy could not be moved aside "
                                f"({err}); it stays at {self.file}.")
            return None
        self.note.unlink(missing_ok=True)
        return aside

    def _on_timer(self) -> None:
        assert_gui_thread("Recovery._on_timer")
        self.save_now()

    def _on_clean_changed(self, clean: bool) -> None:
        assert_gui_thread("Recovery._on_clean_changed")
        if clean:  # saved (or back to the saved state): the copy is not needed
            self.discard()


def keep_unreadable(parent: QWidget | None, file: Path, aside: Path, why: str) -> bool:
    """Ask what to do with a recovery copy that cannot be read; True to keep it aside."""
    box = QMessageBox(QMessageBox.Warning, "Unsaved work could not be read",
                      f"The studio kept a copy of unsaved work at {file}, but it cannot be "
                      f"opened: {why}", QMessageBox.NoButton, parent)
    box.setInformativeText(f"Keep it: it is moved to {aside}, where you or someone who knows "
                           "the file format can look at it. Delete it: it is gone for good.")
    keep = box.addButton("Keep it aside", QMessageBox.AcceptRole)
    box.addButton("Delete it", QMessageBox.DestructiveRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is keep
