"""A finished run's figures: a PNG per picture and the curves, and a GIF per animated kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model.metric_units import LossMeaning
from ..snapshots.frames import FrameRecorder
from ..snapshots.kinds import Snapshot
from .animation import write_animations
from .figures import Record, write_figures


def write_run_figures(out_dir: Path, records: Sequence[Record], snapshots: Iterable[Snapshot],
                      frames: FrameRecorder | None,
                      loss: LossMeaning | None = None) -> list[Path]:
    """Draw into ``out_dir`` the curves of ``records`` (``loss`` says what the loss is), one
    figure per snapshot (the pictures of the final weights) and the GIFs of the kinds
    ``frames`` recorded over training."""
    snapshots = list(snapshots)
    written = write_figures(out_dir, list(records), snapshots, loss)
    written.extend(write_animations(out_dir, snapshots, frames))
    return written
