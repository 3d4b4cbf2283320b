"""Bring a finished run back into the window (File → Open run…, `mlsp-studio open RUN_DIR`).

Mixed into MainWindow. The run's project becomes the document; the run is listed in Runs
compared, finished, with its curves and final numbers and its final weights to fork from;
and the training process starts a paused run from those weights, so every panel, the
prompt box, fill-in-the-blank and diffusion sampling show the trained model. Run trains on
from them. The window only finds the files: the training process reads the weights.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..errors import StudioError
from ..model.run_folder import RunFolder, read_run_folder
from .bridge import assert_gui_thread

WAIT_FOR_PANELS_MS = 100


class RunOpening:
    """Needs ``doc``, ``bridge``, ``panels``, ``docks``, ``state``, ``_runs_panel``,
    ``_start_engine``, ``_confirm_discard``, ``_show_status_text``, ``_update_controls`` and
    ``start_replay``."""

    opened_run: RunFolder | None = None
    # a run that goes on from an opened run's weights counts its steps on from that run's
    live_step_offset = 0

    def _count_on(self, mail):
        """The live run's pictures stamped with the steps counted on from the opened run's
        (its own count starts at 0 from the trained weights); replayed ones are as recorded."""
        offset = self.live_step_offset
        if offset and mail.snapshots and not getattr(self, "_drawing_replay", False):
            mail.snapshots = {kind: replace(snap, step=snap.step + offset)
                              for kind, snap in mail.snapshots.items()}
        return mail

    @Slot()
    def on_open_run(self) -> None:
        assert_gui_thread("MainWindow.on_open_run")
        folder = self._ask_run_folder("Open a run folder (written by mlsp-studio run --out)")
        if folder is not None:
            self.open_run(folder)

    def _ask_run_folder(self, caption: str) -> Path | None:
        """A folder a person picks, once the project's unsaved edits are settled; None when
        they cancel either question."""
        if not self._confirm_discard():
            return None
        folder = QFileDialog.getExistingDirectory(self, caption)
        return Path(folder) if folder else None

    def open_run(self, folder: Path) -> bool:
        """Open the run in ``folder``; a folder that cannot be opened is said in a message and
        leaves the window as it was. True when it opened."""
        try:
            run = read_run_folder(folder)
        except StudioError as err:
            QMessageBox.warning(self, "Cannot open run", str(err))
            return False
        self.doc.replace_project(run.project)
        self.opened_run = run
        self._list_opened_run(run)
        return True

    def _list_opened_run(self, run: RunFolder, replay: bool = True) -> None:
        """List the run and start from its weights once the panels exist (they are made
        after the window first paints); with ``replay``, its recording goes on the
        timeline."""
        panel = self._runs_panel()
        if panel is None or self.bridge.process is None:  # both come after the first paint
            QTimer.singleShot(WAIT_FOR_PANELS_MS, lambda: self._list_opened_run(run, replay))
            return
        if self.opened_run is not run:  # another project was opened meanwhile
            return
        entry = panel.begin_run(f"{run.name} (run folder)", seed=run.project.seed)
        entry.project = run.project
        panel.add_metrics(run.records)
        panel.end_run(run.final, [run.steps])
        entry.weights = {run.steps: dict(run.weights)}
        entry.kept_elsewhere = True  # the person's files: never deleted by the window
        entry.recording = str(run.folder / "recording")
        self._pending_fork = (panel.runs.index(entry), run.steps)
        self.bridge.fork_weights = dict(run.weights)
        self._start_engine(running=False, run_name=f"{entry.name} ↳ step {run.steps:,}")
        self.live_step_offset = run.steps
        self.lbl_step.setText(f"step {run.steps:,}")
        curves = self.panels.get("curves")
        if curves is not None:  # its history, then what this run trains on after it
            curves.add_metrics(run.records)
            curves.step_offset = run.steps
        self.state = "paused"
        self._update_controls()
        if "runs" in self.docks:
            self.docks["runs"].setVisible(True)
        if replay and (run.folder / "recording").is_dir():
            self.start_replay(run.folder)
        together = f" on {run.processes} processes" + (
            f" ({run.global_batch:,} examples a step in all)" if run.global_batch else "") \
            if run.processes > 1 else ""
        self._show_status_text(
            f"Opened {run.name}: trained {run.steps:,} steps{together}; its final weights are "
            "loaded. The panels show the trained network; Run trains on from it"
            + ("; the timeline below replays how it learned." if self.recording else "."))
