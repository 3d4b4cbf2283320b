"""A run's checkpoints as files, so that they outlive the training process.

The engine keeps a few copies of the weights while it trains (``CheckpointKeeper``); here
each copy is written to ``ROOT/run-<id>/step-<N>/<network>.safetensors`` from a thread of
its own, copies the keeper has dropped are deleted, and the window is told what is on disk.
If the process is killed, what it wrote stays: the window can still fork from it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ..engine.run_checkpoints import Weights, save_state
from ..messages.events import Kept


class WeightFiles:
    """Writes the kept weights of each run and reports them with ``report(run, Kept)``."""

    def __init__(self, root: Path, report: Callable[[int, Kept], None]) -> None:
        self.root = Path(root)
        self.report = report
        self._jobs: deque[tuple[int, list[tuple[int, Weights]], bool]] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self._thread = threading.Thread(target=self._loop, name="mlsp-weights", daemon=True)
        self._thread.start()

    def changed(self, run: int, kept: list[tuple[int, Weights]]) -> None:
        """The keeper of run ``run`` now holds ``kept``: write the new ones, drop the rest."""
        self._put(run, kept, final=False)

    def final(self, run: int, step: int, weights: Weights) -> None:
        """The run ended with ``weights``: write them too, and wait until all is written."""
        self._put(run, [(step, weights)], final=True)
        self.flush()

    def flush(self, timeout: float = 60.0) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def _put(self, run: int, kept: list, final: bool) -> None:
        with self._cond:
            if not final:  # a newer list replaces one not written yet
                for i, job in enumerate(self._jobs):
                    if job[0] == run and not job[2]:
                        del self._jobs[i]
                        break
            self._jobs.append((run, kept, final))
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._jobs))
                run, kept, final = self._jobs.popleft()
                self._busy = True
            try:
                self._write(run, kept, final)
            except OSError:
                pass  # a full disk costs the fork menu its entries, never the run
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _write(self, run: int, kept: list[tuple[int, Weights]], final: bool) -> None:
        folder = self.root / f"run-{run}"
        for step, weights in kept:
            target = folder / f"step-{step:06d}"
            if target.is_dir() and not final:
                continue
            partial = folder / f".step-{step:06d}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            for slot, state in weights.items():
                save_state(state, partial / f"{slot}.safetensors", slot)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(partial, target)  # a reader sees all of a step's files or none
        if not final:
            wanted = {f"step-{step:06d}" for step, _ in kept}
            for old in folder.glob("step-*"):
                if old.name not in wanted:
                    shutil.rmtree(old, ignore_errors=True)
        self.report(run, Kept(self.listing(run)))

    def listing(self, run: int) -> tuple[tuple[int, tuple[tuple[str, str], ...]], ...]:
        """What is on disk for run ``run``: (step, ((network, path), ...)) in step order."""
        folder = self.root / f"run-{run}"
        out = []
        for step_dir in sorted(folder.glob("step-*")):
            try:
                step = int(step_dir.name[5:])
            except ValueError:
                continue
            files = tuple((p.stem, str(p)) for p in sorted(step_dir.glob("*.safetensors")))
            if files:
                out.append((step, files))
        return tuple(out)
