"""The studio window: palette, canvas, inspector, live panels, run controls and status."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..model.live import live_changes
from ..model.metric_units import final_lines, loss_meaning
from ..model.presets import list_presets
from .animation_export import AnimationExport
from .bridge import EngineBridge, Mail, assert_gui_thread
from .canvas import GraphScene, GraphView
from .cost_view import CostView
from .document import StudioDocument
from .file_actions import FileActions
from .gallery import GalleryActions
from .import_action import DataImportActions
from .inspector import INSPECTOR_WIDTH, Inspector
from .lesson_dock import LessonDock
from .palette import BlockPalette
from .panel_docks import VISUAL_EVERY_S, PanelDocks
from .panel_layouts import PanelLayouts
from .presentation import Presentation
from .recovery import Recovery
from .redraw import RedrawScheduler
from .replay import Replay
from .run_keeping import RunKeeping, changes_words
from .run_opening import RunOpening
from .shortcut_sheet import ShortcutSheet
from .slot_tabs import SlotTabs
from .speed_control import SpeedControl
from .status_line import StatusLine
from .variant_runs import VariantRuns
from .view_options import ViewOptions

ORG, APP = "MLSP Studio", "MLSP Studio"
ACTIVE_STATES = ("running", "paused", "diverged")


class MainWindow(Presentation, LessonDock, GalleryActions, VariantRuns, RunOpening, Replay,
                 RunKeeping, PanelDocks, PanelLayouts, FileActions, DataImportActions,
                 AnimationExport, SpeedControl, CostView, ViewOptions, QMainWindow):
    """One open project. Widgets are touched only here, in the GUI thread."""

    def __init__(self, doc: StudioDocument, bridge: EngineBridge | None = None,
                 dark: bool = False, settings: QSettings | None = None) -> None:
        super().__init__()
        self.doc = doc
        self.bridge = bridge or EngineBridge(self)
        self.settings = settings or QSettings(ORG, APP)
        self.dark = dark
        self.panels: dict[str, object] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.state = "idle"
        self._stale = False          # the project changed since the engine was built
        self._run_project = None     # what the engine was given, with the live changes sent
        self._sheet: ShortcutSheet | None = None
        self._visual_kinds: set[str] = set()
        self._visual_every = VISUAL_EVERY_S
        self.setWindowTitle("MLSP Studio")
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)
        self._build_centre()
        self._build_docks()
        self._build_actions()
        self._build_status()
        self._build_cost_view()
        self.scheduler = RedrawScheduler(self.bridge, self._draw, parent=self)
        self.recovery = Recovery(doc, self.settings, self)  # autosave of unsaved work
        self.bridge.ready.connect(self._on_engine_ready)
        self.bridge.loadFailed.connect(self._on_load_failed)
        self.bridge.crashed.connect(self._on_training_crashed)
        self.bridge.replied.connect(self._on_replied)
        doc.checked.connect(self._on_checked)
        doc.projectReplaced.connect(self._on_project_replaced)
        doc.graphChanged.connect(self._on_project_edited)
        doc.settingsChanged.connect(self._on_project_edited)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        self._on_project_replaced()
        self._restore_layout()

    # -- construction --------------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = QLabel(centre)
        self.banner.setObjectName("problemBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#problemBanner { background: #fdecea; color: #8a1c12;"
                                  " padding: 6px 10px; font-weight: 600; }")
        self.banner.hide()
        self.scene = GraphScene(self.doc)
        self.view = GraphView(self.scene, self.doc)
        self.slot_tabs = SlotTabs(self.doc, centre)
        layout.addWidget(self.banner)
        layout.addWidget(self.slot_tabs)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(centre)
        self.scene.message.connect(self._on_message)

    def _dock(self, name: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def _build_docks(self) -> None:
        self.palette = BlockPalette(self.doc.registry)
        self.palette.blockActivated.connect(self.view.add_block_at_center)
        palette = self._dock("palette", "Blocks", self.palette, Qt.LeftDockWidgetArea)
        self.inspector = Inspector(self.doc)
        inspector = self._dock("inspector", "Inspector", self.inspector, Qt.LeftDockWidgetArea)
        self.splitDockWidget(palette, inspector, Qt.Vertical)
        self.resizeDocks([palette, inspector], [260, 520], Qt.Vertical)
        self.resizeDocks([palette], [INSPECTOR_WIDTH], Qt.Horizontal)
        self._build_lesson_dock()

    def _build_actions(self) -> None:
        bar = QToolBar("Run", self)
        bar.setObjectName("runToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        style = self.style()
        self.act_run = QAction(style.standardIcon(style.StandardPixmap.SP_MediaPlay), "Run", self)
        self.act_pause = QAction(style.standardIcon(style.StandardPixmap.SP_MediaPause),
                                 "Pause", self)
        self.act_step = QAction(style.standardIcon(style.StandardPixmap.SP_MediaSeekForward),
                                "Step", self)
        self.act_reset = QAction(style.standardIcon(style.StandardPixmap.SP_MediaSkipBackward),
                                 "Reset", self)
        self.act_run.setToolTip("Train (Space)")
        self.act_pause.setToolTip("Pause training (Space)")
        self.act_step.setToolTip("One training step, then pause")
        self.act_reset.setToolTip("Forget the training so far and start again from step 0")
        for act, slot in ((self.act_run, self.on_run), (self.act_pause, self.on_pause),
                          (self.act_step, self.on_step), (self.act_reset, self.on_reset)):
            act.triggered.connect(slot)
            bar.addAction(act)
        QShortcut(QKeySequence(Qt.Key_Space), self, self.on_run_pause)
        self._build_speed_control(bar)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self._add(file_menu, "Lesson &gallery…", QKeySequence("Ctrl+G"), self.on_gallery)
        presets = file_menu.addMenu("New from preset")
        for info in list_presets():
            act = presets.addAction(f"{info.name} — {info.summary}")
            act.setData(info.name)
            act.triggered.connect(self._on_preset_action)
        self._add(file_menu, "&Open…", QKeySequence.Open, self.on_open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._add(file_menu, "Open a &run…", None, self.on_open_run)
        self._add(file_menu, "&Watch a run folder…", None, self.on_watch_run)
        self._add(file_menu, "&Save", QKeySequence.Save, self.on_save)
        self._add(file_menu, "Save &as…", QKeySequence.SaveAs, self.on_save_as)
        self._add(file_menu, "&Import data…", None, self.on_import_data)
        export = file_menu.addMenu("Export")
        self._add(export, "As a PyTorch script…", None, self.on_export_python)
        self._add(export, "Network as ONNX…", None, self.on_export_onnx)
        self._add(export, "Weights (safetensors)…", None, self.on_export_weights)
        self._add(export, "Panel as a picture (PNG, SVG)…", None, self.on_export_panel)
        self._add(export, "Curves as CSV…", None, self.on_export_metrics)
        self._add(export, "Animation (GIF)…", None, self.on_export_animation)
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", QKeySequence.Quit, self.close)
        edit = menu.addMenu("&Edit")
        undo = self.doc.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.doc.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.Redo])
        edit.addAction(undo)
        edit.addAction(redo)
        view = menu.addMenu("&View")
        self.act_dark = self._add(view, "Dark theme", None, self.on_toggle_dark)
        self.act_dark.setCheckable(True)
        self.act_dark.setChecked(self.dark)
        self._add(view, "Fit network in view", QKeySequence("Ctrl+0"), self.view.fit_all)
        self._build_view_options(view)
        self._panel_menu = view.addMenu("Panels")
        self._panel_menu.addAction(self.docks["palette"].toggleViewAction())
        self._panel_menu.addAction(self.docks["inspector"].toggleViewAction())
        self._panel_menu.addAction(self.docks["lesson"].toggleViewAction())
        self._build_presentation(view)
        run_menu = menu.addMenu("&Run")
        for act in (self.act_run, self.act_pause, self.act_step, self.act_reset):
            run_menu.addAction(act)
        run_menu.addSeparator()
        self.act_compare = self._add(run_menu, "Compare variants", None,
                                     self.on_compare_variants)
        self.act_compare.setToolTip("Train each variant of this preset in turn and overlay "
                                    "their curves in the Runs panel")
        help_menu = menu.addMenu("&Help")
        self._add(help_menu, "Keyboard shortcuts", QKeySequence("F1"), self.on_shortcuts)

    @Slot()
    def on_shortcuts(self) -> None:
        assert_gui_thread("MainWindow.on_shortcuts")
        if self._sheet is None:
            self._sheet = ShortcutSheet(self)
        self._sheet.show()
        self._sheet.raise_()

    def _add(self, menu, text, shortcut, slot) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(shortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_status(self) -> None:
        self.status_line = StatusLine(self)
        self.statusBar().addWidget(self.status_line, 1)
        self.lbl_state = self.status_line.message
        self.lbl_step, self.lbl_epoch, self.lbl_rate, self.lbl_device = self.status_line.fields
        self.lbl_step.setText("step 0")
        self.lbl_epoch.setText("epoch 0")
        self.lbl_rate.setText("— steps/s")
        self.lbl_device.setText("device: —")

    # -- run controls --------------------------------------------------------------------
    def _run_blocker(self) -> str:
        """Why Run is disabled, in words; empty when it can run."""
        if not self.bridge.is_ready:
            return self.bridge.load_error or "PyTorch is still loading"
        if not self.doc.check.ok:
            return self.doc.check.errors[0]
        return ""

    def _update_controls(self) -> None:
        blocker = self._run_blocker()
        running = self.state == "running"
        variants = bool(self.doc.project.variants)
        key = (blocker, running, self.bridge.run_number > 0, variants)
        if key == getattr(self, "_controls_key", None):
            return  # nothing changed: touching the widgets would only repaint them
        self._controls_key = key
        self.act_run.setEnabled(not blocker and not running)
        self.act_run.setToolTip(f"Run is disabled: {blocker}" if blocker else "Train (Space)")
        self.act_pause.setEnabled(running)
        self.act_step.setEnabled(not blocker and not running)
        self.act_reset.setEnabled(self.bridge.run_number > 0)
        self.act_compare.setEnabled(variants and not blocker and not running)
        self.inspector.set_running(running)

    def _needs_fresh_engine(self) -> bool:
        return (not self.bridge.active or self._stale
                or self.state in ("finished", "error", "stopped"))

    @Slot()
    def on_run(self) -> None:
        assert_gui_thread("MainWindow.on_run")
        if self._run_blocker() or not self._cost_allows_run() or not self._may_start_over():
            return
        if self._needs_fresh_engine():
            self._start_engine(running=True)
        else:
            self.bridge.run()
        self.state = "running"
        self._update_controls()

    @Slot()
    def on_pause(self) -> None:
        assert_gui_thread("MainWindow.on_pause")
        self.bridge.pause()

    @Slot()
    def on_run_pause(self) -> None:
        assert_gui_thread("MainWindow.on_run_pause")
        if self.state == "running":
            self.on_pause()
        else:
            self.on_run()

    @Slot()
    def on_step(self) -> None:
        assert_gui_thread("MainWindow.on_step")
        if (self._run_blocker() or self.state == "running" or not self._cost_allows_run()
                or not self._may_start_over()):
            return
        if self._needs_fresh_engine():
            self._start_engine(running=False)
        self.bridge.step()

    @Slot()
    def on_reset(self) -> None:
        assert_gui_thread("MainWindow.on_reset")
        self._cancel_variants()
        ended = self._end_run()
        self.state = "idle"
        self._stale = False
        for panel in self.panels.values():
            panel.reset()
        if ended:
            self._show_status_text("Reset: press Run to train from step 0")
        self.live_step_offset = 0
        self.lbl_step.setText("step 0")
        self.lbl_epoch.setText("epoch 0")
        self.lbl_rate.setText("— steps/s")
        self._update_controls()

    def _start_engine(self, running: bool, project=None, run_name: str = "") -> None:
        self.scheduler.forget()
        self.live_step_offset = 0
        for panel in self.panels.values():
            panel.reset()
        self._stale = False
        self._update_visuals()
        project = project or self.doc.project.copy()
        self._run_project = project.copy()
        ended = self._end_run()
        self._begin_run(run_name or project.name, self.bridge.start(project, running=running))
        if ended:  # else the words on the run that had to be ended stay
            self._show_status_text("Preparing data and networks…")

    def _end_run(self) -> bool:
        """Stop the current run; a step that does not end within a second is ended with its
        process, and the run keeps the weights of its last checkpoint (then False)."""
        step = self.bridge.step_count
        if self.bridge.shutdown(keep=True):  # its weights as they are, to fork or save
            self._run_stopped(f"finished at step {step:,}" if step else "stopped")
            return True
        kept = self._run_stopped(f"ended at step {step:,}")
        self._show_status_text("Training did not stop within a second: its process was ended "
                               f"and a fresh one started. {kept}".strip(), error=True)
        self.state = "stopped"
        self._update_controls()
        return False

    @Slot(str)
    def _on_training_crashed(self, why: str) -> None:
        """The training process ended on its own: the window and the project stay."""
        assert_gui_thread("MainWindow._on_training_crashed")
        self._cancel_variants()
        kept = self._run_stopped("its process ended")
        self.state = "error"
        kept = f"{kept} " if kept else ""
        self._show_status_text(f"The training process ended unexpectedly: {why}. The project "
                               f"is as it was. {kept}Press Run to train again in a fresh "
                               "process.", error=True)
        self._update_controls()

    # -- news from the training process --------------------------------------------------
    def _draw(self, mail: Mail) -> None:
        assert_gui_thread("MainWindow._draw")
        mail = self._replay_filter(self._count_on(mail))  # replayed steps hold back live ones
        self._keep_frames(mail)  # for File → Export → Animation
        if mail.built is not None:
            self.lbl_device.setText(f"device: {mail.built.device}")
            self._show_relevant_panels(set(mail.built.visual_kinds))
        if mail.metrics:
            for panel in self.panels.values():
                if panel.wants_metrics:
                    panel.add_metrics(mail.metrics)
        self._draw_units(mail)
        self.scheduler.draw_panels(mail, self.panels, self.docks)
        self._update_visuals()  # a tab raised or hidden since: ask for what is seen now
        if mail.status is not None:
            self._apply_status(mail.status)
        if mail.finished is not None:
            final = dict(mail.finished.final)
            self._run_finished(final)
            shown = final_lines(final, loss_meaning(self.doc.project), sets=("test set",))
            self._show_status_text(f"Finished after {mail.finished.step} steps "
                                   f"({mail.finished.seconds:.1f} s). "
                                   + "; ".join(line for line in shown if line.startswith("test")))

    def _apply_status(self, status) -> None:
        changed, self.state = status.state != self.state, status.state
        self.lbl_step.setText(f"step {status.step + self.live_step_offset:,}")
        self.lbl_epoch.setText(f"epoch {status.epoch:,}")
        self.lbl_rate.setText(f"{status.steps_per_second:,.0f} steps/s")
        self.lbl_device.setText(f"device: {status.device}")
        words = {"running": "Training…", "paused": "Paused", "idle": "Ready",
                 "finished": "Finished", "stopped": "Stopped"}
        if status.message:
            self._show_status_text(status.message, error=status.state in ("error", "diverged"))
        elif changed and status.state in words and status.state != "finished":
            self._show_status_text(words[status.state])  # what was said since stays
        self._update_controls()
        self._note_run_state(status.state, status.step + self.live_step_offset)
        self.cost_status(status)

    # -- document events -----------------------------------------------------------------
    @Slot()
    def _on_checked(self) -> None:
        assert_gui_thread("MainWindow._on_checked")
        problems = self.scene.global_problems() if hasattr(self.scene, "global_problems") else []
        if not self.doc.check.ok:
            first = problems[0] if problems else self.doc.check.errors[0]
            self.banner.setText(f"Run is disabled: {first}")
            self.banner.show()
        else:
            self.banner.hide()
        self._update_controls()

    @Slot()
    def _on_project_replaced(self) -> None:
        assert_gui_thread("MainWindow._on_project_replaced")
        self._cancel_variants()
        self.end_replay()
        self._end_run()
        self._load_pace()
        if self.panels.get("runs") is not None:
            self.panels["runs"].clear_runs()
        self.state = "idle"
        for panel in self.panels.values():
            panel.reset()
        self._lay_out_panels()
        self._on_checked()
        self._update_title()
        QTimer.singleShot(0, self.view.fit_all)

    @Slot()
    def _on_project_edited(self, *args) -> None:
        assert_gui_thread("MainWindow._on_project_edited")
        if not self.bridge.active or self._stale:
            return
        changes = (live_changes(self._run_project, self.doc.project)
                   if self._run_project is not None and self.doc.check.ok else None)
        if changes is None:
            self._stale = True
            if self.state == "running":
                self._show_status_text("The project changed: the next Run starts over with it")
            return
        for name, value in changes:  # the run takes these at its next step
            self.bridge.set_live(name, value)
        self._run_project = self.doc.project.copy()
        if changes:
            self._show_status_text(changes_words(self.doc.project.paradigm, changes))

    @Slot()
    def _update_title(self, *args) -> None:
        name = self.doc.path.name if self.doc.path else self.doc.project.name
        try:
            mark = "" if self.doc.undo_stack.isClean() else " •"
            self.setWindowTitle(f"{name}{mark} — MLSP Studio")
        except RuntimeError:  # the undo stack says it is clean as Qt tears it down at exit
            return

    @Slot(str)
    def _on_message(self, text: str) -> None:
        assert_gui_thread("MainWindow._on_message")
        self._show_status_text(text, error=True)

    def _show_status_text(self, text: str, error: bool = False) -> None:
        if (text, error) == getattr(self, "_status_text", None):
            return
        self._status_text = (text, error)
        self.lbl_state.setText(text)
        self.lbl_state.setToolTip(text)
        self.lbl_state.setStyleSheet("color: #b3261e; font-weight: 600;" if error else "")

    @Slot()
    def _on_engine_ready(self) -> None:
        assert_gui_thread("MainWindow._on_engine_ready")
        if getattr(self, "_status_text", None) is None:  # nothing said since it began loading
            self._show_status_text("Ready: press Run (Space) to train")
        self._update_controls()

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        assert_gui_thread("MainWindow._on_load_failed")
        self._show_status_text(message, error=True)
        self._update_controls()

    # -- closing -------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self._confirm_discard():
            event.ignore()
            return
        self.bridge.release()
        self.recovery.discard()  # saved, or let go on purpose: nothing to restore next time
        self.settings.setValue("geometry", self.saveGeometry())
        self.save_layout()  # for this project's paradigm
        event.accept()
