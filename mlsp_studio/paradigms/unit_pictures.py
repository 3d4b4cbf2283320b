"""Each hidden unit's picture: on 2-D points, a unit's output over the whole plane; on
pictures, the test examples that excite it most. Made from one pass of the network with
every hidden block's output kept (``GraphModule.forward_capture``), under inference mode."""

from __future__ import annotations

import numpy as np
import torch

from ..model.blocks import a_view
from ..model.catalog import BLOCKS
from ..snapshots.lab import MAX_UNITS, UnitPictures

PLANE_GRID = 28   # points per axis of a unit's map
PROBES = 256      # test examples searched for what excites a unit
TOP = 3           # the examples kept per unit, best first
WIDEST = 1024     # a block with more units than this (a Flatten of a picture) is not a layer
# of units worth picturing one by one


def unit_keys(model, pictures: bool) -> list[str]:
    """The blocks whose units are pictured, in the graph's order: every block between the
    input and the output whose output for one example is a vector (units), or, on pictures,
    also a stack of maps (one unit per channel). A block that only reshapes its input (a
    Flatten) has no units of its own."""
    ranks = (1, 3) if pictures else (1,)
    keys = []
    for key, shape in model.shapes.items():
        kind = model.types[key]
        if kind == "Input" or key in model.output_keys \
                or (kind in BLOCKS and BLOCKS.get(kind).kept is a_view):
            continue
        if len(shape) in ranks and 0 < shape[0] <= WIDEST:
            keys.append(key)
    return keys


def _node(key: str) -> int:
    return int(key[1:])  # blocks are named n<id> (nn/compile.py)


def plane_pictures(model, keys: list[str], extent, device: torch.device, step: int,
                   slot: str = "model") -> UnitPictures:
    """Every pictured unit's output over the box ``extent`` (x0, x1, y0, y1) of the plane."""
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, PLANE_GRID, dtype=np.float32)
    ys = np.linspace(y0, y1, PLANE_GRID, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1)).to(device)
    captured = model.forward_capture(grid, keys=set(keys))
    kept = [k for k in keys if k in captured]
    maps = []
    for key in kept:
        out = captured[key].float()[:, :MAX_UNITS]  # (G·G, u)
        maps.append(out.T.reshape(-1, PLANE_GRID, PLANE_GRID).cpu().numpy().astype(np.float16))
    return UnitPictures(step=step, xs=xs, ys=ys, slot=slot, style="plane",
                        nodes=tuple(_node(k) for k in kept),
                        labels=tuple(model.labels[k] for k in kept),
                        units=tuple(int(model.shapes[k][0]) for k in kept), maps=tuple(maps))


def _shown(x: torch.Tensor) -> np.ndarray:
    """Pictures (M, C, H, W) as the panel draws them: grey (M, H, W) for one channel or a
    channel mean, colour (M, H, W, 3) for three; each scaled to [0, 1]."""
    x = x.float()
    if x.shape[1] == 3:
        x = x.permute(0, 2, 3, 1)
    else:
        x = x.mean(1)
    flat = x.reshape(len(x), -1)
    low = flat.min(1).values.reshape(-1, *([1] * (x.dim() - 1)))
    high = flat.max(1).values.reshape(-1, *([1] * (x.dim() - 1)))
    return ((x - low) / (high - low).clamp_min(1e-8)).cpu().numpy().astype(np.float16)


def example_pictures(model, keys: list[str], x: torch.Tensor, step: int,
                     slot: str = "model") -> UnitPictures:
    """For every pictured unit, the ``TOP`` examples of ``x`` (test pictures, (N, C, H, W))
    that excite it most and its output on them."""
    x = x[:PROBES]
    captured = model.forward_capture(x, keys=set(keys))
    kept = [k for k in keys if k in captured]
    tops, scores = [], []
    for key in kept:
        out = captured[key].float()
        if out.dim() > 2:
            out = out.flatten(2).mean(2)  # a channel: its mean over the map
        out = out[:, :MAX_UNITS]
        best = out.topk(min(TOP, len(out)), dim=0)  # (k, u)
        tops.append(best.indices.T)
        scores.append(best.values.T.cpu().numpy().astype(np.float32))
    used = torch.unique(torch.cat([t.reshape(-1) for t in tops])) if tops else \
        torch.zeros(0, dtype=torch.long)
    where = torch.full((len(x),), -1, dtype=torch.long, device=used.device)
    where[used] = torch.arange(len(used), device=used.device)
    pool = _shown(x[used.to(x.device)]) if len(used) else np.zeros((0, 0, 0), np.float16)
    return UnitPictures(step=step, slot=slot, style="examples",
                        nodes=tuple(_node(k) for k in kept),
                        labels=tuple(model.labels[k] for k in kept),
                        units=tuple(int(model.shapes[k][0]) for k in kept),
                        top=tuple(where[t.to(where.device)].cpu().numpy() for t in tops),
                        scores=tuple(scores), pool=pool)
