"""A finished run's folder: metrics.csv, a TensorBoard event file, summary.json (with what its
loss is and the unit of its numbers, under ``units``), checkpoints, project.json (its figures
are drawn by ``report/run_figures.py``, called by the command line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..model.metric_units import loss_meaning, units_entry
from .checkpoints import save_checkpoint
from .engine import Engine
from .run_checkpoints import write_checkpoints
from .tensorboard import write_events


def write_run(out_dir: Path, engine: Engine) -> list[Path]:
    """Write every output of ``engine``'s run into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    metrics = out_dir / "metrics.csv"
    with metrics.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "split", "metric", "value"])
        for step, split, metric, value in engine.history.records():
            writer.writerow([step, split, metric, f"{value:.6g}"])
    written.append(metrics)
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

