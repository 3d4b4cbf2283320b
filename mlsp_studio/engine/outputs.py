"""A finished run's folder: metrics.csv, a TensorBoard event file, summary.json (with what its
loss is and the unit of its numbers, under ``units``), checkpoints, project.json (its figures
are drawn by ``report/run_figures.py``, called by the command line); and ``record_run``, which
starts the run's recording (``recording/``, written as it trains)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..messages.events import Finished
from ..messages.recording_format import FOLDER as RECORDING_FOLDER
from ..model.metric_units import loss_meaning, units_entry
from ..model.run_folder import write_metrics
from .checkpoints import save_checkpoint
from .engine import Engine
from .recording import RECORD_EVERY_S, RECORDING_BUDGET_BYTES, RecordingWriter
from .run_checkpoints import write_checkpoints
from .tensorboard import write_events


def write_run(out_dir: Path, engine: Engine) -> list[Path]:
    """Write every output of ``engine``'s run into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    written.append(write_metrics(out_dir / "metrics.csv", engine.history.records()))
    written.append(write_events(out_dir, engine.history.records()))  # for TensorBoard
    summary = out_dir / "summary.json"
    data = engine.summary()
    data["units"] = units_entry(loss_meaning(engine.project), data["final"])  # in words
    text = json.dumps(data, indent=2, ensure_ascii=False)
    summary.write_text(text + "\n", encoding="utf-8")
    written.append(summary)
    project = out_dir / "project.json"
    project.write_text(engine.project.to_json(), encoding="utf-8")
    written.append(project)
    for slot, net in engine.nets.items():
        written.append(save_checkpoint(net, out_dir / f"{slot}.safetensors", slot))
    members = getattr(engine.paradigm, "members", [])  # an ensemble's other copies
    for k, member in enumerate(members[1:], start=1):
        written.append(save_checkpoint(member, out_dir / f"model.member{k}.safetensors",
                                       f"model.member{k}"))
    written.extend(write_checkpoints(out_dir, engine.checkpoints))  # checkpoints/step-N/
    return written


def record_run(engine: Engine, run_dir: str | os.PathLike, kinds: Iterable[str] | None = None,
               budget_bytes: int = RECORDING_BUDGET_BYTES) -> RecordingWriter:
    """Record a built engine's run into ``<run_dir>/recording/``: its metrics and the
    snapshots of ``kinds`` (default: every kind the run gives, as the window's panels show
    them), asked for every ``RECORD_EVERY_S`` seconds. The recording ends with the run's
    ``Finished``; a run that ends in an error leaves none (nor ``run_dir``, if this made
    it)."""
    kinds = set(engine.paradigm.visual_kinds if kinds is None else kinds)
    run_dir = Path(run_dir)
    made = not run_dir.exists()
    writer = RecordingWriter(run_dir / RECORDING_FOLDER, kinds, budget_bytes)
    project = run_dir / "project.json"  # at once, so a window watching the folder has the network
    project.write_text(engine.project.to_json(), encoding="utf-8")
    forward = engine.sink
    several = getattr(getattr(engine, "world", None), "several", False)

    def sink(event: Any) -> None:
        if isinstance(event, Finished) and event.reason == "error" and several:
            writer.close("interrupted")  # another process ended: kept, as when stopped
        elif isinstance(event, Finished) and event.reason == "error":
            writer.discard()  # the command line says that nothing was written
            project.unlink(missing_ok=True)
            if made:
                shutil.rmtree(run_dir, ignore_errors=True)
        else:
            writer(event)
        if forward is not None:
            forward(event)

    engine.sink = sink
    if kinds:
        engine.request_visuals(kinds, RECORD_EVERY_S)
    return writer


STOP_CLOSE_S = 3.0


def stop_words(writer: RecordingWriter, run_dir: Path) -> Callable[[], str]:
    """For a run stopped from outside (another process of it died): close its recording as
    it stands and say what the folder holds."""
    def close() -> str:
        # the stop may have come while this thread held one of the writer's locks: the
        # closing runs in a thread of its own and is waited for a little only (a recording
        # not closed is still whole up to its last index, only not marked ended)
        closing = threading.Thread(target=writer.close, args=("interrupted",), daemon=True)
        closing.start()
        closing.join(STOP_CLOSE_S)
        return (f"its recording so far stays in {run_dir}; no weights or summary were "
                "written")
    return close
