"""Animated GIFs of a run: pictures over training, and kinds that animate themselves.

Each frame is drawn by the same matplotlib drawer as the still PNG (``figures.py``), so the
animation looks like the picture; colour scales that would jump from frame to frame (the
attention weights) are fixed to one range over all frames. Pillow writes the GIF, capped in
frames and bytes, through a temporary file so a reader never finds half a file.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image, ImageDraw

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.frames import FrameRecorder, animated_kinds, thin_evenly
from mlsp_studio.snapshots.kinds import Snapshot

from ..model.plugins import load_role
from .figures import _DRAWERS, FILE_NAMES

__all__ = ["can_draw", "gif_name", "MAX_FRAMES", "own_animation", "recorded_frames",
           "render_frames", "save_gif", "snapshot_gif", "weight_range", "write_animations"]

MAX_FRAMES = 60
MAX_BYTES = 6_000_000
MAX_WIDTH = 640          # pixels: a modest GIF, still readable
FRAME_MS = 200
BUDGET_S = 10.0         # seconds of drawing per animation, at most about
WEIGHT_KINDS = ("attention", "alignment", "patch_attention")  # one colour scale for all frames
LAST_FRAME_MS = 1500     # the end result stays on screen a moment before the loop restarts
BAR_COLOUR = (8, 119, 189)
# colour maps of attention weights, whose upper end each drawer sets from its own frame
_WEIGHT_MAPS = {"viridis", "Blues", "inferno"}


def can_draw(kind: str) -> bool:
    """Whether snapshots of ``kind`` have a picture, hence frames for an animation."""
    return kind in _DRAWERS


def gif_name(kind: str) -> str | None:
    """The run folder's GIF of an animated kind (its PNG's name, .gif), or None when the kind
    is not animated."""
    return Path(FILE_NAMES[kind]).with_suffix(".gif").name if kind in animated_kinds() else None


def figure_pixels(fig: Figure, max_width: int | None = None) -> np.ndarray:
    """Render ``fig`` to an (H, W, 3) uint8 array at most ``max_width`` (``MAX_WIDTH``)
    pixels wide."""
    max_width = max_width or MAX_WIDTH
    width_in = float(fig.get_figwidth())
    fig.set_dpi(min(100.0, max_width / max(width_in, 0.1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a layout that cannot shrink enough
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _weight_top(snap: Snapshot) -> float:
    """The largest finite attention weight a snapshot holds (0 when none)."""
    arrays = [layer.weights for layer in getattr(snap, "layers", ())]
    if hasattr(snap, "weights"):
        arrays.append(snap.weights)
    tops = [float(np.nanmax(a)) for a in map(finite_floats, arrays)
            if a.size and np.isfinite(a).any()]
    return max(tops, default=0.0)


def _fix_weight_scale(fig: Figure, top: float) -> None:
    """Give every attention map of ``fig`` the colour range [0, top] (their colour bars
    follow), so a weight that grows looks brighter instead of the scale moving under it."""
    for ax in fig.get_axes():
        for image in ax.get_images():
            if image.get_cmap().name in _WEIGHT_MAPS:
                image.set_clim(0.0, top)


def weight_range(snapshots: Iterable[Snapshot]) -> float:
    """One upper end for the colour scale of attention weights over all ``snapshots``: the
    largest weight seen, at most 1 (1 when there is none)."""
    top = max((_weight_top(s) for s in snapshots), default=0.0)
    return min(top, 1.0) if top > 0 else 1.0


def render_frames(items: Sequence, drawer: Callable[[object], Figure],
                  captions: Sequence[str], max_width: int | None = None,
                  weight_top: float | None = None) -> list[np.ndarray]:
    """Draw each item with ``drawer`` and its caption below; with ``weight_top`` every
    attention map of every frame has the colour range [0, weight_top]."""
    frames = []
    for item, caption in zip(items, captions, strict=True):
        fig = drawer(item)
        if weight_top is not None:
            _fix_weight_scale(fig, weight_top)
        fig.supxlabel(caption, fontsize=10, color="#333333")
        frames.append(figure_pixels(fig, max_width))
    return frames


def _with_bar(frame: np.ndarray, fraction: float) -> Image.Image:
    """The frame with a thin bar along its bottom edge showing how far the animation is."""
    image = Image.fromarray(frame)
    if 0.0 <= fraction <= 1.0:
        w, h = image.size
        ImageDraw.Draw(image).rectangle((0, h - 4, max(1, round(fraction * (w - 1))), h - 1),
                                        fill=BAR_COLOUR)
    return image


def _gif_bytes(frames: Sequence[np.ndarray], scale: float) -> bytes:
    size = (max(1, round(frames[0].shape[1] * scale)), max(1, round(frames[0].shape[0] * scale)))
    images = []
    for i, frame in enumerate(frames):
        image = _with_bar(frame, i / (len(frames) - 1) if len(frames) > 1 else 1.0)
        if image.size != size:  # a frame laid out a little differently, or a smaller GIF
            image = image.resize(size, Image.Resampling.LANCZOS)
        images.append(image.quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                     dither=Image.Dither.NONE))
    # a few frames play slower, so a short animation still lasts a few seconds
    pace = min(500, max(FRAME_MS, 4000 // len(images)))
    durations = [pace] * (len(images) - 1) + [LAST_FRAME_MS]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, optimize=False, disposal=1)
    return buffer.getvalue()


def save_gif(frames: Sequence[np.ndarray], path: Path, max_frames: int = MAX_FRAMES,
             max_bytes: int = MAX_BYTES) -> Path:
    """Write (H, W, 3) uint8 frames as a looping GIF at ``path`` and return it.

    More than ``max_frames`` are thinned evenly (the first and last kept); a GIF over
    ``max_bytes`` is made smaller, fewer frames first, then fewer pixels. Written to a
    temporary file beside ``path`` and moved into place, so ``path`` is whole or absent.
    """
    frames = thin_evenly([np.asarray(f, dtype=np.uint8) for f in frames], max(1, max_frames))
    if not frames or any(f.ndim != 3 or f.shape[2] != 3 or not f.size for f in frames):
        raise ValueError("an animation needs at least one picture of height × width × 3")
    scale = 1.0
    data = _gif_bytes(frames, scale)
    while len(data) > max_bytes and (len(frames) > 2 or scale > 0.25):
        if len(frames) > 8:
            frames = thin_evenly(frames, len(frames) // 2)
        else:
            scale *= 0.75
        data = _gif_bytes(frames, scale)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".gif.part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)  # as any other file of the run, not private as a temp file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def snapshot_gif(snapshots: Iterable[Snapshot], path: Path, max_frames: int = MAX_FRAMES,
                 budget_s: float | None = None, max_bytes: int = MAX_BYTES) -> Path:
    """One frame per snapshot (all of one kind, taken over training), captioned with its
    step; at most ``max_frames`` evenly spread, the first and the last kept, and fewer when
    drawing them all would take more than about ``budget_s`` seconds (``BUDGET_S``; infinite:
    no limit) or the GIF would be larger than ``max_bytes``."""
    budget_s = BUDGET_S if budget_s is None else float(budget_s)
    snaps = sorted(snapshots, key=lambda s: s.step)
    if not snaps:
        raise ValueError("there are no pictures to animate yet")
    kinds = {s.kind for s in snaps}
    if len(kinds) != 1 or next(iter(kinds)) not in _DRAWERS:
        raise ValueError(f"an animation shows pictures of one known kind, not {sorted(kinds)}")
    drawer = _DRAWERS[snaps[0].kind]
    top = weight_range(snaps) if snaps[0].kind in WEIGHT_KINDS else None
    last = snaps[-1].step

    def captions(part: list[Snapshot]) -> list[str]:
        return [f"step {s.step:,} of {last:,}" for s in part]

    # the first frame tells how dear a frame is; the count follows from the time budget
    started = time.perf_counter()
    frames = render_frames(snaps[:1], drawer, captions(snaps[:1]), weight_top=top)
    per_frame = max(time.perf_counter() - started, 1e-3)
    affordable = max_frames if math.isinf(budget_s) else int(budget_s / per_frame) + 1
    snaps = thin_evenly(snaps, max(2, min(max_frames, affordable)))
    frames += render_frames(snaps[1:], drawer, captions(snaps[1:]), weight_top=top)
    return save_gif(frames, path, max_frames, max_bytes)


def recorded_frames(recording, kind: str, max_frames: int | None = None) -> list[Snapshot]:
    """The snapshots of ``kind`` that a run's ``recording`` (``messages.recording.Recording``)
    kept, one per step, in step order; at most ``max_frames`` evenly spread, the first and
    the last kept."""
    steps = sorted(set(recording.steps(kind)))
    if max_frames is not None:
        steps = thin_evenly(steps, max_frames)
    found = (recording.snapshot_at(kind, step) for step in steps)
    return [snap for snap in found if snap is not None]


def own_animation(kind: str) -> Callable[[Snapshot, Path], Path] | None:
    """How a kind whose last snapshot is an animation by itself (the diffusion trajectory) is
    written as a GIF, from the ``ANIMATIONS`` of the paradigm folders' ``figures``; None for
    the kinds animated over training."""
    own: dict[str, Callable[[Snapshot, Path], Path]] = {}
    for module in load_role("figures"):
        own.update(getattr(module, "ANIMATIONS", {}))
    return own.get(kind)


def write_animations(out_dir: Path, final: Iterable[Snapshot],
                     recorder: FrameRecorder | None) -> list[Path]:
    """Write a GIF per kind recorded over training (the final snapshots as the last frame)
    and one per kind that animates itself (the diffusion trajectory); kinds with fewer than
    two frames are skipped."""
    out_dir = Path(out_dir)
    final = {s.kind: s for s in final}
    written = []
    kinds = recorder.recorded_kinds() if recorder is not None else []
    for kind in kinds:
        snaps = recorder.frames(kind)
        last = final.get(kind)
        if last is not None and last.step > snaps[-1].step:
            snaps.append(last)
        if len(snaps) >= 2:
            written.append(snapshot_gif(snaps, out_dir / gif_name(kind)))
    for kind, snap in final.items():
        write = own_animation(kind) if gif_name(kind) else None
        if write is not None:
            written.append(write(snap, out_dir / gif_name(kind)))
    return written
