"""What the panel tests share: a panel made, sized and shown for a test, the options it sends,
its items kept from one picture to the next, words typed into it, and calls from a thread
that is not the GUI's."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

from mlsp_studio.gui.panels import PANELS, Panel


def show_panel(qtbot, panel: Panel | str, size: tuple[int, int] = (600, 400),
               show: bool = True) -> Panel:
    """``panel`` (or a new panel of that registered name) in ``qtbot``'s care, ``size`` big
    and, unless ``show`` is off, shown."""
    if isinstance(panel, str):
        panel = PANELS.get(panel)()
    qtbot.addWidget(panel)
    panel.resize(*size)
    if show:
        panel.show()
    return panel


def options_sent(panel: Panel) -> list[tuple[str, Any]]:
    """The ``(name, value)`` options ``panel`` sends from now on, as they come."""
    sent: list[tuple[str, Any]] = []
    panel.optionChanged.connect(lambda name, value: sent.append((name, value)))
    return sent


def panel_and_options(qtbot, name: str, size: tuple[int, int]) -> tuple[Panel, list]:
    """A new panel of that registered name, shown, and the options it sends (a list that
    fills as they come)."""
    panel = show_panel(qtbot, name, size)
    return panel, options_sent(panel)


def scene_items(panel: Panel) -> list:
    """Every graphics item in every view of the panel, and every child widget (a text panel
    has widgets only), held so their ids stay valid."""
    items: list = panel.findChildren(QWidget)
    for view in panel.findChildren(QGraphicsView):
        items.extend(view.scene().items())
    return items


def assert_items_kept(panel: Panel, ordinary: Callable[[int], Any], what: str = "") -> None:
    """Two ordinary pictures of the same shape: the very same items, updated in place."""
    panel.show_snapshot(ordinary(1))
    QApplication.processEvents()
    before = scene_items(panel)
    panel.show_snapshot(ordinary(2))
    QApplication.processEvents()
    after = scene_items(panel)
    assert before and sorted(map(id, before)) == sorted(map(id, after)), what


def type_and_enter(qtbot, panel: Panel, box: QWidget, text: str) -> list:
    """Type ``text`` over what ``box`` holds and press Enter; the option ``panel`` sends."""
    box.setFocus()
    box.selectAll()
    with qtbot.waitSignal(panel.optionChanged) as blocker:
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key_Return)
    return blocker.args


def errors_from_another_thread(*calls: Callable[[], Any]) -> list[AssertionError]:
    """Make ``calls`` in a thread of their own; the AssertionErrors they raise, in order."""
    errors: list[AssertionError] = []

    def touch() -> None:
        for call in calls:
            try:
                call()
            except AssertionError as error:
                # without its traceback: the frames would tie the panel into a reference
                # cycle, and the cycle collector could then delete the widget from whichever
                # thread it happens to run in (a later test's), which crashes Qt
                errors.append(error.with_traceback(None))

    thread = threading.Thread(target=touch, name="panel-test-thread")
    thread.start()
    thread.join()
    return errors
