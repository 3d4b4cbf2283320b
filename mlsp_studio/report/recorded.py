"""A recorded run as it was at one step, in one PNG: its curves up to that step beside the
picture of each recorded kind nearest at or before it (``mlsp-studio screenshot RUN_DIR
--at-step N -o FILE.png``). Drawn by the same figure machinery as a finished run's figures,
each on its own, then set side by side, two a row."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.image import imread, imsave

from ..errors import StudioError
from ..messages.recording import Recording
from .figures import curves_figure, snapshot_figure

COLUMNS = 2


def recorded_picture(run_dir: str | Path, step: int, output: str | Path) -> tuple[Path, list]:
    """Write the picture of the run recorded in ``run_dir`` at ``step`` to ``output``;
    the path and the kinds drawn. A folder that is not a recording, or a step below 0:
    :class:`StudioError`, in a sentence."""
    if step < 0:
        raise StudioError(f"--at-step must be 0 or more, not {step}")
    output = Path(output)
    if output.is_dir():
        raise StudioError(f"{output} is a folder; give a file name ending in .png")
    recording = Recording(run_dir)
    snapshots = recording.snapshots_at(step)
    with tempfile.TemporaryDirectory(prefix="mlsp-recorded-") as folder:
        paths = [curves_figure(recording.metrics(step), Path(folder) / "curves.png",
                               title=f"Recorded run at step {step:,}")]
        paths += [snapshot_figure(snap, Path(folder) / f"{kind}.png")
                  for kind, snap in sorted(snapshots.items())]
        tiles = [_rgb(imread(path)) for path in paths]
    output.parent.mkdir(parents=True, exist_ok=True)
    imsave(output, _compose(tiles), format="png")
    return output, sorted(snapshots)


def _rgb(image: np.ndarray) -> np.ndarray:
    """An RGB picture of floats in [0, 1] (a PNG read by matplotlib may carry alpha)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return image[..., :3]


def _compose(tiles: list[np.ndarray]) -> np.ndarray:
    """The tiles in rows of ``COLUMNS`` on white, each row as tall as its tallest."""
    rows = [tiles[k:k + COLUMNS] for k in range(0, len(tiles), COLUMNS)]
    width = max(t.shape[1] for t in tiles)
    heights = [max(t.shape[0] for t in row) for row in rows]
    sheet = np.ones((sum(heights), min(COLUMNS, len(tiles)) * width, 3), dtype=np.float32)
    top = 0
    for row, height in zip(rows, heights, strict=True):
        for k, tile in enumerate(row):
            sheet[top:top + tile.shape[0], k * width:k * width + tile.shape[1]] = tile
        top += height
    return sheet


def screenshot_at_step(run_dir: str | Path, step: int, output: str | Path) -> int:
    """The command: write the picture, say what it holds; 2 with a sentence on bad input."""
    try:
        path, kinds = recorded_picture(run_dir, step, output)
    except StudioError as err:
        print(f"mlsp-studio: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"mlsp-studio: {output}: {err.strerror or err}", file=sys.stderr)
        return 2
    drawn = ", ".join(kinds) if kinds else "no pictures recorded by then"
    print(f"{path}: {run_dir} at step {step:,} (curves; {drawn})")
    return 0
