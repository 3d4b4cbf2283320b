"""One step of diffusion training, in plain torch: the model's scale, what the denoiser is
fed, the batch of examples, steps, noise and classes, the noise-prediction loss and the
classifier-free guidance a sampler uses.

The studio's trainer calls these, and the exported script copies them from this file
(``export/source_copy.py``), so both train the same way. Keep them plain: no import from
the studio, only ``torch`` and the parts of ``train_schedule.py`` the script copies too.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .train_schedule import guided, noise_to


def data_scale(x, image):
    """(centre, spread) that bring the training data x to the model's scale, where pure noise
    N(0, I) and the data have similar sizes: pictures from [0, 1] to [−1, 1], other data
    centred and divided by its overall standard deviation."""
    if image:
        half = torch.full((), 0.5, device=x.device)
        return half, half
    x = x.float()
    return x.mean(0), x.std().clamp_min(1e-6)


def to_model(x, centre, spread):
    """Data → the model's scale."""
    return (x.float() - centre) / spread


def to_data(x, centre, spread):
    """The model's scale → data."""
    return x * spread + centre


def predict_noise(net, inputs, x, t, c):
    """The denoiser's ε̂ for x_t at steps t (B,) asked for classes c (B,), −1: none. The
    network is fed the inputs its canvas names, in its order (``inputs``: x, t and c)."""
    fed = {"x": x, "t": t.float()[:, None], "c": c.float()[:, None]}
    return net(*[fed[name] for name in inputs])


def noise_loss(net, inputs, schedule, x0, t, noise, c):
    """‖ε − ε̂(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t, c)‖², averaged: how far the predicted noise is from
    the noise put on x_0 at step t."""
    return F.mse_loss(predict_noise(net, inputs, noise_to(schedule, x0, t, noise), t, c), noise)


def training_batch(x, y, idx, timesteps, label_dropout, generator, device):
    """The examples idx of x (model scale) with a random step t (B,), the noise ε put on them
    and their classes c (B,), all drawn from ``generator``. Without labels (y None) every c is
    −1 (no class); with them a ``label_dropout`` share is hidden, so the denoiser also learns
    ε(x, ∅) for classifier-free guidance."""
    x0 = x[idx]                                                        # (B, *example)
    t = torch.randint(timesteps, (len(x0),), generator=generator).to(device)
    noise = torch.randn(x0.shape, generator=generator).to(device)     # ε ~ N(0, I)
    c = y[idx] if y is not None else torch.full_like(t, -1)
    if y is not None and label_dropout > 0:
        hide = torch.rand(len(c), generator=generator).to(device) < label_dropout
        c = torch.where(hide, torch.full_like(c, -1), c)
    return x0, t, noise, c


def held_out_batch(x, y, timesteps, seed, device, count):
    """Up to ``count`` examples of a split (x in the model's scale) with their own steps, noise
    and classes (−1 without labels y), drawn once from ``seed``: every check scores the same."""
    g = torch.Generator().manual_seed(seed)
    pick = torch.randperm(len(x), generator=g)[:count].to(device)
    x0 = x[pick]
    t = torch.randint(timesteps, (len(x0),), generator=g).to(device)
    noise = torch.randn(x0.shape, generator=g).to(device)
    c = y[pick] if y is not None else torch.full((len(x0),), -1, device=device)
    return x0, t, noise, c


def guidance_eps(net, inputs, classes, scale, conditional):
    """ε(x, t) for a sampler: classifier-free guidance toward ``classes`` (B,) by ``scale``
    (Ho & Salimans 2022), ε = ε(x, ∅) + scale · (ε(x, c) − ε(x, ∅)). One pass of the network
    at scale 0 or 1 (or when it is not told the class), one pass of a doubled batch else."""
    none = torch.full_like(classes, -1)
    asked = torch.where(classes < 0, none, classes)
    if not conditional or scale == 0.0:
        return lambda x, t: predict_noise(net, inputs, x, t, none)
    if scale == 1.0:
        return lambda x, t: predict_noise(net, inputs, x, t, asked)

    def eps(x, t):
        both = predict_noise(net, inputs, torch.cat([x, x]), torch.cat([t, t]),
                             torch.cat([asked, none]))
        cond, uncond = both.chunk(2)
        return guided(cond, uncond, scale)
    return eps
