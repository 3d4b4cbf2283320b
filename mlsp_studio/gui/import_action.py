"""File → Import data…: the dialog (``data_import``) and its readers load when first asked,
not before the window's first paint."""

from __future__ import annotations

import os

from PySide6.QtCore import Slot

from .bridge import assert_gui_thread


class DataImportActions:
    """Mixed into MainWindow: File → Import data…; needs ``doc``."""

    @Slot()
    def on_import_data(self) -> None:
        assert_gui_thread("MainWindow.on_import_data")
        from .data_import import DataImportDialog

        start = self.doc.project.dataset_options.get("path", "")
        dialog = DataImportDialog(self.doc, self, start if os.path.exists(str(start)) else "")
        dialog.exec()
