"""The diffusion paradigm's pictures: fixed examples for the forward process, and samples
from fixed starting noise with the current weights for the reverse trajectory and the 2-D
scatter, steered by the panel's class and guidance scale."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from ...snapshots.kinds import Snapshot
from .snapshots import (
    EACH_CLASS,
    NO_CLASS,
    DiffusionForward,
    DiffusionSamples,
    DiffusionTrajectory,
    check_guidance_class,
    check_guidance_scale,
)

FORWARD_POINTS = 4000   # the whole training cloud of the ring
FORWARD_IMAGES = 8
STRIP_IMAGES = 16
CLOUD_POINTS = 1000
STRIP_FRAMES = 8
# Sampling runs in the training thread: while training, draw new samples only after this many
# times the last sampling's cost has passed (at most a fifth of the time), unless asked anew.
SAMPLE_BUDGET = 4.0


def image_shape(features: tuple[int, ...]) -> tuple[int, ...]:
    """(H, W) to draw one example as a picture: (1, H, W) pictures and square vectors (64 →
    8 × 8); () when it is not one."""
    if len(features) == 3 and features[0] == 1:
        return features[1:]
    if len(features) == 2:
        return features
    if len(features) == 1 and math.isqrt(features[0]) ** 2 == features[0] > 3:
        side = math.isqrt(features[0])
        return (side, side)
    return ()


class DiffusionVisuals:
    """Builds the snapshots for a set-up :class:`DiffusionParadigm` (``owner``)."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        features = tuple(owner.x.shape[1:])
        self.points = not owner.image and features == (2,)
        self.image_shape = image_shape(features) if owner.image else ()
        kinds = {"diffusion_forward", "diffusion_trajectory"}
        if self.points:
            kinds.add("diffusion_samples")
        self.kinds = frozenset(kinds)
        self.note = ""
        self._good: dict[str, Any] = {}  # the last good value of each option
        self._notes: dict[str, str] = {}  # why the last value of an option was refused
        g = torch.Generator().manual_seed(owner.seed + 20)
        n = CLOUD_POINTS if self.points else STRIP_IMAGES
        self.start = torch.randn((n, *features), generator=g).to(owner.device)  # x_T, fixed
        self._forward: DiffusionForward | None = None
        self._drawn: tuple | None = None  # the last sampling's results
        self._drawn_step = -1
        self._drawn_at = 0.0
        self._asked_anew = True

    def option_changed(self, name: str, value: Any) -> None:
        """Check a panel's option; a bad one is kept out, and the next picture says why."""
        options = self.owner._options
        if name == "guidance_scale":
            scale, why = check_guidance_scale(value)
            options[name] = scale if scale is not None else self._last("guidance_scale")
        elif name == "guidance_class":
            number, why = check_guidance_class(value, self.owner.classes)
            options[name] = number if number is not None else self._last("guidance_class")
        else:
            return
        self._asked_anew = True
        self._notes[name] = why
        self.note = " · ".join(text for text in self._notes.values() if text)
        if not why:
            self._good[name] = options[name]

    def _last(self, name: str) -> Any:
        if name in self._good:
            return self._good[name]
        return (self.owner.hparams["guidance"] if name == "guidance_scale" else
                EACH_CLASS if self.owner.conditional else NO_CLASS)

    def snapshots(self, wanted: set[str]) -> list[Snapshot]:
        snaps: list[Snapshot] = []
        if "diffusion_forward" in wanted:
            snaps.append(self.forward())
        if wanted & {"diffusion_trajectory", "diffusion_samples"}:
            steps, frames, classes, scale, asked, seconds = self._latest_samples()
            if "diffusion_trajectory" in wanted:
                snaps.append(self._trajectory(steps, frames, classes, scale, asked, seconds))
            if "diffusion_samples" in wanted:
                snaps.append(self._samples(frames[-1], classes, scale, asked))
        return snaps

    # -- the forward process: fixed, made once --------------------------------------------
    def forward(self) -> DiffusionForward:
        if self._forward is None:
            o = self.owner
            g = torch.Generator().manual_seed(o.seed + 21)
            if self.points:
                pick = torch.randperm(len(o.x), generator=g)[:FORWARD_POINTS].to(o.device)
                x0, labels = o.x[pick], o.y[pick]
            else:
                part = o.data.test if len(o.data.test) else o.data.train
                pick = _one_per_class(part.y, FORWARD_IMAGES, o.classes).to(o.device)
                x0, labels = o.to_model(part.x[pick]), part.y[pick]
            noise = torch.randn(x0.shape, generator=g)
            bar = np.concatenate([[1.0], o.schedule.alpha_bar])
            self._forward = DiffusionForward(
                step=0, alpha_bar=bar, x0=x0.cpu().numpy(), noise=noise.numpy(),
                image_shape=self.image_shape, schedule=o.schedule.name,
                labels=labels.cpu().numpy() if o.classes else np.zeros(0, dtype=np.int64))
        return replace(self._forward, step=self.owner.steps_done)

    # -- sampling with the current weights ------------------------------------------------
    def asked_classes(self, n: int) -> tuple[torch.Tensor, int]:
        o = self.owner
        asked = int(o._options.get("guidance_class", NO_CLASS))
        if not o.conditional:
            asked = NO_CLASS
        if asked == EACH_CLASS:
            classes = torch.arange(n, device=o.device) % o.classes
        else:
            classes = torch.full((n,), asked, dtype=torch.long, device=o.device)
        return classes, asked

    def _latest_samples(self):
        """New samples when asked anew or when the budget allows, else the last ones."""
        o = self.owner
        now = time.perf_counter()
        due = (self._drawn is None or self._asked_anew
               or (o.steps_done != self._drawn_step
                   and now - self._drawn_at >= SAMPLE_BUDGET * self._drawn[-1]))
        if due:
            self._drawn = self._sample()
            self._drawn_step, self._drawn_at = o.steps_done, time.perf_counter()
            self._asked_anew = False
        return self._drawn

    def _sample(self):
        o = self.owner
        scale = float(o._options.get("guidance_scale", o.hparams["guidance"]))
        classes, asked = self.asked_classes(len(self.start))
        began = time.perf_counter()
        g = torch.Generator().manual_seed(o.seed + 22)  # DDPM's fresh noise, the same each time
        _, trajectory = o.draw(self.start, classes, scale, keep=STRIP_FRAMES, generator=g)
        seconds = time.perf_counter() - began
        steps = np.array([t for t, _ in trajectory], dtype=np.int64)
        frames = np.stack([x.float().cpu().numpy() for _, x in trajectory])
        return steps, frames, classes.cpu().numpy(), scale, asked, seconds

    def _trajectory(self, steps, frames, classes, scale, asked, seconds) -> DiffusionTrajectory:
        o = self.owner
        h = o.hparams
        return DiffusionTrajectory(
            step=self._drawn_step, steps=steps, frames=frames, image_shape=self.image_shape,
            classes=classes, class_names=tuple(o.data.class_names), guidance_class=asked,
            guidance=scale, conditional=o.conditional, sampler=h["sampler"],
            sample_steps=h["sample_steps"] if h["sampler"] == "ddim" else h["timesteps"],
            timesteps=h["timesteps"], seconds=seconds, note=self.note)

    def _samples(self, final, classes, scale, asked) -> DiffusionSamples:
        o = self.owner
        part = o.data.test if len(o.data.test) else o.data.train
        data = o.to_model(part.x[:CLOUD_POINTS]).cpu().numpy()
        labels = part.y[:CLOUD_POINTS].cpu().numpy() if o.classes else np.zeros(0, np.int64)
        return DiffusionSamples(step=self._drawn_step, samples=final, data=data,
                                data_labels=labels, classes=classes,
                                class_names=tuple(o.data.class_names), guidance_class=asked,
                                guidance=scale,
                                conditional=o.conditional, note=self.note)


def _one_per_class(y: torch.Tensor, n: int, classes: int) -> torch.Tensor:
    """Indices of ``n`` examples, the first of each class in turn (any when no classes)."""
    if classes <= 0 or y.dim() != 1:
        return torch.arange(min(n, len(y)))
    firsts = [int(torch.nonzero(y == c)[0]) for c in range(classes) if (y == c).any()]
    rest = [i for i in range(len(y)) if i not in set(firsts)]
    return torch.tensor((firsts + rest)[:n], dtype=torch.long)
