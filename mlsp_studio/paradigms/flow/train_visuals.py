"""The flow's pictures (2-D data only): its density on a grid over the data, samples from a
fixed batch of noise, and the Gaussian's grid carried back to the data coupling by coupling.
Called under ``torch.inference_mode()`` with the flow in eval mode."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .snapshots import FlowDensity, FlowLayers, FlowSamples
from .train_parts import nll

GRID = 128            # density grid points per axis
DATA_POINTS = 1000    # held-out points drawn under the pictures
SAMPLES = 1000        # samples from the fixed noise
LINES = 13            # grid lines each way in the Gaussian's plane, from −3 to 3
LINE_POINTS = 200     # points along each line
LAYER_POINTS = 400    # noise samples carried along with the grid


def _extent(x: np.ndarray, given: Any) -> tuple[float, float, float, float]:
    """The data's drawing box: the bundle's when it has one, else the points' own, padded."""
    if given is not None and len(given) == 4 and all(math.isfinite(v) for v in given):
        return tuple(float(v) for v in given)
    lo, hi = x.min(0), x.max(0)
    pad = 0.1 * max(float(max(hi - lo)), 1e-6)
    return lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad


class FlowVisuals:
    """Builds the snapshots for a set-up :class:`FlowParadigm` (``owner``)."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.points = owner.dim == 2 and tuple(owner.data.train.x.shape[1:]) == (2,)
        self.kinds = frozenset({"flow_density", "flow_samples", "flow_layers"}
                               if self.points else ())
        self.drawers = {"flow_density": self.density, "flow_samples": self.samples,
                        "flow_layers": self.layers}   # each kind's picture, in this order
        if not self.points:
            return
        device = owner.device
        part = owner.data.test if len(owner.data.test) else owner.data.train
        self.held = owner.rows(part.x[:DATA_POINTS])
        self.held_np = self.held.cpu().numpy()
        x0, x1, y0, y1 = _extent(owner.x.cpu().numpy(), owner.data.extent)
        self.xs, self.ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        gx, gy = np.meshgrid(self.xs, self.ys)                     # row i at ys[i]
        self.grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1),
                                    dtype=torch.float32, device=device)
        g = torch.Generator().manual_seed(owner.seed + 20)
        self.noise = torch.randn(SAMPLES, 2, generator=g).to(device)
        ticks = np.linspace(-3.0, 3.0, LINES)
        along = np.linspace(-3.0, 3.0, LINE_POINTS)
        rows = [np.stack([along, np.full_like(along, v)], 1) for v in ticks]
        columns = [np.stack([np.full_like(along, v), along], 1) for v in ticks]
        self.lines = torch.as_tensor(np.concatenate(rows + columns), dtype=torch.float32,
                                     device=device)                 # (2 LINES · P, 2)
        self.layer_noise = self.noise[:LAYER_POINTS]

    def density(self) -> FlowDensity:
        o = self.owner
        log_p = o.flow.log_prob(self.grid).reshape(GRID, GRID).cpu().numpy()
        val = o.split_rows("val")  # the validation curve's own NLL, as it stands now
        score = nll(o.flow, val).item() if len(val) else math.nan
        return FlowDensity(step=o.steps_done, xs=self.xs, ys=self.ys, log_density=log_p,
                           data=self.held_np, nll=score, entropy=o.entropy)

    def samples(self) -> FlowSamples:
        o = self.owner
        return FlowSamples(step=o.steps_done, samples=o.flow.inverse(self.noise).cpu().numpy(),
                           data=self.held_np)

    def layers(self) -> FlowLayers:
        o = self.owner
        both = torch.cat([self.lines, self.layer_noise])
        x, stages = o.flow.inverse(both, keep=True)
        stages = stages[:-1] + [x]  # the last stage in the data's own units
        cut = len(self.lines)
        lines = torch.stack([s[:cut] for s in stages]).reshape(len(stages), 2 * LINES,
                                                               LINE_POINTS, 2)
        points = torch.stack([s[cut:] for s in stages])
        return FlowLayers(step=o.steps_done, lines=lines.cpu().numpy(),
                          points=points.cpu().numpy(), data=self.held_np)
