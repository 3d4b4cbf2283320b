"""Data augmentation for supervised training: each training batch is altered at random in a
way that keeps its labels true (a jittered point, a digit moved by a pixel, a delayed signal),
so the network sees slightly different examples every epoch and cannot memorise them."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..errors import ParamError
from ..model.paradigms import augment_refusal as refusal

POINT_JITTER = 0.2   # points and tables: noise std as a share of each feature's spread
IMAGE_NOISE = 0.05   # images: noise std as a share of the value range
SIGNAL_NOISE = 0.05  # signals: noise std as a share of the signal's spread
SIGNAL_SCALE = 0.2   # signals: amplitudes multiplied by 1 ± this
SIGNAL_SHIFT = 0.1   # signals: largest circular delay, as a share of the length
__all__ = ["Augmenter", "refusal"]


class Augmenter:
    """Alters training batches of one dataset at random, reproducibly from ``seed``.

    ``paired`` is for image-to-image targets (e.g. cleaning noisy digits): the target is moved
    with its input, so the pair still matches."""

    def __init__(self, input_kind: str, x: torch.Tensor, seed: int,
                 paired: bool = False) -> None:
        self.kind, self.paired = input_kind, paired
        self.generator = torch.Generator().manual_seed(seed)
        flat = x.reshape(len(x), -1).float() if len(x) else torch.zeros(1, 1)
        self.lo, self.hi = flat.min().item(), flat.max().item()
        self.spread = flat.std(0).clamp_min(1e-6) if len(x) > 1 else torch.ones(flat.shape[1])
        self.overall = flat.std().item() if flat.numel() > 1 else 1.0

    def _normal(self, shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
        return torch.randn(shape, generator=self.generator).to(device)

    def __call__(self, x: torch.Tensor, y: torch.Tensor,
                 strength: float) -> tuple[torch.Tensor, torch.Tensor]:
        """An altered copy of the batch ``(x, y)``; same shapes, labels untouched."""
        if (why := refusal(self.kind)) is not None:
            raise ParamError(why)
        if strength <= 0 or len(x) == 0:
            return x, y
        if self.kind == "image":
            return self._image(x, y, strength)
        if self.kind == "signal":
            return self._signal(x, strength), y
        # points2d, scalar, table: Gaussian jitter scaled to each feature's spread
        noise = self._normal(tuple(x.shape), x.device)  # (B, ...)
        spread = self.spread.to(x.device).reshape(x.shape[1:])
        return x + POINT_JITTER * strength * spread * noise, y

    def _image(self, x: torch.Tensor, y: torch.Tensor,
               strength: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Random moves by up to ``round(strength)`` pixels (at least 1), zeros coming in,
        plus light noise; no flips (a mirrored 2 is not a 2)."""
        shape = x.shape
        pictures = _as_pictures(x)
        if pictures is not None:
            most = max(1, round(strength))
            moves = torch.randint(-most, most + 1, (len(x), 2), generator=self.generator)
            x = _shifted(pictures, moves.to(x.device), most).reshape(shape)
            if self.paired and (target := _as_pictures(y)) is not None:
                y = _shifted(target, moves.to(y.device), most).reshape(y.shape)
        noise = self._normal(tuple(shape), x.device)  # (B, ...)
        x = x + IMAGE_NOISE * strength * (self.hi - self.lo) * noise
        return x.clamp(self.lo, self.hi), y

    def _signal(self, x: torch.Tensor, strength: float) -> torch.Tensor:
        """A random circular delay, a random loudness and light noise, per example."""
        n, length = len(x), x.shape[-1]
        most = max(1, int(SIGNAL_SHIFT * strength * length))
        delays = torch.randint(-most, most + 1, (n,), generator=self.generator)
        idx = (torch.arange(length)[None, :] - delays[:, None]) % length  # (B, L)
        idx = idx.to(x.device).reshape(n, *([1] * (x.dim() - 2)), length).expand_as(x)
        x = torch.gather(x, -1, idx)
        gain = 1 + SIGNAL_SCALE * strength * (2 * torch.rand(n, generator=self.generator) - 1)
        gain = gain.to(x.device).reshape(n, *([1] * (x.dim() - 1)))  # (B, 1, 1)
        noise = self._normal(tuple(x.shape), x.device)
        return x * gain + SIGNAL_NOISE * strength * self.overall * noise


def _as_pictures(x: torch.Tensor) -> torch.Tensor | None:
    """``x`` as (B, C, H, W): pictures as they are, flattened square pictures unflattened."""
    if x.dim() == 4:
        return x
    if x.dim() == 3:
        return x[:, None]
    if x.dim() == 2 and math.isqrt(x.shape[1]) ** 2 == x.shape[1]:
        side = math.isqrt(x.shape[1])
        return x.reshape(len(x), 1, side, side)
    return None


def _shifted(x: torch.Tensor, moves: torch.Tensor, most: int) -> torch.Tensor:
    """Each picture of ``x`` (B, C, H, W) moved by its ``moves`` row (down, right)."""
    b, _, h, w = x.shape
    padded = F.pad(x, (most, most, most, most))  # (B, C, H + 2m, W + 2m), zeros around
    rows = torch.arange(h, device=x.device)[None, :] + most - moves[:, :1]  # (B, H)
    cols = torch.arange(w, device=x.device)[None, :] + most - moves[:, 1:]  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2)
