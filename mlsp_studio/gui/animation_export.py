"""File → Export → Animation (GIF)…: the pictures the window received over training, played
back as a GIF, or the last diffusion trajectory from noise to samples.

The window keeps a bounded, evenly thinned history of the animated kinds as their snapshots
arrive (``_keep_frames``, called once per drawn frame); the GIF is drawn by
``report.animation`` with the same drawings as the run folder's pictures. While the window
shows a run's recording on its timeline (``self.recording``, set by ``replay.py``), the
frames are that recording's instead: every kind it kept pictures of, over the whole run.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox

from ..errors import StudioError
from ..snapshots.frames import FrameRecorder, animated_kinds, animates_itself, animation_words
from .bridge import Mail, assert_gui_thread

WINDOW_FRAMES = 60
DRAW_BUDGET_S = 6.0  # the window waits while a GIF is drawn: fewer frames, sooner
NOTHING_YET = ("There is nothing to animate yet. Animations are made from the pictures the "
               "open panels receive while training: generated samples of a GAN, attention "
               "maps, or a diffusion model's trajectory from noise to samples. Open one of "
               "those panels, train for a while, then export again.")


class AnimationExport:
    """Mixin for the main window: keeps the frames and writes the GIF."""

    _frame_history: FrameRecorder | None = None

    def _keep_frames(self, mail: Mail) -> None:
        """Add the animated kinds among the arriving snapshots; a new run starts afresh."""
        if self._frame_history is None or mail.built is not None:
            self._frame_history = FrameRecorder(animated_kinds(), max_frames=WINDOW_FRAMES)
        for snapshot in mail.snapshots.values():
            self._frame_history.add(snapshot)

    def animation_choices(self) -> dict[str, str]:
        """Words → kind for what can be animated now: two frames or more over training, or
        one diffusion trajectory (its steps are the frames); those of the recording on the
        timeline while there is one."""
        recording = getattr(self, "recording", None)
        if recording is not None:
            return _recorded_choices(recording)
        history = self._frame_history
        if history is None:
            return {}
        return {animation_words(kind): kind for kind in history.recorded_kinds()
                if animates_itself(kind) or len(history.frames(kind)) >= 2}

    @Slot()
    def on_export_animation(self) -> None:
        assert_gui_thread("AnimationExport.on_export_animation")
        choices = self.animation_choices()
        if not choices:
            QMessageBox.information(self, "Export an animation", NOTHING_YET)
            return
        names = list(choices)
        name = names[0] if len(names) == 1 else self._choose("Export an animation", "Animate:",
                                                             names)
        if name is None:
            return
        kind = choices[name]
        path = self._save_path("Save the animation", f"-{kind}.gif", "GIF animation (*.gif)")
        if path is None:
            return
        path = path if path.suffix.lower() == ".gif" else Path(f"{path}.gif")
        recording = getattr(self, "recording", None)
        if recording is not None:
            from ..report.animation import recorded_frames

            try:
                frames = recorded_frames(recording, kind, WINDOW_FRAMES)
            except StudioError as err:
                QMessageBox.warning(self, "Cannot export", f"The recording cannot be read: {err}")
                return
        else:
            frames = self._frame_history.frames(kind)
        self._export(lambda: _write(kind, frames, path), "Animation")


def _recorded_choices(recording) -> dict[str, str]:
    """Words → kind for the recording's kinds that have a picture: two steps or more, or one
    diffusion trajectory."""
    from ..report.animation import can_draw  # matplotlib: only once an export is asked for

    choices = {}
    for kind in recording.kinds:
        if can_draw(kind) and (animates_itself(kind) or len(set(recording.steps(kind))) >= 2):
            words = animation_words(kind)
            if words == kind:
                words = f"{kind.replace('_', ' ').capitalize()} over the recorded run"
            choices[words] = kind
    return choices


def _write(kind: str, frames: list, path: Path) -> Path:
    from ..report.animation import own_animation, snapshot_gif  # matplotlib, when asked

    own = own_animation(kind)
    if own is not None:
        return own(frames[-1], path)
    return snapshot_gif(frames, path, budget_s=DRAW_BUDGET_S)
