"""The receptive field of one chosen unit: which input positions can change it (worked out
from the layers' kernels, strides and padding) and how much each one does (the gradient of
the unit with respect to the input, one backward pass on one example).

The gradient is taken with ``torch.autograd.grad`` with respect to the input only, in
evaluation mode, so no weight gets a ``.grad`` and nothing training keeps changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from ..nn.skip import Gated, Residual
from ..snapshots.lab import ReceptiveField

# Blocks that work value by value (or across channels only): a unit sees what its own place
# on the map saw.
ELEMENTWISE = ("ReLU", "LeakyReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "BatchNorm", "Dropout",
               "Add", "Multiply", "Scale", "GradientReversal", "Identity")
Span = list[tuple[int, int]]  # (first, last) input position per axis, last included


def _pair(value: Any, dims: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (int(value),) * dims


def _window(span: Span, kernel, stride, left, dilation) -> Span:
    """What a sliding window (convolution or pool) reads for outputs ``span``; ``left`` is the
    padding before the first input."""
    dims = len(span)
    k, s, p, d = (_pair(v, dims) for v in (kernel, stride, left, dilation))
    return [(lo * s[i] - p[i], hi * s[i] - p[i] + d[i] * (k[i] - 1))
            for i, (lo, hi) in enumerate(span)]


def _back(module: nn.Module, block_type: str, span: Span) -> Span | None:
    """The input positions block ``module`` reads for output positions ``span``; None when it
    is not a block the rule knows (the gradient decides then)."""
    if block_type in ELEMENTWISE or block_type == "Concat":
        return span
    if isinstance(module, nn.ConvTranspose1d | nn.ConvTranspose2d):
        dims = len(span)
        k, s, p = (_pair(v, dims) for v in (module.kernel_size, module.stride, module.padding))
        return [(math.ceil((lo + p[i] - (k[i] - 1)) / s[i]), (hi + p[i]) // s[i])
                for i, (lo, hi) in enumerate(span)]
    if isinstance(module, nn.Conv1d | nn.Conv2d):
        left = getattr(module, "left_pad", None)  # a causal convolution pads the left only
        return _window(span, module.kernel_size, module.stride,
                       module.padding if left is None else left, module.dilation)
    if isinstance(module, nn.MaxPool1d | nn.MaxPool2d | nn.AvgPool1d | nn.AvgPool2d):
        return _window(span, module.kernel_size, module.stride, module.padding,
                       getattr(module, "dilation", 1))
    if isinstance(module, Residual | Gated):
        convs = [m for m in module.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)]
        for conv in reversed(convs):
            span = _window(span, conv.kernel_size, 1, conv.padding, 1)
        return span
    if isinstance(module, nn.Upsample):
        scale = float(module.scale_factor if not isinstance(module.scale_factor, tuple)
                      else module.scale_factor[0])
        grow = 0 if module.mode == "nearest" else 1  # linear blends the next input too
        return [(math.floor(lo / scale) - grow, math.floor(hi / scale) + grow)
                for lo, hi in span]
    return None


def theoretical_span(model: nn.Module, key: str, position: tuple[int, ...]) -> Span | None:
    """Per input axis, the first and last input position (padding included) that can change
    the unit at ``position`` of block ``key``, following every path back to the input; None
    when a block on the way is not one the rule knows."""
    plan = model._plan  # (block name, where its inputs come from), in running order
    order = [k for k, _ in plan]
    spans: dict[str, Span] = {key: [(p, p) for p in position]}
    found: Span | None = None
    for i in range(order.index(key), -1, -1):
        name, args = plan[i]
        if name not in spans:
            continue
        if args[0] < 0:  # an Input block: its span is the input's
            found = _hull(found, spans[name])
            continue
        back = _back(model.blocks[name], model.types[name], spans[name])
        same = all(model.shapes[order[j]][1:] == model.shapes[name][1:] for j in args)
        if back is None or (back is spans[name] and not same):  # e.g. joined along time
            return None
        for j in args:
            src = order[j]
            spans[src] = _hull(spans.get(src), back)
    return found


def _hull(a: Span | None, b: Span) -> Span:
    if a is None:
        return list(b)
    return [(min(x[0], y[0]), max(x[1], y[1])) for x, y in zip(a, b, strict=True)]


def map_layers(model: nn.Module) -> list[str]:
    """Blocks with a feature map shaped like the input's ((C, H, W) or (C, L)), input side
    first: the ones whose units have a place on the input."""
    sources = list(model.input_shapes.values())
    if len(sources) != 1 or len(sources[0]) not in (2, 3):
        return []
    rank = len(sources[0])
    return [k for k, t in model.types.items() if t != "Input" and len(model.shapes[k]) == rank]


def receptive_field(model: nn.Module, x: torch.Tensor, key: str, channel: int,
                    position: tuple[int, ...] | None, step: int, index: int = 0,
                    label: str = "", layers: list[str] | None = None) -> ReceptiveField:
    """The snapshot for channel ``channel`` at ``position`` (None: the centre) of block
    ``key`` on one example ``x`` (C, *spatial); out-of-range choices are brought in range."""
    channels, *size = model.shapes[key]
    channel = int(channel) % channels
    if position is None or len(position) != len(size):
        position = tuple(n // 2 for n in size)
    position = tuple(min(max(int(p), 0), n - 1) for p, n in zip(position, size, strict=True))
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            inp = x[None].detach().clone().float().requires_grad_(True)   # (1, C, *spatial)
            out = model.forward_capture(inp, keys={key})[key]              # (1, C', *map)
            (grad,) = torch.autograd.grad(out[(0, channel, *position)], inp)
    finally:
        model.train(was_training)
    effect = grad[0].abs().sum(0).detach().float().cpu().numpy()            # (*spatial)
    top = float(effect.max()) if effect.size else 0.0
    effective = effect / top if top > 0 else effect
    shape = effect.shape
    span = theoretical_span(model, key, position)
    from_layers = span is not None
    if span is None:  # where the gradient is not 0, as a box
        nonzero = np.nonzero(effect > 0)
        span = [(int(a.min()), int(a.max())) if a.size else (0, n - 1)
                for a, n in zip(nonzero, shape, strict=True)]
    span_size = tuple(hi - lo + 1 for lo, hi in span)
    clipped = np.array([(max(lo, 0), min(hi, n - 1)) for (lo, hi), n in zip(span, shape,
                                                                               strict=True)])
    causal = len(shape) == 1 and from_layers and span[0][1] <= _input_place(position[0], size[0],
                                                                            shape[0])
    names = layers if layers is not None else map_layers(model)
    return ReceptiveField(
        step=step, layers=tuple(model.labels[k] for k in names), layer=model.labels[key],
        channel=channel, channels=channels, position=position, map_size=tuple(size),
        index=index, label=label, input=x.detach().float().cpu().numpy(),
        effective=effective.astype(np.float32), span=clipped.astype(np.int64),
        span_size=span_size, from_layers=from_layers, causal=bool(causal))


def _input_place(pos: int, map_len: int, in_len: int) -> int:
    """The input step a map step stands for when the map is shorter (strides), for saying
    whether a signal's unit sees past its own time."""
    return (pos + 1) * in_len // max(map_len, 1) - 1


class ReceptiveFieldProbe:
    """The receptive field snapshot of a supervised network, its choices taken from the
    panel's options (``rf_layer``, ``rf_channel``, ``rf_position``, ``example_index``)."""

    def __init__(self, model: nn.Module, input_kind: str) -> None:
        self.model = model
        self.layers = map_layers(model) if input_kind in ("image", "signal") else []

    def snapshot(self, step: int, split: Any, class_names: Any,
                 options: dict[str, Any]) -> ReceptiveField:
        by_label = {self.model.labels[k]: k for k in self.layers}
        key = by_label.get(str(options.get("rf_layer", "")), self.layers[-1])
        index = int(options.get("example_index", 0)) % len(split.x)
        position = options.get("rf_position") or None
        label = ""
        if class_names and split.y.dim() == 1:
            label = str(class_names[int(split.y[index])])
        return receptive_field(self.model, split.x[index], key,
                               int(options.get("rf_channel", 0)),
                               tuple(position) if position else None, step, index, label,
                               self.layers)
