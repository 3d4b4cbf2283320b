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

NOT_COMPARED = ("BatchNorm", "LayerNorm", "Normalization")  # a scale and shift, not a layer
RELU_LIKE = ("ReLU", "LeakyReLU", "GELU")
SQUASHING = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0)}
SATURATION = 0.02  # within this share of the range from a limit counts as saturated
BATCH = 128


def weighted_layers(model: torch.nn.Module) -> list[tuple[str, list[torch.nn.Parameter]]]:
    """(block name, its learned weights) of every block that learns (Dense, convolutions,
    embeddings, recurrent layers, attention, heads; not normalisations), in the order they
    run. A block with several weight tensors (an LSTM's, a transformer layer's) counts as
    one layer: its norms are over all of them together."""
    out = []
    for key, block_type in model.types.items():
        params = [p for p in model.blocks[key].parameters() if p.requires_grad]
        if params and block_type not in NOT_COMPARED:
            out.append((key, params))
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
            weights = [w for _, ws in layers for w in ws]
            grads = torch.autograd.grad(loss_fn(out, y), weights, allow_unused=True) \
                if weights else ()
    finally:
        if state:  # batch norm's running statistics stay as training left them
            model.load_state_dict(state, strict=False)
        model.train(was_training)
    labels = tuple(model.labels[k] for k, _ in layers)
    flat = [(g if g is not None else torch.zeros_like(w)).detach().float().cpu().numpy().ravel()
            for g, w in zip(grads, weights, strict=True)]
    w_arrays, g_arrays, start = [], [], 0
    for _, ws in layers:
        w_arrays.append(np.concatenate([w.detach().float().cpu().numpy().ravel() for w in ws]))
        g_arrays.append(np.concatenate(flat[start:start + len(ws)]))
        start += len(ws)
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
