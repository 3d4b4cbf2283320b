"""One torch builder per block family: a BlockSpec and its checked params become an nn.Module.

Every module's ``forward(*inputs)`` takes one tensor per input port, in port order, each with
the batch axis first. Input blocks have no ports; their module is an identity over the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..model.blocks import BlockSpec, Context, Shape
from ..model.catalog.merge import concat_axis
from ..model.catalog.reshape import resolve_reshape
from ..model.registry import Registry

Builder = Callable[[BlockSpec, dict, list[Shape], Context], nn.Module]


class BuilderRegistry(Registry[Builder]):
    """Builders by block family. Registering a family twice is an error, built-ins included."""

    taken = "a builder for the family {name!r} is already registered"

    def register(self, family: str, fn: Builder) -> Builder:
        if not family:
            raise ValueError("a builder needs a family name")
        return self._add(family, fn)

    def _unknown(self, name: object) -> Exception:
        return LookupError(f"no torch builder for the block family {name!r}")


BUILDERS = BuilderRegistry()


def build_block(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    """The torch module for one block, given validated ``params`` and its input shapes.

    Shapes carry no batch axis. The block's shape rule runs first, so inputs that do not fit
    raise :class:`~mlsp_studio.errors.ShapeError` with the same words the canvas shows.
    """
    if spec.ports(params):
        spec.shape_rule(params, in_shapes, ctx)
    return BUILDERS.get(spec.family)(spec, params, list(in_shapes), ctx)


def _unknown(spec: BlockSpec) -> LookupError:
    return LookupError(f"the {spec.family!r} builder does not know the block {spec.type!r}")


# --- modules with no ready-made torch equivalent ---------------------------------------------

class CausalConv1d(nn.Conv1d):
    """A Conv1d whose output at step t sees inputs up to t only (left padding, as in WaveNet)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, padding=0, **kwargs)
        self.left_pad = self.dilation[0] * (self.kernel_size[0] - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, L) -> (N, C_out, L')
        return super().forward(F.pad(x, (self.left_pad, 0)))


class GlobalPool(nn.Module):
    """Mean or max over every axis after the channels: (N, C, *spatial) -> (N, C)."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(2, x.dim()))
        return x.mean(dim=dims) if self.mode == "avg" else x.amax(dim=dims)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


class Reshape(nn.Module):
    """Gives each example a fixed new shape: (N, *any) -> (N, *shape)."""

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class Add(nn.Module):
    """Elementwise sum of any number of same-shaped inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Multiply(nn.Module):
    """Elementwise product of any number of same-shaped inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Concat(nn.Module):
    """Joins inputs along ``dim`` (counted with the batch axis)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# --- builders, one per family ----------------------------------------------------------------

def _build_input(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    return nn.Identity()


def _build_identity(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                    ctx: Context) -> nn.Module:
    return nn.Identity()


def _build_dense(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    return nn.Linear(in_shapes[0][-1], params["units"], bias=params["bias"])


_ACTIVATIONS: dict[str, Callable[[dict], nn.Module]] = {
    "ReLU": lambda p: nn.ReLU(),
    "LeakyReLU": lambda p: nn.LeakyReLU(p["negative_slope"]),
    "GELU": lambda p: nn.GELU(),
    "Tanh": lambda p: nn.Tanh(),
    "Sigmoid": lambda p: nn.Sigmoid(),
    "Softmax": lambda p: nn.Softmax(dim=-1),
}


def _build_activation(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                      ctx: Context) -> nn.Module:
    if spec.type not in _ACTIVATIONS:
        raise _unknown(spec)
    return _ACTIVATIONS[spec.type](params)


def _build_dropout(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                   ctx: Context) -> nn.Module:
    return nn.Dropout(params["p"])


def _build_head(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    # A size of 0 follows the dataset: classes for a classifier, targets for a regression.
    if "classes" in params:
        size = params["classes"] or ctx.num_classes
    elif "outputs" in params:
        size = params["outputs"] or ctx.num_targets
    else:
        raise _unknown(spec)
    return nn.Linear(in_shapes[0][-1], size)


def _build_conv(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    dims = len(in_shapes[0]) - 1  # (C, L) -> 1, (C, H, W) -> 2
    common = dict(in_channels=in_shapes[0][0], out_channels=params["out_channels"],
                  kernel_size=params["kernel_size"], stride=params["stride"],
                  dilation=params["dilation"], groups=params["groups"], bias=params["bias"])
    if dims == 1 and params.get("causal"):
        return CausalConv1d(**common)
    conv = {1: nn.Conv1d, 2: nn.Conv2d}[dims]
    return conv(padding=params["padding"], **common)


def _build_conv_transpose(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                          ctx: Context) -> nn.Module:
    dims = len(in_shapes[0]) - 1
    conv = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}[dims]
    return conv(in_shapes[0][0], params["out_channels"], params["kernel_size"],
                stride=params["stride"], padding=params["padding"],
                output_padding=params["output_padding"], bias=params["bias"])


_POOLS: dict[str, type[nn.Module]] = {
    "MaxPool1d": nn.MaxPool1d, "AvgPool1d": nn.AvgPool1d,
    "MaxPool2d": nn.MaxPool2d, "AvgPool2d": nn.AvgPool2d,
}


def _build_pool(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    if spec.type not in _POOLS:
        raise _unknown(spec)
    kernel = params["kernel_size"]
    return _POOLS[spec.type](kernel, stride=params["stride"] or kernel, padding=params["padding"])


def _build_global_pool(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                       ctx: Context) -> nn.Module:
    if spec.type.startswith("GlobalAvg"):
        return GlobalPool("avg")
    if spec.type.startswith("GlobalMax"):
        return GlobalPool("max")
    raise _unknown(spec)


def _build_norm(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    shape = in_shapes[0]
    if spec.type == "BatchNorm":
        # (F,) and (C, L) use BatchNorm1d, (C, H, W) BatchNorm2d; both normalise axis 1.
        norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return norm(shape[0], eps=params["eps"], momentum=params["momentum"],
                    affine=params["affine"])
    if spec.type == "LayerNorm":
        return nn.LayerNorm(shape[-1], eps=params["eps"],
                            elementwise_affine=params["elementwise_affine"])
    raise _unknown(spec)


def _build_reshape(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                   ctx: Context) -> nn.Module:
    if spec.type == "Flatten":
        return nn.Flatten()
    if spec.type == "Reshape":
        return Reshape(resolve_reshape(tuple(params["shape"]), math.prod(in_shapes[0])))
    raise _unknown(spec)


def _build_upsample(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                    ctx: Context) -> nn.Module:
    mode = params["mode"]
    if mode == "linear" and len(in_shapes[0]) == 3:
        mode = "bilinear"
    align = False if mode != "nearest" else None
    return nn.Upsample(scale_factor=params["scale_factor"], mode=mode, align_corners=align)


def _build_merge(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    if spec.type == "Add":
        return Add()
    if spec.type == "Multiply":
        return Multiply()
    if spec.type == "Concat":
        return Concat(concat_axis(params["axis"], len(in_shapes[0])) + 1)  # +1: the batch axis
    raise _unknown(spec)


for _family, _fn in (
    ("input", _build_input),
    ("identity", _build_identity),
    ("dense", _build_dense),
    ("activation", _build_activation),
    ("dropout", _build_dropout),
    ("head", _build_head),
    ("conv", _build_conv),
    ("conv_transpose", _build_conv_transpose),
    ("pool", _build_pool),
    ("global_pool", _build_global_pool),
    ("norm", _build_norm),
    ("reshape", _build_reshape),
    ("upsample", _build_upsample),
    ("merge", _build_merge),
):
    BUILDERS.register(_family, _fn)
del _family, _fn
