"""Programs the bench runs in a fresh interpreter each, and what they print:

``python -m mlsp_studio.gui.probes studio`` — the studio's first window painted
(``window-shown``); ``bare`` — the same for a bare PySide6 window holding one pyqtgraph plot,
what any Qt program pays; ``torch-free PRESET`` — trains the preset to its end under the
window and prints whether the window's process ever imported torch.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

MARK = "window-shown"


def studio_window() -> None:
    from PySide6.QtCore import QSettings

    from .app import make_app, open_window

    make_app()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "probe.ini"), QSettings.IniFormat)
        window = open_window(None, settings=settings)
        window.repaint()  # palette, canvas and inspector painted: what a person first sees
        print(MARK, flush=True)
        os._exit(0)


def bare_window() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow  # before pyqtgraph picks one

    import pyqtgraph as pg  # isort: skip

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(pg.PlotWidget())
    window.resize(1440, 900)
    window.show()
    app.processEvents()
    window.repaint()
    print(MARK, flush=True)
    os._exit(0)


def torch_free(preset: str) -> None:
    from PySide6.QtCore import QSettings

    from .app import _wait, make_app, open_window

    app = make_app()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "probe.ini"), QSettings.IniFormat)
        window = open_window(preset, settings=settings)
        window.doc.set_pace(0)
        _wait(app, lambda: window.bridge.is_ready and window.panels, 120)
        window.on_run()
        finished = _wait(app, lambda: window.state == "finished", 300)
        window.scheduler.flush()
        print(f"finished {finished} torch {'torch' in sys.modules}", flush=True)
        window.doc.undo_stack.setClean()
        window.close()


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    what = sys.argv[1] if len(sys.argv) > 1 else "studio"
    if what == "bare":
        bare_window()
    elif what == "torch-free":
        torch_free(sys.argv[2] if len(sys.argv) > 2 else "spiral")
    else:
        studio_window()
