"""Nothing trained is lost without asking.

A setting that changes only what is drawn or sampled goes to the running run (see
``model/setting_kinds.py``); one that changes training needs a new run, and when the run so
far has trained, Run (Step, Compare variants) first asks: the run stays in Runs compared,
finished at its step, with its weights written so that it can be forked or saved; or Cancel
leaves it as it is. Mixed into MainWindow.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..errors import StudioError
from ..messages.recording import Recording
from ..model.project_diff import project_differences
from ..model.run_folder import copy_weights, free_folder, write_run_folder
from ..model.setting_kinds import VIEW, setting_kind
from .bridge import assert_gui_thread
from .panels.runs import has_recording

CHANGES_SHOWN = 4  # the changes named in the question; the rest are counted
TRAINED_STATES = ("running", "paused", "diverged")


def new_run_box(parent: QWidget | None, changes: list[str], step: int) -> QMessageBox:
    """The question asked before a new run replaces one that has trained to ``step``;
    ``box.start`` is its "Start a new run" button."""
    named = changes[:CHANGES_SHOWN]
    more = len(changes) - len(named)
    listed = "".join(f"\n  • {line}" for line in named)
    if more:
        listed += f"\n  • and {more} more"
    what = (f"Since this run started you changed what it trains:{listed}" if named else
            "Since this run started the project changed in a way that changes training.")
    box = QMessageBox(QMessageBox.Question, "Start a new run?",
                      f"{what}\n\nTraining with these changes starts a new run from step 0.",
                      QMessageBox.NoButton, parent)
    box.setInformativeText(
        f"The run so far (step {step:,}) stays in Runs compared, finished, with its weights "
        "as they are now: you can fork it or save its weights there. Cancel leaves it as it "
        "is, paused; Undo (Ctrl+Z) takes the changes back to train it further.")
    box.start = box.addButton("Start a new run", QMessageBox.AcceptRole)
    cancel = box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


def confirm_new_run(parent: QWidget | None, changes: list[str], step: int) -> bool:
    """Ask before a new run replaces one that has trained; True to start the new run."""
    box = new_run_box(parent, changes, step)
    box.exec()
    return box.clickedButton() is box.start


def changes_words(paradigm: str, changes: list[tuple[str, object]]) -> str:
    """What the running run took, in words: the settings it trains with from its next step,
    then those that change only its pictures."""
    def shown(value: object) -> str:
        return f"{value:g}" if isinstance(value, float | int) and not isinstance(value, bool) \
            else str(value)

    trained, pictures = [], []
    for name, value in changes:
        if name == "dropout":
            trained.append(f"dropout {value[1]} {shown(value[2])}")
        else:
            view = setting_kind(paradigm, name) == VIEW
            (pictures if view else trained).append(f"{name} {shown(value)}")
    parts = []
    if trained:
        parts.append(f"Changed while training: {', '.join(trained)}, from the next step")
    if pictures:
        parts.append(f"{', '.join(pictures)}: the pictures use it from now on; training goes "
                     "on as it was")
    return ". ".join(parts)


def save_run_weights(weights: dict[int, dict[str, str]], step: int,
                     folder: Path) -> list[Path]:
    """Copy the weights a run kept at ``step`` (one safetensors file per network) into
    ``folder``; returns the files written."""
    return copy_weights(weights[step], folder)


class RunKeeping:
    """Needs ``doc``, ``bridge``, ``state``, ``_stale``, ``_run_project``, ``panels``,
    ``_runs_panel`` and ``_show_status_text``."""

    def _may_start_over(self) -> bool:
        """True when a new run may replace the current one: nothing has trained, or the
        person agreed (the current run is then kept, finished, when it ends)."""
        if not (self._stale and self.bridge.active and self.bridge.step_count > 0
                and self.state in TRAINED_STATES):
            return True
        running = self._run_project
        changes = project_differences(running, self.doc.project) if running else []
        step = self.bridge.step_count
        if confirm_new_run(self, changes, step):
            return True
        self._show_status_text(f"The run goes on from step {step:,} as it was; Undo takes "
                               "the changes back, or Run starts a new run with them")
        return False

    def _note_run_state(self, state: str, step: int) -> None:
        """Say in Runs compared how the current run stands while it has not ended."""
        panel = self.panels.get("runs")
        if panel is None:
            return
        words = {"running": "training…", "paused": f"paused at step {step:,}",
                 "diverged": f"diverged at step {step:,}",
                 "error": f"stopped on an error at step {step:,}"}
        if state in words:
            panel.note_current(words[state])

    @Slot(int)
    def on_save_run_weights(self, index: int) -> None:
        """Save the last weights run ``index`` kept into a folder the person picks."""
        assert_gui_thread("MainWindow.on_save_run_weights")
        run = self._runs_panel().runs[index]
        if not run.weights:
            self._show_status_text(f"{run.name} has no weights kept to save.", error=True)
            return
        folder = QFileDialog.getExistingDirectory(self, f"Save the weights of {run.name}")
        if folder:
            self.save_run(index, Path(folder))

    def save_run(self, index: int, folder: Path) -> list[Path]:
        """Copy run ``index``'s last kept weights into ``folder`` and say so."""
        run = self._runs_panel().runs[index]
        step = max(run.weights)
        try:
            written = save_run_weights(run.weights, step, folder)
        except OSError as err:
            self._show_status_text(f"The weights were not saved: {err}", error=True)
            return []
        self._show_status_text(f"The weights of {run.name} at step {step:,} saved in {folder}")
        return written

    @Slot(int)
    def on_save_run_folder(self, index: int) -> None:
        """Write run ``index`` as a run folder inside a folder the person picks."""
        assert_gui_thread("MainWindow.on_save_run_folder")
        run = self._runs_panel().runs[index]
        parent = QFileDialog.getExistingDirectory(
            self, f"Save {run.name} as a run folder (a new folder is made inside)")
        if parent:
            self.save_run_folder(index, Path(parent))

    def save_run_folder(self, index: int, parent: Path) -> Path | None:
        """Write run ``index`` into a new folder under ``parent``, as ``mlsp-studio run --out``
        writes one: its project, final numbers, metrics, last kept weights and recording;
        returns the folder (None when it could not be written, said in the status bar)."""
        run = self._runs_panel().runs[index]
        if not run.weights or run.project is None:
            self._show_status_text(f"{run.name} kept no weights to save.", error=True)
            return None
        step = max(run.weights)
        folder = free_folder(parent, run.name)
        recording = Path(run.recording) if has_recording(run) else None
        try:
            records = Recording(recording).metrics() if recording is not None else sorted(
                (int(s), split, metric, float(v)) for (metric, split), history
                in run.series.items() for s, v in zip(*history.data(), strict=True))
            write_run_folder(folder, run.project, step, run.final, records,
                             run.weights[step], recording,
                             {"name": run.name, "written_by": "the window"})
        except (OSError, StudioError) as err:
            self._show_status_text(f"{run.name} was not saved: {err}", error=True)
            return None
        self._show_status_text(f"Saved {run.name} in {folder}; File → Open run… brings it "
                               "back" + (" with its recording." if recording else "."))
        return folder
