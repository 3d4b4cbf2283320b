"""Compare a preset's variants in the window: train each in turn, keep each as a run.

Mixed into MainWindow. Every run the window starts is announced to the panels (they name what
its loss is) and listed in the runs panel, so plain runs and variants alike can be overlaid
there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QInputDialog

from ..errors import StudioError
from ..model.project_diff import project_differences
from .bridge import assert_gui_thread

RUNS_WITH_WEIGHTS = 4  # the last runs keep their checkpoints in memory to be forked


class VariantRuns:
    """Needs ``doc``, ``bridge``, ``panels``, ``docks``, ``state``, ``_start_engine``,
    ``_run_blocker``, ``_show_status_text`` and ``_update_controls``."""

    _variant_queue: list[str]
    _variant_total = 0
    _pending_fork: tuple[int, int] | None = None

    def _runs_panel(self):
        panel = self.panels.get("runs")
        if panel is not None and not getattr(panel, "_fork_wired", False):
            panel._fork_wired = True
            panel.forkRequested.connect(self.on_fork_run)
            panel.saveRequested.connect(self.on_save_run_weights)
            panel.saveFolderRequested.connect(self.on_save_run_folder)
            panel.replayRequested.connect(self.on_replay_run)
        return panel

    @Slot()
    def on_compare_variants(self) -> None:
        """Train every variant of the open project in turn, one run each."""
        assert_gui_thread("MainWindow.on_compare_variants")
        names = list(self.doc.project.variants)
        if not names:
            self._show_status_text("This project has no variants to compare; the presets "
                                   "with variants say so in File → New from preset.")
            return
        blocker = self._run_blocker()
        if blocker:
            self._show_status_text(f"Cannot compare variants: {blocker}", error=True)
            return
        if not self._cost_allows_run():  # a step that will not fit: asked, as for Run
            return
        self._variant_queue = names
        self._variant_total = len(names)
        self._start_next_variant()

    def _start_next_variant(self) -> None:
        while self._variant_queue:
            name = self._variant_queue.pop(0)
            try:
                project = self.doc.project.with_variant(name)
            except StudioError as err:
                self._show_status_text(f"Variant {name}: {err}", error=True)
                continue
            done = self._variant_total - len(self._variant_queue)
            self._start_engine(running=True, project=project, run_name=name)
            self._show_status_text(f"Comparing variants: {name} ({done} of "
                                   f"{self._variant_total})…")
            self._stale = True  # the next plain Run trains the project as it is again
            self.state = "running"
            self._update_controls()
            return

    def _begin_run(self, name: str, run_number: int) -> None:
        project = getattr(self, "_run_project", None)
        if project is not None:  # the panels name what the run's numbers are
            for each in self.panels.values():
                each.start_run(project)
        panel = self._runs_panel()
        if panel is None:
            return
        fork, self._pending_fork = self._pending_fork, None
        parent, base = "", None
        if fork is not None:  # forked: compared with the run it came from
            source = panel.runs[fork[0]]
            parent, base = f"{source.name} @ step {fork[1]}", source.project
        elif project is not None and project.name != self.doc.project.name:
            parent, base = self.doc.project.name, self.doc.project  # a variant of the preset
        else:  # a plain run: compared with the previous run of this project
            earlier = [r for r in panel.runs if r.project is not None
                       and r.project.name == getattr(project, "name", None)]
            if earlier:
                parent, base = earlier[-1].name, earlier[-1].project
        differs = project_differences(base, project) if base and project else []
        if base is not None and project is not None and not differs:
            differs = ["nothing"]
        run = panel.begin_run(name, parent, differs, None if project is None else project.seed,
                              start_step=fork[1] if fork is not None else 0)
        run.project = project
        run.number = run_number  # the training process files its weights under this number
        process = self.bridge.process  # and records it beside them
        if process is not None:
            run.recording = str(Path(process.weights_dir) / f"run-{run_number}" / "recording")

    def _run_finished(self, final: dict[str, float]) -> None:
        panel = self._runs_panel()
        if panel is not None:
            run = panel._current
            steps = self._keep_weights(run)
            panel.end_run(final, steps)
            if "runs" in self.docks and not self.docks["runs"].isVisible():
                self.docks["runs"].setVisible(True)
        if getattr(self, "_variant_queue", None):
            QTimer.singleShot(0, self._start_next_variant)
        elif self._variant_total:
            self._variant_total = 0
            if "runs" in self.docks:
                self.docks["runs"].raise_()

    def _keep_weights(self, run) -> list[int]:
        """File with ``run`` the checkpoints the training process wrote for it (and its final
        weights, when it finished); only the last few runs keep theirs on disk."""
        if run is None:
            return []
        weights = self.bridge.kept.get(getattr(run, "number", 0))
        if not weights:
            return []
        run.weights = dict(weights)
        held = [r for r in self._runs_panel().runs  # an opened run's files are the person's
                if r.weights and not getattr(r, "kept_elsewhere", False)]
        for old in held[:-RUNS_WITH_WEIGHTS]:
            _delete_weights(old.weights)
            if old.recording:  # its recording goes with its weights
                shutil.rmtree(old.recording, ignore_errors=True)
                old.recording = ""
            old.weights, old.checkpoints = None, []
        return sorted(weights)

    def _run_stopped(self, note: str) -> str:
        """The current run ended without finishing: mark it, keep what it wrote, and say
        which weights it keeps in a sentence."""
        panel = self._runs_panel()
        run = panel._current if panel is not None else None
        if run is None:
            return ""
        steps = self._keep_weights(run)
        panel.end_run({}, steps, note)
        if not steps:
            return "The run had written no checkpoint yet."
        return (f"The run keeps the weights of its last checkpoint (step {steps[-1]:,}); "
                "Fork in Runs compared starts from them.")

    @Slot(int)
    def on_fork_run(self, index: int) -> None:
        """Ask which checkpoint of run ``index`` to start from, then fork it."""
        assert_gui_thread("MainWindow.on_fork_run")
        panel = self._runs_panel()
        run = panel.runs[index]
        if not run.weights:
            self.fork_run(index, -1)  # says why in words
            return
        steps = sorted(run.weights)
        labels = [f"step {s}" + (" (final)" if s == steps[-1] else "") for s in steps]
        label, ok = QInputDialog.getItem(
            self, "Fork a run", f"Start a new run from {run.name}'s weights at:\n(it trains "
            "with the settings the project has now)", labels, len(labels) - 1, False)
        if ok:
            self.fork_run(index, steps[labels.index(label)])

    def fork_run(self, index: int, step: int) -> bool:
        """Train a new run from run ``index``'s weights at ``step`` with the project as it is
        now; a refusal is said in the status bar. True when the run started."""
        panel = self._runs_panel()
        run = panel.runs[index]
        if not run.weights:
            why = ("it has not finished" if not run.done else
                   f"only the last {RUNS_WITH_WEIGHTS} runs keep their checkpoints")
            self._show_status_text(f"{run.name} has no checkpoints to fork from: {why}.",
                                   error=True)
            return False
        if step not in run.weights:
            have = ", ".join(str(s) for s in sorted(run.weights))
            self._show_status_text(f"{run.name} has no checkpoint at step {step}; it has "
                                   f"steps {have}.", error=True)
            return False
        blocker = self._run_blocker()
        if not blocker and self.bridge.active and self.state in ("running", "paused"):
            blocker = "a run is in progress; let it finish or press Reset first"
        if blocker:
            self._show_status_text(f"Cannot fork: {blocker}", error=True)
            return False
        self._cancel_variants()
        self._pending_fork = (index, step)
        self.bridge.fork_weights = run.weights[step]
        self._start_engine(running=True, run_name=f"{run.name} ↳ step {step}")
        self.state = "running"
        self._update_controls()
        return True

    def _cancel_variants(self) -> None:
        self._variant_queue = []
        self._variant_total = 0


def _delete_weights(weights: dict[int, dict[str, str]]) -> None:
    """Delete the files of a run's checkpoints (each step has a folder of its own)."""
    for files in weights.values():
        for path in files.values():
            shutil.rmtree(Path(path).parent, ignore_errors=True)
