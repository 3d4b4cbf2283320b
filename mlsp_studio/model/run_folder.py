"""A finished run's folder, as `mlsp-studio run` writes it, read back without torch: its
project, how far it trained, its final numbers, its metric records and where its final
weights are. The weights themselves are read by the training process (safetensors, checked
there); here only their files are found. Every file is checked before it is trusted."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StudioError
from .project import Project, load_project

MAX_SUMMARY_BYTES = 1024 * 1024
MAX_METRICS_BYTES = 256 * 1024 * 1024  # a million steps of a few metrics is about 40 MB
MAX_RECORDS = 4_000_000
METRICS_HEADER = ["step", "split", "metric", "value"]


class RunFolderError(StudioError):
    """A folder that is not a readable run folder, said in a sentence."""


@dataclass
class RunFolder:
    """What the window needs to bring a finished run back."""

    folder: Path
    project: Project
    steps: int
    final: dict[str, float]
    weights: dict[str, str]  # network → its final weights file
    records: list[tuple[int, str, str, float]] = field(default_factory=list)
    state: str = "finished"
    processes: int = 1  # how many trained it together (torchrun), and their global batch
    global_batch: int | None = None

    @property
    def name(self) -> str:
        return self.folder.name


def looks_like_run_folder(path: str | os.PathLike) -> bool:
    """A folder holding the files every run folder has (the test for a command line's target)."""
    folder = Path(path)
    return folder.is_dir() and (folder / "project.json").is_file() \
        and (folder / "summary.json").is_file()


def read_run_folder(path: str | os.PathLike) -> RunFolder:
    """Read a run folder, refusing anything missing, too large or malformed, in words."""
    folder = Path(path)
    if not folder.is_dir():
        raise RunFolderError(f"{folder} is not a folder; a run folder is what "
                             "'mlsp-studio run --out FOLDER' writes")
    if not (folder / "project.json").is_file():
        raise RunFolderError(f"{folder} is not a run folder: it has no project.json")
    try:
        project = load_project(folder / "project.json")
    except StudioError as err:
        raise RunFolderError(f"{folder.name}'s project cannot be read: {err}") from None
    summary = _read_summary(folder / "summary.json")
    steps = summary.get("steps")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise RunFolderError(f"{folder.name}/summary.json does not say how many steps the "
                             "run trained")
    final = {str(k): float(v) for k, v in (summary.get("final") or {}).items()
             if isinstance(v, (int, float)) and not isinstance(v, bool)}
    weights = {}
    for slot in project.slots:
        file = folder / f"{slot}.safetensors"
        if not file.is_file():
            raise RunFolderError(f"{folder.name} has no final weights for the network "
                                 f"'{slot}' ({file.name} is missing)")
        weights[slot] = str(file.resolve())
    state = summary.get("state") if isinstance(summary.get("state"), str) else "finished"
    processes, batch = summary.get("world_size"), summary.get("global_batch")
    return RunFolder(folder.resolve(), project, steps, final, weights,
                     read_metrics(folder / "metrics.csv"), state,
                     processes if _count(processes) else 1, batch if _count(batch) else None)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _read_summary(path: Path) -> dict:
    try:
        size = path.stat().st_size
    except OSError:
        raise RunFolderError(f"{path.parent.name} has no summary.json, so it is not a "
                             "finished run (a run writes it when it ends)") from None
    if size > MAX_SUMMARY_BYTES:
        raise RunFolderError(f"{path.parent.name}/summary.json is {size:,} bytes: too large "
                             "to be a run's summary")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise RunFolderError(f"{path.parent.name}/summary.json is not readable JSON") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{path.parent.name}/summary.json is not a run's summary")
    return data


def read_metrics(path: Path) -> list[tuple[int, str, str, float]]:
    """The rows of a run's metrics.csv as (step, split, metric, value); no file, no rows."""
    if not path.is_file():
        return []
    size = path.stat().st_size
    if size > MAX_METRICS_BYTES:
        raise RunFolderError(f"{path.parent.name}/metrics.csv is {size / 1e6:,.0f} MB; the "
                             f"studio reads up to {MAX_METRICS_BYTES / 1e6:,.0f} MB of metrics")
    records = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            if next(rows, None) != METRICS_HEADER:
                raise RunFolderError(f"{path.parent.name}/metrics.csv does not start with "
                                     f"the columns {','.join(METRICS_HEADER)}")
            for number, row in enumerate(rows, start=2):
                records.append(_record(row, number, path))
                if len(records) > MAX_RECORDS:
                    raise RunFolderError(f"{path.parent.name}/metrics.csv has more than "
                                         f"{MAX_RECORDS:,} rows")
    except (UnicodeDecodeError, csv.Error) as err:
        raise RunFolderError(f"{path.parent.name}/metrics.csv cannot be read ({err})") from None
    return records


def _record(row: list[str], number: int, path: Path) -> tuple[int, str, str, float]:
    try:
        step, split, metric, value = row
        step_n, number_value = int(step), float(value)
    except ValueError:
        raise RunFolderError(f"{path.parent.name}/metrics.csv: line {number} is not "
                             "step,split,metric,value") from None
    if step_n < 0:
        raise RunFolderError(f"{path.parent.name}/metrics.csv: line {number} has a negative "
                             "step")
    return step_n, split, metric, number_value


def safe_name(name: str) -> str:
    """``name`` as a folder name: letters, digits, - and _ only, at most 60 characters."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60] or "run"


def write_metrics(path: Path, records: Iterable[tuple[int, str, str, float]]) -> Path:
    """A run's metrics.csv: one row per (step, split, metric, value)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(METRICS_HEADER)
        for step, split, metric, value in records:
            writer.writerow([step, split, metric, f"{value:.6g}"])
    return path


def copy_weights(weights: Mapping[str, str], folder: Path) -> list[Path]:
    """Copy each network's weights file (network → path) into ``folder`` as
    ``<network>.safetensors``, the names a run folder gives them; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(path, folder / f"{network}.safetensors"))
            for network, path in sorted(weights.items())]


def free_folder(parent: Path, name: str) -> Path:
    """A folder under ``parent`` named after ``name`` that does not exist yet (``-2``, ``-3``
    ... added when it does)."""
    base = safe_name(name)
    folder, n = parent / base, 2
    while folder.exists():
        folder, n = parent / f"{base}-{n}", n + 1
    return folder


def write_run_folder(folder: Path, project: Project, steps: int, final: Mapping[str, float],
                     records: Iterable[tuple[int, str, str, float]],
                     weights: Mapping[str, str], recording: Path | None = None,
                     summary: Mapping[str, Any] | None = None) -> list[Path]:
    """A run the window kept, written as ``mlsp-studio run --out`` writes one, so that
    ``mlsp-studio open`` (or File → Open run) brings it back: its project, summary, metrics,
    the weights files of each network (copied) and its recording (copied), if any."""
    missing = [net for net in project.slots if net not in weights]
    if missing:
        raise RunFolderError(f"the run kept no weights for the network '{missing[0]}'")
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_metrics(folder / "metrics.csv", records)]
    data = {"project": project.name, "paradigm": project.paradigm, "steps": int(steps),
            "final": dict(final), "state": "finished", **(summary or {})}
    (folder / "summary.json").write_text(json.dumps(data, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    (folder / "project.json").write_text(project.to_json(), encoding="utf-8")
    written += [folder / "summary.json", folder / "project.json"]
    written += copy_weights(weights, folder)
    if recording is not None and recording.is_dir():
        written.append(Path(shutil.copytree(recording, folder / "recording")))
    return written
