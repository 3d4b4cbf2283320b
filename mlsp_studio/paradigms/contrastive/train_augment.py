"""Random alterations that make the two views of an example in contrastive learning.

Images (B, C, H, W): a random crop stretched back to full size, a shift by whole pixels,
brightness scaling, Gaussian noise and a blanked rectangle. Signals (B, C, L): a time shift,
loudness scaling, noise and a blanked stretch. Vectors (B, F): scaling and noise only.
Each alteration is off when its setting is 0.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

ERASE_SHARE = 0.375  # a blanked rectangle is up to this share of each side


def augment(x: torch.Tensor, settings: dict[str, Any], generator: torch.Generator
            ) -> torch.Tensor:
    """One randomly altered copy of the batch ``x``, the same shape; ``x`` is left as it is.

    ``settings`` holds ``augment`` (False: return ``x`` unchanged), ``shift`` (pixels),
    ``time_shift`` (share of a signal's length), ``crop`` (share of the side a crop may cut
    away), ``scale`` (values multiplied by 1 ± up to this), ``add_noise`` (std) and ``erase``
    (chance of a blanked rectangle or stretch).
    """
    if not settings.get("augment", True):
        return x
    return alter(x, generator, float(settings["crop"]), int(settings["shift"]),
                 float(settings["time_shift"]), settings["scale"], settings["erase"],
                 settings["add_noise"])


def alter(x: torch.Tensor, generator: torch.Generator, crop: float, shift: int,
          time_shift: float, scale: float, erase: float, add_noise: float) -> torch.Tensor:
    """One randomly altered copy of the batch ``x`` (the same shape; ``x`` is left as it is).

    Images (B, C, H, W) are cropped by up to ``crop`` of the side and moved by up to ``shift``
    pixels, signals (B, C, L) moved by up to ``time_shift`` of their length; then every
    value of an example is multiplied by 1 ± up to ``scale``, with chance ``erase`` a
    rectangle or stretch is blanked, and noise of std ``add_noise`` is added. 0 turns an
    alteration off.
    """
    if x.dim() < 2 or not x.is_floating_point():
        return x
    if x.dim() == 4:
        x = crop_and_shift(x, crop, shift, generator)
    elif x.dim() == 3:
        x = shift_in_time(x, time_shift, generator)
    b = len(x)
    device = x.device
    if scale > 0:  # brightness or loudness: one factor per example
        factor = 1 + scale * (2 * uniform((b,), generator, device) - 1)   # (B,)
        x = x * factor.view(b, *[1] * (x.dim() - 1))
    if erase > 0 and x.dim() >= 3:
        x = erase_patches(x, erase, generator)
    if add_noise > 0:
        x = x + add_noise * torch.randn(x.shape, generator=generator).to(device)
    return x


def uniform(shape: tuple[int, ...], generator: torch.Generator, device) -> torch.Tensor:
    """Uniform numbers in [0, 1) of ``shape``, drawn on the CPU (so a run gives the same
    views on any device) and moved to ``device``."""
    return torch.rand(shape, generator=generator).to(device)


def crop_and_shift(x: torch.Tensor, crop: float, shift: int, generator: torch.Generator
                   ) -> torch.Tensor:
    """Crop a random square of 1 − crop to 1 of the side, stretch it back (bilinear) and move
    the result by up to ``shift`` whole pixels each way; uncovered pixels are 0."""
    b, _, h, w = x.shape
    device = x.device
    side = 1 - crop * uniform((b,), generator, device)                   # (B,) zoom
    # where the crop sits: anywhere inside the image, in the [-1, 1] frame
    cx = (1 - side) * (2 * uniform((b,), generator, device) - 1)
    cy = (1 - side) * (2 * uniform((b,), generator, device) - 1)
    if shift > 0:
        steps = torch.randint(-shift, shift + 1, (2, b), generator=generator).to(device)
        cx = cx - steps[0] * 2.0 / w  # moving the content right samples further left
        cy = cy - steps[1] * 2.0 / h
    zero = torch.zeros_like(side)
    theta = torch.stack([torch.stack([side, zero, cx], -1),
                         torch.stack([zero, side, cy], -1)], 1)           # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)      # (B, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def shift_in_time(x: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """Move each signal by up to ``share`` of its length either way, filling with 0."""
    b, c, length = x.shape
    most = int(round(share * length))
    if most <= 0:
        return x
    moves = torch.randint(-most, most + 1, (b,), generator=generator).to(x.device)  # (B,)
    source = torch.arange(length, device=x.device)[None, :] - moves[:, None]       # (B, L)
    inside = (source >= 0) & (source < length)
    picked = torch.gather(x, 2, source.clamp(0, length - 1)[:, None, :].expand(b, c, length))
    return picked * inside[:, None, :]


def erase_patches(x: torch.Tensor, chance: float, generator: torch.Generator) -> torch.Tensor:
    """With probability ``chance`` per example, set a random rectangle (images) or stretch
    (signals) of up to ``ERASE_SHARE`` of each side to 0."""
    b = len(x)
    device = x.device
    hit = uniform((b,), generator, device) < chance                      # (B,)
    region = torch.ones((b,) + (1,) * (x.dim() - 1), dtype=torch.bool, device=device)
    for axis in range(2, x.dim()):
        size = x.shape[axis]
        pos = torch.arange(size, device=device)
        span = 1 + (uniform((b,), generator, device) * ERASE_SHARE * size).long()  # (B,)
        start = (uniform((b,), generator, device) * (size - span + 1)).long()
        inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < (start + span)[:, None])
        shape = [b] + [1] * (x.dim() - 1)
        shape[axis] = size
        region = region & inside.view(shape)                              # broadcast
    return x.masked_fill(region & hit.view(b, *[1] * (x.dim() - 1)), 0.0)
