"""The Lesson panel: the open project's title, what it shows and "try this" steps to tick."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..model.presets import try_steps
from .bridge import assert_gui_thread

NO_STEPS = ("This project has no steps to try. The lesson gallery (File → Lesson gallery…, "
            "Ctrl+G) has every preset of the studio, each with a few things to try.")


class _StepLabel(QLabel):
    """A step's words; a click on them ticks the box beside them, as on a paper sheet."""

    def __init__(self, text: str, box: QCheckBox) -> None:
        super().__init__(text)
        self.box = box
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.NoTextInteraction)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.box.toggle()


class LessonPanel(QWidget):
    """Shows one project's lesson; ``galleryRequested`` asks the window for the gallery."""

    galleryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: list[QCheckBox] = []
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.RichText)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.try_heading = QLabel("<b>Try this</b>", self)
        self.steps_host = QWidget(self)
        self.steps = QVBoxLayout(self.steps_host)
        self.steps.setContentsMargins(0, 0, 0, 0)
        self.steps.setSpacing(8)
        self.progress = QLabel(self)
        self.progress.setEnabled(False)  # greyed: a count, not an instruction
        self.empty = QLabel(NO_STEPS, self)
        self.empty.setWordWrap(True)
        self.gallery_button = QPushButton("Open the lesson gallery…", self)
        self.gallery_button.clicked.connect(self.galleryRequested)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(10)
        line = QFrame(body)
        line.setFrameShape(QFrame.HLine)
        for widget in (self.title, self.description, line, self.try_heading, self.steps_host,
                       self.progress, self.empty):
            column.addWidget(widget)
        column.addWidget(self.gallery_button, 0, Qt.AlignLeft)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.show_lesson("", "", ())

    def show_project(self, project) -> None:
        """Show ``project``'s lesson (its ``ui`` title and steps, its description)."""
        ui = project.ui if isinstance(project.ui, dict) else {}
        self.show_lesson(str(ui.get("title") or project.name), project.description,
                         try_steps(ui))

    def show_lesson(self, title: str, description: str, steps: tuple[str, ...]) -> None:
        """Replace what is shown; every tick starts cleared."""
        assert_gui_thread("LessonPanel.show_lesson")
        # a size relative to the window's font, so presentation mode enlarges it too
        self.title.setText(f'<span style="font-size: large; font-weight: 600;">'
                           f'{escape(title or "Untitled project")}</span>')
        self.description.setText(description)
        self.description.setVisible(bool(description))
        while self.steps.count():
            item = self.steps.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.boxes = []
        for number, step in enumerate(steps, 1):
            row = QWidget(self.steps_host)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(6)
            box = QCheckBox(row)
            box.setToolTip("Tick it when you have tried it")
            box.toggled.connect(self._update_progress)
            label = _StepLabel(f"{number}. {step}", box)
            layout.addWidget(box, 0, Qt.AlignTop)
            layout.addWidget(label, 1)
            self.steps.addWidget(row)
            self.boxes.append(box)
        for widget in (self.try_heading, self.steps_host, self.progress):
            widget.setVisible(bool(steps))
        self.empty.setVisible(not steps)
        self._update_progress()

    def step_texts(self) -> list[str]:
        """The shown steps' words, numbers included, in order."""
        return [self.steps.itemAt(i).widget().findChild(_StepLabel).text()
                for i in range(self.steps.count())]

    @Slot()
    def _update_progress(self, *args) -> None:
        done = sum(box.isChecked() for box in self.boxes)
        total = len(self.boxes)
        self.progress.setText("All tried: open another lesson from the gallery." if total
                              and done == total else f"{done} of {total} tried")


class LessonDock:
    """Mixed into MainWindow: the Lesson dock, kept in step with the open project. Needs
    ``doc``, ``docks``, ``_dock`` and ``on_gallery``."""

    def _build_lesson_dock(self) -> None:
        self.lesson = LessonPanel()
        self.lesson.galleryRequested.connect(self.on_gallery)
        dock = self._dock("lesson", "Lesson", self.lesson, Qt.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["palette"], dock)
        self.docks["palette"].raise_()
        self.doc.projectReplaced.connect(self._on_lesson_project)
        self._on_lesson_project()

    @Slot()
    def _on_lesson_project(self) -> None:
        assert_gui_thread("MainWindow._on_lesson_project")
        self.lesson.show_project(self.doc.project)
        if self.lesson.boxes:
            self.docks["lesson"].raise_()  # a lesson was opened: its steps come to the front

