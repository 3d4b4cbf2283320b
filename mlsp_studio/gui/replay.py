"""Replay a run's recording on a timeline, or watch a run folder another process is writing.

Mixed into MainWindow. A step chosen on the timeline becomes a mailbox like the one the
training process fills (the metrics up to that step, the snapshot of each kind at it) and is
drawn by the window's one path from news to pixels (``_draw``). While the timeline shows an
earlier step, pictures of the live run (the trained weights, paused) are held back; when
training goes on, the live run takes the panels again.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QMessageBox, QToolBar

from ..errors import StudioError
from ..messages.recording import Recording, find_recording
from ..model.project import load_project
from ..model.run_folder import looks_like_run_folder
from .bridge import Mail, assert_gui_thread
from .timeline import Timeline

WATCH_EVERY_MS = 500
QUIET_S = 60.0  # a watched run that writes nothing for this long is said to have gone quiet
CHANGE = "change"  # the metrics' set for a setting changed while training


class Replay:
    """Needs ``doc``, ``panels``, ``docks``, ``opened_run``, ``_draw``, ``_list_opened_run``,
    ``_ask_run_folder``, ``_show_status_text`` and ``addToolBar``."""

    recording: Recording | None = None
    timeline: Timeline | None = None
    _timeline_bar: QToolBar | None = None
    _watched: Path | None = None
    _watch_timer: QTimer | None = None
    _drawing_replay = False
    _loaded_serial: int | None = None
    _quiet_since = 0.0
    _quiet_said = False

    # -- starting --------------------------------------------------------------------------
    def start_replay(self, folder: Path, watching: bool = False) -> bool:
        """Show ``folder``'s recording on the timeline, at its last step; False (said in the
        status line) when it has none."""
        try:
            recording = Recording(find_recording(folder))
        except StudioError as err:
            self._show_status_text(f"No timeline: {err}.")
            return False
        self.recording, self._loaded_serial = recording, None
        bar = self._ensure_timeline()
        self.timeline.follow.setVisible(watching)
        bar.setVisible(True)
        self._refresh_timeline()
        return True

    def end_replay(self) -> None:
        """Back to the live run only (another project, or training goes on)."""
        if self._watch_timer is not None:
            self._watch_timer.stop()
        self.recording, self._watched, self.opened_run = None, None, None
        if self._timeline_bar is not None:
            self.timeline.pause()
            self._timeline_bar.setVisible(False)

    def _ensure_timeline(self) -> QToolBar:
        if self._timeline_bar is None:
            self.timeline = Timeline()
            self.timeline.stepChosen.connect(self._replay_show)
            bar = QToolBar("Timeline")
            bar.setObjectName("timeline")
            bar.setMovable(False)
            bar.addWidget(self.timeline)
            self.addToolBar(Qt.BottomToolBarArea, bar)
            self._timeline_bar = bar
            for dock in self.docks.values():  # a panel brought forward shows the step too
                dock.visibilityChanged.connect(self._on_dock_shown)
        return self._timeline_bar

    def _refresh_timeline(self) -> None:
        recording = self.recording
        steps = sorted({s for kind in recording.kinds for s in recording.steps(kind)})
        records = recording.metrics()
        if not steps:
            steps = sorted({r[0] for r in records})
        marks = sorted({r[0] for r in records if r[1] == CHANGE})
        self.timeline.set_steps(steps, marks)

    # -- one step ----------------------------------------------------------------------------
    @Slot(int)
    def _replay_show(self, step: int) -> None:
        """Draw the run as it was at ``step``: every curve up to it, every picture at it."""
        assert_gui_thread("Replay._replay_show")
        recording = self.recording
        if recording is None:
            return
        try:
            snapshots = recording.snapshots_at(step)
            if self._loaded_serial != recording.index.serial:  # the curves of the whole run
                self._load_metrics(recording.metrics())
        except StudioError as err:
            self._show_status_text(f"The recording cannot be read at step {step:,}: {err}",
                                   error=True)
            return
        shown = [name for name, panel in self.panels.items() if hasattr(panel, "show_until")]
        for name in shown:  # drawn up to the step; its history and axes stay
            self.panels[name].show_until(None if self.timeline.at_end else step)
        self.scheduler.note_metrics(shown)
        opened = self.opened_run
        if opened is not None and "curves" in self.panels and self.timeline.at_end:
            self.panels["curves"].step_offset = opened.steps  # training goes on after it
        mail = Mail()
        mail.snapshots = dict(snapshots)
        self._drawing_replay = True
        try:
            self.scheduler.paint(mail)  # through ``_draw``, as live news
        finally:
            self._drawing_replay = False

    def _load_metrics(self, records: list) -> None:
        """Give the curves every metric of the recording (once per version of its index)."""
        for name, panel in self.panels.items():
            if panel.wants_metrics and name != "runs":  # the runs list keeps its own runs
                panel.reset()
                panel.start_run(self.doc.project)
                panel.add_metrics(records)
        self._loaded_serial = self.recording.index.serial

    @Slot(bool)
    def _on_dock_shown(self, visible: bool) -> None:
        if visible and self.recording is not None and self.timeline.current_step is not None:
            QTimer.singleShot(0, lambda: self._replay_show(self.timeline.current_step)
                              if self.recording is not None else None)

    def _replay_filter(self, mail: Mail) -> Mail:
        """The live run's news while a recording is on the timeline: its pictures wait while
        an earlier step is shown; once it trains, the timeline gives way to it."""
        if self.recording is None or self._drawing_replay or self._watched is not None:
            return mail
        if mail.status is not None and mail.status.state == "running":
            for panel in self.panels.values():  # the whole run's curves, then what trains on
                if hasattr(panel, "show_until"):
                    panel.show_until(None)
            self.end_replay()
            return mail
        if not self.timeline.at_end:
            mail.snapshots.clear()
            mail.made_at.clear()
        return mail

    @Slot(int)
    def on_replay_run(self, index: int) -> None:
        """Put run ``index`` of Runs compared on the timeline (its pictures as it trained)."""
        assert_gui_thread("MainWindow.on_replay_run")
        run = self._runs_panel().runs[index]
        if run.recording and self.start_replay(Path(run.recording)):
            self._show_status_text(f"Replaying {run.name}: drag the timeline, or press Play.")

    # -- watching a folder -------------------------------------------------------------------
    @Slot()
    def on_watch_run(self) -> None:
        assert_gui_thread("MainWindow.on_watch_run")
        folder = self._ask_run_folder(
            "Watch a run folder (a run writing into it, here or synced from a server)")
        if folder is not None:
            self.watch_run(folder)

    def watch_run(self, folder: Path) -> bool:
        """Follow the run another process writes into ``folder``: the canvas shows its
        network, the timeline grows with its steps, and its end is noticed."""
        if not folder.is_dir():
            QMessageBox.warning(self, "Cannot watch", f"{folder} is not a folder.")
            return False
        try:
            project = load_project(folder / "project.json")
        except StudioError as err:
            QMessageBox.warning(self, "Cannot watch", f"{folder} does not hold a run's "
                                f"project yet ({err}); start the run with --out {folder}.")
            return False
        self.doc.replace_project(project)
        self._watched, self.recording = folder, None
        self._quiet_since, self._quiet_said = time.monotonic(), False
        if self._watch_timer is None:
            self._watch_timer = QTimer(self)
            self._watch_timer.timeout.connect(self._on_watch_tick)
        self._watch_timer.start(WATCH_EVERY_MS)
        self._show_status_text(f"Watching {folder.name}: the timeline grows as the run "
                               "writes its recording.")
        self._on_watch_tick()
        return True

    @Slot()
    def _on_watch_tick(self) -> None:
        folder = self._watched
        if folder is None:
            return
        try:
            if self.recording is None:
                if not (folder / "recording" / "index.json").is_file():
                    return self._maybe_quiet(folder)
                self.start_replay(folder, watching=True)
                self._watched = folder
                grew = True
            else:
                grew = self.recording.refresh()
        except StudioError as err:  # a file half-synced or spoilt: said, and tried again
            self._show_status_text(f"{folder.name}: {err}; trying again.", error=True)
            return
        if grew:
            self._quiet_since, self._quiet_said = time.monotonic(), False
            self._refresh_timeline()
        if self.recording is not None and self.recording.ended:
            self._watched_run_ended(folder)
        elif not grew:
            self._maybe_quiet(folder)

    def _maybe_quiet(self, folder: Path) -> None:
        if not self._quiet_said and time.monotonic() - self._quiet_since > QUIET_S:
            self._quiet_said = True
            self._show_status_text(f"Nothing new in {folder.name} for a minute: the run may "
                                   "have stopped, or it writes slowly; still watching.")

    def _watched_run_ended(self, folder: Path) -> None:
        """The run has ended: once its folder is whole (weights and summary come last), its
        weights are brought in as for an opened run."""
        recording = self.recording
        if not looks_like_run_folder(folder):
            self._show_status_text(f"The run ended at step {recording.last_step:,} "
                                   f"({recording.end_reason}); waiting for its summary.")
            return
        self._watch_timer.stop()
        self._watched = None
        self.timeline.follow.setVisible(False)
        try:
            from ..model.run_folder import read_run_folder

            run = read_run_folder(folder)
        except StudioError as err:
            self._show_status_text(f"The run ended at step {recording.last_step:,} "
                                   f"({recording.end_reason}); its weights cannot be "
                                   f"opened: {err}", error=True)
            return
        self.opened_run = run
        self._list_opened_run(run, replay=False)
        self._show_status_text(f"The run ended at step {run.steps:,} "
                               f"({recording.end_reason}); its final weights are loaded: "
                               "the panels show the trained network.")
