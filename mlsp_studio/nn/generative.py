"""Torch modules and builders for the generative blocks (see ``model/catalog/generative.py``).

Time features follow the sinusoidal encoding of Vaswani et al. (2017), "Attention is all you
need", as used for the time step of a DDPM denoiser by Ho et al. (2020), "Denoising diffusion
probabilistic models". Gradient reversal is the layer of Ganin & Lempitsky (2015),
"Unsupervised domain adaptation by backpropagation". Every forward pass uses only tensor
operations (no Python branching on values), so each block exports to ONNX.

An exported script carries ``MAX_PERIOD``, ``time_frequencies``, ``TimeEmbedding``,
``ConditionEmbedding``, ``ResBlock`` and ``ReverseGradient`` exactly as they are written here
(``export/script_generative_blocks.py`` copies their source), so they use only numpy, torch,
``nn`` and ``F``, which every script imports, and nothing of the studio's.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..model.blocks import BlockSpec, Context, Shape
from ..model.catalog.generative import condition_classes, group_count
from .builders import BUILDERS

MAX_PERIOD = 10000.0  # the slowest wave repeats every 2π·10000 steps


def time_frequencies(dim: int) -> torch.Tensor:
    """The ``dim // 2`` wave speeds f_i = 10000^(-i / (dim // 2)), i = 0 … dim // 2 - 1."""
    half = dim // 2
    return torch.exp(torch.arange(half, dtype=torch.float32) * float(-np.log(MAX_PERIOD) / half))


class TimeEmbedding(nn.Module):
    """(N, 1) time steps t -> (N, dim).

    Features are [sin(t f_0) … sin(t f_{h-1}), cos(t f_0) … cos(t f_{h-1})] with h = dim // 2
    and f_i = 10000^(-i/h) (Vaswani et al. 2017; Ho et al. 2020 for diffusion time steps); an
    odd ``dim`` gets one more feature fixed at 0, as in Ho et al.'s code. Then Dense(hidden),
    SiLU, Dense(dim).
    """

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer("freqs", time_frequencies(dim), persistent=False)
        self.mlp_in = nn.Linear(dim, hidden)
        self.mlp_out = nn.Linear(hidden, dim)

    def features(self, t: torch.Tensor) -> torch.Tensor:
        """The fixed sinusoidal features of t (N, 1), (N, dim)."""
        angles = t * self.freqs                                       # (N, dim // 2)
        waves = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        return F.pad(waves, (0, self.dim % 2))                        # (N, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp_out(F.silu(self.mlp_in(self.features(t))))   # (N, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class ConditionEmbedding(nn.Module):
    """(N, 1) class ids stored as numbers -> (N, dim): one learned row per class, and a last
    row meaning "no condition".

    Ids are rounded; any id below 0, at or past ``classes``, or not a number picks the last
    row. Done with ``round``/``where`` so the exported ONNX graph does the same.
    """

    def __init__(self, classes: int, dim: int) -> None:
        super().__init__()
        self.classes = classes
        self.table = nn.Embedding(classes + 1, dim)

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        ids = torch.round(c[:, 0].float())                            # (N,)
        known = (ids >= 0) & (ids < self.classes)                     # NaN compares false
        ids = torch.where(known, ids, torch.full_like(ids, float(self.classes)))
        return self.table(ids.long())                                 # (N, dim)

    def extra_repr(self) -> str:
        return f"classes={self.classes} (+1 for no condition)"


class ResBlock(nn.Module):
    """A residual block over (N, C, H, W), (N, C, L) or (N, F) with an optional condition
    vector (N, D), after Ho et al. (2020):

    h = norm2(layer1(SiLU(norm1(x)))) + Dense(cond) per channel
    out = layer2(SiLU(h)) + skip(x)

    ``dims`` is 2 for images, 1 for signals, 0 for vectors. Layers are 3-wide convolutions
    with padding 1 (Dense for vectors); norms are group norms with ``groups`` (norm1's,
    norm2's) groups (layer norms for vectors); the skip is a 1x1 convolution (Dense) when the
    width changes.
    The condition is added just after the second norm, not before it as in Ho et al.: a group
    norm with one channel per group (8 channels, 8 groups) removes any per-channel shift, so
    added before it the condition would have no effect. This is the shift half of the
    adaptive group norm of Dhariwal & Nichol (2021).
    """

    def __init__(self, c_in: int, c_out: int, dims: int, cond_dim: int | None = None,
                 groups: tuple[int, int] = (1, 1)) -> None:
        super().__init__()
        self.dims = dims

        def norm(channels: int, count: int) -> nn.Module:
            if dims == 0:
                return nn.LayerNorm(channels)
            return nn.GroupNorm(count, channels)

        def layer(a: int, b: int, size: int = 3) -> nn.Module:
            if dims == 0:
                return nn.Linear(a, b)
            conv = nn.Conv1d if dims == 1 else nn.Conv2d
            return conv(a, b, size, padding=size // 2)

        # the layers are made in this order, which fixes the starting weights a seed gives
        self.norm1, self.layer1 = norm(c_in, groups[0]), layer(c_in, c_out)
        self.cond = nn.Linear(cond_dim, c_out) if cond_dim else None
        self.norm2, self.layer2 = norm(c_out, groups[1]), layer(c_out, c_out)
        self.skip = layer(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm2(self.layer1(F.silu(self.norm1(x))))            # (N, C_out, *S)
        if self.cond is not None:
            shift = self.cond(cond)                                   # (N, C_out)
            h = h + shift.reshape(*shift.shape, *([1] * self.dims))   # same for every position
        h = self.layer2(F.silu(h))                                    # (N, C_out, *S)
        return h + self.skip(x)


class ReverseGradient(torch.autograd.Function):
    """Passes x on unchanged; on the way back its gradient is multiplied by -scale (Ganin &
    Lempitsky 2015), so the layers before it learn to fool those after it. Use it as
    ``ReverseGradient.apply(x, scale)``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


class _ExportableReverseGradient(ReverseGradient):
    """ReverseGradient as the studio runs it: also written to ONNX, as an identity (inference
    has no backward pass). Scripts need no ONNX, so they carry ReverseGradient alone."""

    @staticmethod
    def symbolic(g, x, scale):
        return g.op("Identity", x)


class GradientReversal(nn.Module):
    """Passes x on unchanged; its gradient comes back multiplied by -scale."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _ExportableReverseGradient.apply(x, self.scale)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


class ProjectionHead(nn.Module):
    """(N, F) -> Dense(hidden) -> ReLU -> Dense(out), as in SimCLR (Chen et al. 2020)."""

    def __init__(self, features: int, hidden: int, out: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(features, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))                      # (N, out)


# --- builders ------------------------------------------------------------------------------

def _build_resblock(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                    ctx: Context) -> nn.Module:
    shape = in_shapes[0]
    cond_dim = in_shapes[1][0] if params["conditioned"] else None
    c_in, c_out = shape[0], params["channels"] or shape[0]
    groups = (group_count(c_in, params["groups"]), group_count(c_out, params["groups"]))
    return ResBlock(c_in, c_out, len(shape) - 1, cond_dim, groups)


for _family, _fn in (
    ("time_embed", lambda spec, params, in_shapes, ctx: TimeEmbedding(params["dim"],
                                                                      params["hidden"])),
    ("cond_embed", lambda spec, params, in_shapes, ctx: ConditionEmbedding(
        condition_classes(params, ctx), params["dim"])),
    ("resblock", _build_resblock),
    ("grad_reverse", lambda spec, params, in_shapes, ctx: GradientReversal(params["scale"])),
    ("projection_head", lambda spec, params, in_shapes, ctx: ProjectionHead(
        in_shapes[0][0], params["hidden"], params["out"])),
):
    BUILDERS.register(_family, _fn)
del _family, _fn
