"""The numbers behind the gradient and weight panel: each weighted layer's weight and
gradient on one training batch, and the share of dead or saturated units.

The gradient is computed with ``torch.autograd.grad``, so neither the weights, their
``.grad`` nor any optimiser state change: looking does not alter training.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..snapshots.lab import LayerStats, histogram

WEIGHTED = ("Dense", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "ClassifierHead",
            "RegressionHead")
RELU_LIKE = ("ReLU", "LeakyReLU", "GELU")
SQUASHING = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0)}
SATURATION = 0.02  # within this share of the range from a limit counts as saturated
BATCH = 128


def weighted_layers(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """(block name, weight) of every Dense, convolution and head, in the order they run."""
    out = []
    for key, block_type in model.types.items():
        weight = getattr(model.blocks[key], "weight", None)
        if block_type in WEIGHTED and isinstance(weight, torch.nn.Parameter):
            out.append((key, weight))
    return out


def layer_stats(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                step: int) -> LayerStats:
    """Measure the network on up to ``BATCH`` examples in training mode (dropout on, batch
    norm from the batch, as during a step) without changing anything it keeps."""
    layers = weighted_layers(model)
    acts = [k for k, t in model.types.items() if t in RELU_LIKE or t in SQUASHING]
    x, y = x[:BATCH], y[:BATCH]
    was_training = model.training
    model.train()
    state = {k: v.detach().clone() for k, v in model.state_dict().items() if "running" in k}
    try:
        with torch.enable_grad():
            first_output = model.output_keys[0]
            captured = model.forward_capture(x, keys={*acts, first_output})
            out = captured[first_output]
            weights = [w for _, w in layers]
            grads = torch.autograd.grad(loss_fn(out, y), weights, allow_unused=True) \
                if weights else ()
    finally:
        if state:  # batch norm's running statistics stay as training left them
            model.load_state_dict(state, strict=False)
        model.train(was_training)
    labels = tuple(model.labels[k] for k, _ in layers)
    w_arrays = [w.detach().float().cpu().numpy().ravel() for _, w in layers]
    g_arrays = [(g if g is not None else torch.zeros_like(w)).detach().float().cpu().numpy()
                .ravel() for g, (_, w) in zip(grads, layers, strict=True)]
    w_hist, w_range = _histograms(w_arrays)
    g_hist, g_range = _histograms(g_arrays)
    dead, saturated = [], []
    for key in acts:
        a = captured[key].detach().float()
        a = a.reshape(a.shape[0], -1)                                  # (B, units)
        if model.types[key] in RELU_LIKE:
            dead.append((a.abs() <= 1e-8).all(0).float().mean().item())
            saturated.append(np.nan)
        else:
            lo, hi = SQUASHING[model.types[key]]
            margin = SATURATION * (hi - lo)
            near = (a <= lo + margin) | (a >= hi - margin)
            saturated.append(near.float().mean().item())
            dead.append(np.nan)
    return LayerStats(
        step=step, labels=labels,
        weight_norms=np.array([np.linalg.norm(w) for w in w_arrays]),
        grad_norms=np.array([np.linalg.norm(g) for g in g_arrays]),
        weight_hist=w_hist, weight_range=w_range, grad_hist=g_hist, grad_range=g_range,
        act_labels=tuple(model.labels[k] for k in acts), dead=np.array(dead),
        saturated=np.array(saturated))


def _histograms(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [histogram(a) for a in arrays]
    if not pairs:
        return np.zeros((0, 30)), np.zeros((0, 2))
    return np.stack([c for c, _ in pairs]), np.stack([r for _, r in pairs])
