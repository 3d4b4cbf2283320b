"""The lesson gallery: every preset as a card (picture, title, what it shows), searchable.

A run folder can be attached to a lesson (the card's context menu, kept in the window's
settings per preset): opening that lesson then opens the run, its recording on the timeline,
ready to replay in front of a class without training first."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..errors import StudioError
from ..messages.recording import find_recording
from ..model.presets import PresetInfo, list_presets, load_preset
from ..model.run_folder import read_run_folder
from .bridge import assert_gui_thread

COLUMNS = 3
THUMB = (320, 200)
CARD_WIDTH = THUMB[0] + 24
LEAD_CHARS = 260  # the card shows the paragraph's opening; the whole of it is in the tooltip
RUNS_GROUP = "lesson_runs"  # settings: preset name → the run folder attached to its lesson


def attached_run(settings: QSettings | None, name: str) -> Path | None:
    """The run folder attached to lesson ``name`` in ``settings``, or None."""
    value = settings.value(f"{RUNS_GROUP}/{name}", "") if settings is not None else ""
    return Path(str(value)) if value else None


def attach_run(settings: QSettings, name: str, folder: Path | None) -> None:
    """Attach the run in ``folder`` to lesson ``name`` (None: detach it). A folder that is
    not a recorded run: :class:`StudioError`, in a sentence, and nothing changes."""
    key = f"{RUNS_GROUP}/{name}"
    if folder is None:
        settings.remove(key)
        return
    folder = Path(folder).resolve()
    read_run_folder(folder)  # its project and weights, as opening it will need
    find_recording(folder)   # and a recording to replay
    settings.setValue(key, str(folder))


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The opening sentences of ``text`` that fit in ``limit`` characters (at least one)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for sentence in text.replace(". ", ".\n").splitlines():
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out if len(out) <= limit else out[: limit - 1].rsplit(" ", 1)[0] + "…"


def matches(info: PresetInfo, query: str) -> bool:
    """Whether every word of ``query`` appears in the preset's name, words or steps."""
    haystack = " ".join((info.name, info.title, info.summary, info.description,
                         *info.steps)).lower()
    return all(word in haystack for word in query.lower().split())


class LessonCard(QFrame):
    """One preset: its thumbnail, title and the opening of its paragraph."""

    clicked = Signal(str)
    activated = Signal(str)
    attachRequested = Signal(str)
    detachRequested = Signal(str)

    def __init__(self, info: PresetInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setObjectName("lessonCard")
        self.setFrameShape(QFrame.StyledPanel)
        self.setFixedWidth(CARD_WIDTH)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip(f"<p>{info.description}</p><p><i>Double-click to open; right-click "
                        "to attach a recorded run to the lesson.</i></p>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        self.picture = QLabel(self)
        self.picture.setFixedSize(*THUMB)
        self.picture.setAlignment(Qt.AlignCenter)
        pixmap = QPixmap(str(info.thumbnail)) if info.thumbnail else QPixmap()
        if pixmap.isNull():
            self.picture.setText("no picture yet")
        else:
            self.picture.setPixmap(pixmap.scaled(*THUMB, Qt.KeepAspectRatio,
                                                 Qt.SmoothTransformation))
        self.title = QLabel(f'<span style="font-size: large; font-weight: 600;">'
                            f"{escape(info.title)}</span>", self)
        self.title.setWordWrap(True)
        self.text = QLabel(lead(info.description or info.summary), self)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        name = QLabel(f"preset: {info.name} · {len(info.steps)} things to try", self)
        name.setForegroundRole(self.foregroundRole())
        name.setEnabled(False)  # greyed: a detail, not the message
        name.setWordWrap(True)
        self.run_note = QLabel(self)
        self.run_note.setWordWrap(True)
        for widget in (self.picture, self.title, self.text):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.run_note)
        layout.addWidget(name)
        self.set_attached(None)
        self.set_selected(False)

    def set_attached(self, folder: Path | None) -> None:
        """Say on the card which run folder opening the lesson replays (none: nothing)."""
        self.attached = folder
        self.run_note.setText(f"<i>Opens the recorded run {escape(folder.name)}</i>"
                              if folder is not None else "")
        self.run_note.setToolTip(str(folder) if folder is not None else "")
        self.run_note.setHidden(folder is None)

    def menu(self) -> QMenu:
        """The card's context menu: attach a run folder to the lesson, or detach it."""
        menu = QMenu(self)
        menu.addAction("Attach a run folder…", lambda: self.attachRequested.emit(self.info.name))
        if self.attached is not None:
            menu.addAction("Detach the run folder",
                           lambda: self.detachRequested.emit(self.info.name))
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.menu().exec(event.globalPos())

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        edge = "palette(highlight)" if selected else "palette(mid)"
        width = 3 if selected else 1
        self.setStyleSheet(f"QFrame#lessonCard {{ border: {width}px solid {edge}; "
                           "border-radius: 6px; background: palette(base); }")

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.clicked.emit(self.info.name)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.activated.emit(self.info.name)


class LessonGallery(QDialog):
    """Pick a preset to learn from; ``presetChosen(name)`` asks the window to open it."""

    presetChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Lesson gallery")
        self.infos = list_presets()
        self.selected: str | None = None
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the lessons, e.g. attention, overfitting, GAN…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.count = QLabel(self)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(12)
        self.grid.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.cards: dict[str, LessonCard] = {}
        for info in self.infos:
            card = LessonCard(info, self.grid_host)
            card.clicked.connect(self.select)
            card.activated.connect(self.choose)
            card.attachRequested.connect(self.on_attach)
            card.detachRequested.connect(lambda name: self.attach(name, None))
            card.set_attached(attached_run(settings, info.name))
            if settings is None:  # nowhere to keep an attached run
                card.setContextMenuPolicy(Qt.NoContextMenu)
            self.cards[info.name] = card
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.scroll = scroll
        self.buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Close, self)
        self.buttons.button(QDialogButtonBox.Open).setText("Open lesson")
        self.buttons.accepted.connect(lambda: self.choose(self.selected or ""))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel("Each lesson is a preset: a network, its data and its settings, ready to "
                       "train. Open one and the Lesson panel lists things to try with it.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.count)
        bottom = QHBoxLayout()
        self.at_start = QCheckBox("Show the gallery when the studio starts", self)
        self.at_start.setChecked(True)
        bottom.addWidget(self.at_start)
        bottom.addWidget(self.buttons, 1)
        layout.addLayout(bottom)
        self.filter("")
        if self.infos:
            self.select(self.infos[0].name)
        self.resize(COLUMNS * (CARD_WIDTH + 12) + 60, 780)

    def visible_names(self) -> list[str]:
        """The presets whose cards are shown, in gallery order."""
        return [info.name for info in self.infos if not self.cards[info.name].isHidden()]

    @Slot(str)
    def filter(self, query: str) -> None:
        """Show only the cards matching every word of ``query``, packed in order."""
        for card in self.cards.values():
            self.grid.removeWidget(card)
        shown = [info for info in self.infos if matches(info, query)]
        for index, info in enumerate(shown):
            card = self.cards[info.name]
            self.grid.addWidget(card, index // COLUMNS, index % COLUMNS)
            card.setHidden(False)
        for info in self.infos:
            if info not in shown:
                self.cards[info.name].setHidden(True)
        total = len(self.infos)
        self.count.setText(f"{len(shown)} of {total} lessons" if query.strip() else
                           f"{total} lessons, in the order of the course")
        if shown and self.selected not in {info.name for info in shown}:
            self.select(shown[0].name)
        self.buttons.button(QDialogButtonBox.Open).setEnabled(bool(shown))

    @Slot(str)
    def select(self, name: str) -> None:
        self.selected = name
        for key, card in self.cards.items():
            card.set_selected(key == name)

    @Slot(str)
    def on_attach(self, name: str) -> None:
        """Ask for a run folder and attach it to lesson ``name``."""
        assert_gui_thread("LessonGallery.on_attach")
        folder = QFileDialog.getExistingDirectory(
            self, f"Attach a run folder to the lesson {self.cards[name].info.title}")
        if folder:
            self.attach(name, Path(folder))

    def attach(self, name: str, folder: Path | None) -> bool:
        """Attach ``folder`` (None: detach) to lesson ``name``; a folder that is not a
        recorded run is said in a message and changes nothing. True when it was done."""
        if self.settings is None:
            return False
        try:
            attach_run(self.settings, name, folder)
        except StudioError as err:
            QMessageBox.warning(self, "Cannot attach the run", str(err))
            return False
        self.cards[name].set_attached(attached_run(self.settings, name))
        return True

    @Slot(str)
    def choose(self, name: str) -> None:
        if name in self.cards and not self.cards[name].isHidden():
            self.presetChosen.emit(name)
            self.accept()


AT_START_KEY = "gallery_at_start"


class GalleryActions:
    """Mixed into MainWindow: File → Lesson gallery… and opening a preset by name. Needs
    ``doc``, ``settings``, ``_confirm_discard`` and ``open_run``."""

    _gallery: LessonGallery | None = None

    def gallery_at_start(self) -> bool:
        """Whether a start without a project opens the gallery (on until its box is cleared)."""
        return str(self.settings.value(AT_START_KEY, "true")).lower() == "true"

    @Slot()
    def on_gallery(self) -> None:
        assert_gui_thread("MainWindow.on_gallery")
        if self._gallery is None:
            self._gallery = LessonGallery(self, self.settings)
            self._gallery.presetChosen.connect(self.open_lesson)
            self._gallery.at_start.setChecked(self.gallery_at_start())
            self._gallery.at_start.toggled.connect(
                lambda on: self.settings.setValue(AT_START_KEY, "true" if on else "false"))
        self._gallery.search.clear()
        self._gallery.show()
        self._gallery.raise_()
        self._gallery.activateWindow()

    @Slot(str)
    def open_preset(self, name: str) -> bool:
        """Open preset ``name``, asking first about unsaved changes (False: not opened)."""
        assert_gui_thread("MainWindow.open_preset")
        if not self._confirm_discard():
            return False
        try:
            self.doc.replace_project(load_preset(name))
        except StudioError as err:
            QMessageBox.warning(self, "Cannot open preset", str(err))
            return False
        return True

    @Slot(str)
    def open_lesson(self, name: str) -> bool:
        """Open preset ``name``, then the run folder attached to its lesson if there is one
        (its recording goes on the timeline). False when the preset was not opened."""
        if not self.open_preset(name):
            return False
        folder = attached_run(self.settings, name)
        if folder is not None:
            self.open_run(folder)  # a folder gone meanwhile is said; the preset stays open
        return True
