"""Low-rank adaptation (LoRA, Hu et al. 2021): a frozen layer W plus a trainable update
(α/r)·B·A of rank r, with B zero at the start so the adapted network begins exactly where
the pretrained one was. Only A and B train: r·(d_in + d_out) weights per adapted layer.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ..errors import ParamError

ADAPTABLE = (nn.Linear, nn.Conv1d, nn.Conv2d)


class LowRankAdapter(nn.Module):
    """Low-rank adaptation: a frozen layer W plus a trainable update (alpha / rank) * B A.

    B starts at zero, so the adapted network begins exactly where the pre-trained one was;
    only A and B train: rank * (inputs + outputs) weights per layer. For a convolution, A is
    a convolution into rank channels with the layer's kernel, stride, padding and dilation,
    and B a 1x1 convolution back, so B A has the shape of the layer's kernel."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.scale = alpha / rank
        if isinstance(base, nn.Linear):
            self.lora_a = nn.Linear(base.in_features, rank, bias=False)
            self.lora_b = nn.Linear(rank, base.out_features, bias=False)
        else:
            conv = type(base)
            self.lora_a = conv(base.in_channels, rank, base.kernel_size, stride=base.stride,
                               padding=base.padding, dilation=base.dilation, bias=False)
            self.lora_b = conv(rank, base.out_channels, 1, bias=False)
        nn.init.kaiming_uniform_(self.lora_a.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_b.weight)  # the update starts at zero: output unchanged

    def forward(self, x):
        return self.base(x) + self.scale * self.lora_b(self.lora_a(x))


class LoRA(LowRankAdapter):
    """The studio's adapter: a Linear, Conv1d or Conv2d layer wrapped as ``LowRankAdapter``
    (the class an exported script copies), after checking that the layer and the rank fit,
    in words; and the update as a weight (``delta``) or folded into the layer (``merged``).
    d_in = in_channels · kernel size for a convolution, d_out = its out_channels."""

    def __init__(self, base: nn.Module, rank: int, alpha: float, label: str = "") -> None:
        if not isinstance(base, ADAPTABLE):
            raise ParamError(f"LoRA adapts Dense and Conv layers, not {label or type(base)}")
        d_in, d_out = lora_dims(base)
        if getattr(base, "groups", 1) != 1:
            raise ParamError(f"LoRA cannot adapt {label}: it is a grouped convolution")
        if not 1 <= rank <= min(d_in, d_out):
            raise ParamError(f"a LoRA rank of {rank} does not fit {label or 'this layer'}: "
                             f"the rank must be from 1 to {min(d_in, d_out)}, the smaller of its "
                             f"{d_in} inputs and {d_out} outputs")
        super().__init__(base, rank, float(alpha))
        self.rank, self.alpha = rank, float(alpha)

    def delta(self) -> torch.Tensor:
        """(α/r)·B·A in the base weight's shape."""
        a = self.lora_a.weight.reshape(self.rank, -1)                 # (r, d_in)
        b = self.lora_b.weight.reshape(-1, self.rank)                 # (d_out, r)
        return (self.scale * (b @ a)).reshape(self.base.weight.shape)

    def merged(self) -> nn.Module:
        """A plain copy of the base layer with the update folded in: W + (α/r)·B·A."""
        layer = copy.deepcopy(self.base)
        with torch.no_grad():
            layer.weight.add_(self.delta())
        for p in layer.parameters():
            p.requires_grad_(True)
        return layer


def lora_dims(layer: nn.Module) -> tuple[int, int]:
    """(d_in, d_out) of a layer as LoRA sees it: a convolution's d_in counts its kernel."""
    if isinstance(layer, nn.Linear):
        return layer.in_features, layer.out_features
    kernel = math.prod(layer.kernel_size)
    return layer.in_channels * kernel, layer.out_channels


def add_lora(model: nn.Module, keys: list[str], rank: int, alpha: float) -> int:
    """Freeze ``model`` and wrap its blocks ``keys`` (a GraphModule's ``n<id>`` names) in
    LoRA; returns how many weights the adapters add."""
    for p in model.parameters():
        p.requires_grad_(False)
    added = 0
    for key in keys:
        label = getattr(model, "labels", {}).get(key, key)
        wrapper = LoRA(model.blocks[key], rank, alpha, label)
        model.blocks[key] = wrapper
        added += sum(p.numel() for p in wrapper.parameters() if p.requires_grad)
    return added


def merge_lora(model: nn.Module) -> None:
    """Fold every LoRA adapter of a GraphModule into its layer, in place."""
    for key, block in list(model.blocks.items()):
        if isinstance(block, LoRA):
            model.blocks[key] = block.merged()
