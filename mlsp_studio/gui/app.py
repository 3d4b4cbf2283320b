"""Starting the studio: the window first, PyTorch in the background, then panels and Run."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QSettings,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from ..errors import StudioError
from ..model.presets import load_preset, resolve_target, resources_dir
from ..model.run_folder import looks_like_run_folder
from .document import StudioDocument
from .main_window import APP, ORG, MainWindow
from .theme import apply_theme

DEFAULT_PRESET = "spiral"
DEFAULT_SIZE = (1440, 900)
AFTER_FIRST_PAINT_MS = 30


def _on_qt_message(kind, context, message: str) -> None:
    # the offscreen platform (screenshots, tests) warns about every dock it cannot size
    if "propagateSizeHints" in message:
        return
    sys.stderr.write(message + "\n")


def make_app() -> QApplication:
    if QApplication.instance() is None:
        qInstallMessageHandler(_on_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(ORG)
    QCoreApplication.setApplicationName(APP)
    app.setDesktopFileName("mlsp-studio")  # the .desktop entry in packaging/linux
    icon = resources_dir() / "icons" / "mlsp-studio.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def open_window(target: str | None = None, settings: QSettings | None = None,
                dark: bool | None = None, welcome: bool = False) -> MainWindow:
    """The window on ``target`` (a preset name, a project file or a run folder), or on
    ``spiral``.

    A target that cannot be opened leaves the window on ``spiral`` with the reason shown.
    With ``welcome``, the lesson gallery opens too (unless work was recovered after a crash,
    or the gallery's "show when the studio starts" box was cleared).
    """
    app = make_app()
    settings = settings or QSettings(ORG, APP)
    if dark is None:
        dark = str(settings.value("dark", "false")).lower() == "true"
    apply_theme(app, dark)
    problem, path, run_folder = "", None, None
    if target and looks_like_run_folder(target):  # opened once the window is up
        run_folder, target = Path(target), None
    try:
        project = resolve_target(target) if target else load_preset(DEFAULT_PRESET)
        if target and Path(target).exists():
            path = Path(target)
    except StudioError as err:
        problem = str(err)
        project = load_preset(DEFAULT_PRESET)
    doc = StudioDocument(project)
    doc.path = path
    window = MainWindow(doc, dark=dark, settings=settings)
    if not window.restoreGeometry(settings.value("geometry") or b""):
        window.resize(*DEFAULT_SIZE)
    window.show()
    # the panels (pyqtgraph) and torch come once the window has painted
    QTimer.singleShot(AFTER_FIRST_PAINT_MS, window.create_panels)
    QTimer.singleShot(AFTER_FIRST_PAINT_MS, window.bridge.load_engine)
    if problem:
        QTimer.singleShot(0, lambda: QMessageBox.warning(window, "Cannot open", problem))
    if run_folder is not None:
        QTimer.singleShot(0, lambda: window.open_run(run_folder))
    QTimer.singleShot(0, lambda: _after_start(window, welcome))
    return window


def _after_start(window: MainWindow, welcome: bool) -> None:
    if window.recovery.offer_restore(window):  # work recovered after a crash comes first
        return
    if welcome and window.gallery_at_start():
        window.on_gallery()


def run_gui(target: str | None = None, watch: bool = False) -> int:
    """The studio on ``target``; with ``watch``, following the run folder ``target``."""
    app = make_app()
    if watch:
        window = open_window(None)
        QTimer.singleShot(0, lambda: window.watch_run(Path(target)))
    else:
        window = open_window(target, welcome=target is None)
    code = app.exec()
    window.bridge.release()
    return code


def _wait(app: QApplication, predicate, timeout: float) -> bool:
    """Run the event loop until ``predicate()`` holds or ``timeout`` seconds pass.

    A nested event loop, checked every 20 ms: no busy polling that would take the GUI
    thread from the window's drawing, and no ``app.quit()`` (which closes the windows in Qt 6).
    """
    if predicate():
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: predicate() and loop.quit())
    deadline.start(int(timeout * 1000))
    check.start()
    loop.exec()
    check.stop()
    deadline.stop()
    return bool(predicate())


def screenshot(target: str, out: Path, train_seconds: float = 5.0,
               size: tuple[int, int] = DEFAULT_SIZE, dark: bool = False) -> int:
    """Open ``target`` offscreen, train ``train_seconds``, save the whole window as PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "screenshot.ini"), QSettings.IniFormat)
        try:
            resolve_target(target)
        except StudioError as err:
            print(f"mlsp-studio: {err}", file=sys.stderr)
            return 2
        window = open_window(target, settings=settings, dark=dark)
        window.resize(*size)
        if not _wait(app, lambda: window.bridge.is_ready and window.panels, 120):
            print("mlsp-studio: PyTorch did not load", file=sys.stderr)
            return 1
        if train_seconds > 0:
            window.on_run()
            # the seconds count from the first step, not from building data and networks
            _wait(app, lambda: window.bridge.step_count > 0, 120)
            _wait(app, lambda: False, train_seconds)
            window.on_pause()
            _wait(app, lambda: window.state != "running", 5)
            _wait(app, lambda: False, 0.6)  # the last snapshots arrive and are drawn
            window.scheduler.flush()
        _wait(app, lambda: False, 0.2)
        image = window.grab()
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = image.save(str(out))
        window.bridge.release()
        window.settings = settings
        window.doc.undo_stack.setClean()
        window.close()
    if not ok:
        print(f"mlsp-studio: could not write {out}", file=sys.stderr)
        return 1
    print(f"{out}: {image.width()}×{image.height()}")
    return 0
