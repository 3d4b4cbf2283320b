"""``mlsp-studio animate RUN_DIR --kind KIND -o FILE.gif``: a recorded run's pictures of one
kind, frame by frame in step order, as a GIF (``--kind all``: one GIF per kind, in a folder).

The frames are the snapshots the run's recording kept (``messages/recording.py``), drawn by
the same drawings as the run folder's pictures and GIFs (``report/animation.py``), each
captioned with its step. No window and no torch.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from .errors import StudioError

MAX_FRAMES = 200          # a longer recording is thinned evenly to this many, by default
MAX_BYTES = 40_000_000    # a larger GIF is made smaller, fewer frames first


class AnimateError(StudioError):
    """A run folder, a kind or an output that cannot be animated, said in a sentence."""


def animate(args: argparse.Namespace) -> int:
    """The command: write the GIF(s) and say what each holds; bad input is a
    ``CommandError`` (a sentence, exit 2)."""
    from .cli import CommandError

    try:
        lines = write_recorded_gifs(args.target, args.kind, args.output, args.max_frames)
    except StudioError as err:
        raise CommandError(str(err)) from None
    except OSError as err:
        raise CommandError(f"{args.output}: {err.strerror or err}") from None
    print("\n".join(lines))
    return 0


def write_recorded_gifs(run_dir: str | Path, kind: str, output: str | Path,
                        max_frames: int = MAX_FRAMES) -> list[str]:
    """Write the GIF of ``kind`` recorded in ``run_dir`` to ``output`` (``kind`` "all": one
    GIF per recorded kind into the folder ``output``); one line per GIF written."""
    from .messages.recording import Recording

    if max_frames < 2:
        raise AnimateError(f"--max-frames must be 2 or more, not {max_frames}")
    recording = Recording(run_dir)
    recorded = recording.kinds
    if not recorded:
        raise AnimateError(f"the recording of {run_dir} holds no pictures yet, only metrics")
    output = Path(output)
    if kind != "all":
        if kind not in recorded:
            raise AnimateError(f"the run in {run_dir} recorded no pictures of kind {kind!r}; "
                               f"its recorded kinds are {', '.join(recorded)} (or 'all')")
        if output.is_dir():
            raise AnimateError(f"{output} is a folder; give a file name ending in .gif "
                               "(a folder is for --kind all)")
        path = output if output.suffix.lower() == ".gif" else Path(f"{output}.gif")
        return [_write(recording, kind, path, max_frames)]
    if output.exists() and not output.is_dir():
        raise AnimateError(f"{output} is a file; with --kind all, give a folder for the GIFs")
    from .report.animation import can_draw

    lines = [_write(recording, k, output / f"{k}.gif", max_frames)
             for k in recorded if can_draw(k)]
    lines += [f"({k}: no picture to animate, skipped)" for k in recorded if not can_draw(k)]
    return lines


def _write(recording, kind: str, path: Path, max_frames: int) -> str:
    from PIL import Image

    from .report.animation import can_draw, recorded_frames, snapshot_gif

    if not can_draw(kind):
        raise AnimateError(f"pictures of kind {kind!r} cannot be drawn as frames; "
                           f"animate one of {', '.join(k for k in recording.kinds if can_draw(k))}")
    recorded = len(set(recording.steps(kind)))
    snapshots = recorded_frames(recording, kind, max_frames)
    snapshot_gif(snapshots, path, max_frames=max_frames, budget_s=math.inf, max_bytes=MAX_BYTES)
    with Image.open(path) as gif:
        frames = gif.n_frames
    thinned = f", {recorded} recorded" if frames < recorded else ""
    return (f"{path}: {kind}, {frames} frame{'s' if frames != 1 else ''}{thinned}, "
            f"steps {snapshots[0].step:,} to {snapshots[-1].step:,}")
