"""The normalizing flow in plain torch: the affine coupling layer, the flow's two directions
with their log-determinants, the negative log-likelihood, sampling, and the entropy of a
mixture of round Gaussians (the best NLL any model can reach on the ring).

Dinh, Sohl-Dickstein and Bengio, "Density estimation using Real NVP" (2017): coupling layers
whose Jacobian is triangular, so its log-determinant is the sum of the log-scales.

The exported script copies these definitions from this file (``export/source_copy.py``), so
what the studio trains and what the script trains are the same text. Keep them plain: no
import from the studio, only ``math``, ``numpy``, ``torch`` and ``nn``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def coupling_masks(dim, layers):
    """For each coupling in turn, (how many coordinates it keeps, whether they are the last
    ones): the first dim // 2 are kept in even layers, the last dim // 2 in odd ones, so every
    coordinate is changed by some layer. On the plane: keep x1 and change x2, then the
    reverse."""
    return [(dim // 2, k % 2 == 1) for k in range(layers)]


class Coupling(nn.Module):
    """One affine coupling layer. The kept coordinates x_a pass unchanged; the conditioner
    reads them and gives a log-scale s and a shift t for the changed ones x_b:

        z_b = x_b · exp(s) + t,    s = S · tanh(raw_s / S),   t = T · tanh(raw_t / T)

    S (``bound``) and T (``shift_bound``) keep each layer's stretch and shift finite: a point
    a little off the data, where a network's output runs on in a straight line, is not flung
    further at every layer (its NLL would explode). The Jacobian is triangular, so
    log|det ∂z/∂x| = Σ s. The inverse needs no inversion of the conditioner:
    x_b = (z_b − t) · exp(−s), with s and t read off z_a = x_a. The kept coordinates are the
    first ``kept`` ones, or the last ``kept`` ones when ``kept_last``."""

    def __init__(self, conditioner, dim, kept, kept_last, bound, shift_bound):
        super().__init__()
        self.conditioner = conditioner
        self.kept, self.changed = int(kept), int(dim) - int(kept)
        self.kept_last = bool(kept_last)
        self.bound, self.shift_bound = float(bound), float(shift_bound)

    def split(self, x):
        """(kept, changed) columns of x."""
        if self.kept_last:
            return x[:, self.changed:], x[:, :self.changed]
        return x[:, :self.kept], x[:, self.kept:]

    def join(self, kept, changed):
        return torch.cat([changed, kept] if self.kept_last else [kept, changed], dim=1)

    def scale_and_shift(self, x_a):
        """(s, t), each (B, changed): the two halves of the conditioner's output, bounded."""
        raw_s, raw_t = self.conditioner(x_a).chunk(2, dim=1)
        return (self.bound * torch.tanh(raw_s / self.bound),
                self.shift_bound * torch.tanh(raw_t / self.shift_bound))

    def forward(self, x):
        """x → z (towards the Gaussian), and log|det ∂z/∂x| (B,)."""
        x_a, x_b = self.split(x)
        s, t = self.scale_and_shift(x_a)
        return self.join(x_a, torch.addcmul(t, x_b, torch.exp(s))), s.sum(dim=1)

    def inverse(self, z):
        """z → x (towards the data)."""
        z_a, z_b = self.split(z)
        s, t = self.scale_and_shift(z_a)
        return self.join(z_a, (z_b - t) * torch.exp(-s))


class Flow(nn.Module):
    """Data x → u = (x − centre) / scale (the model's own units) → the couplings in order →
    z, whose density is the standard normal's. The log-density of x is

        log p(x) = log N(z; 0, I) + Σ_layers log|det ∂z/∂x|,

    the standardisation counted too (−Σ log scale), so it is in the data's own units."""

    def __init__(self, couplings, centre, scale):
        super().__init__()
        self.couplings = nn.ModuleList(couplings)
        self.register_buffer("centre", torch.as_tensor(centre, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, x):
        """x → z, and log|det ∂z/∂x| (B,)."""
        h = (x - self.centre) / self.scale
        log_det = -torch.log(self.scale).sum().expand(len(x))
        for coupling in self.couplings:
            h, layer_log_det = coupling(h)
            log_det = log_det + layer_log_det
        return h, log_det

    def inverse(self, z, keep=False):
        """z → x; with ``keep``, also every stage on the way in the model's units: z, then
        after undoing each coupling from the last to the first (len(couplings) + 1 of them)."""
        stages = [z]
        for coupling in reversed(self.couplings):
            z = coupling.inverse(z)
            stages.append(z)
        x = z * self.scale + self.centre
        return (x, stages) if keep else x

    def log_prob(self, x):
        """log p(x) (B,), in nats."""
        z, log_det = self(x)
        return -0.5 * (z * z).sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi) + log_det

    def sample(self, n, generator=None):
        """n draws from the flow: z ~ N(0, I) carried to the data."""
        z = torch.randn(n, len(self.centre), generator=generator).to(self.centre.device)
        return self.inverse(z)


def standardiser(x):
    """(centre, scale) that bring the training data to mean 0 and standard deviation 1 per
    coordinate: the flow starts near the data's size."""
    x = x.double()
    return x.mean(0).float(), x.std(0).clamp_min(1e-6).float()


def jittered(batch, noise, generator):
    """The batch with N(0, noise²) jitter on every number (noise regularisation), drawn from
    ``generator``, the batches' own stream; noise 0 gives the batch as it is."""
    if noise <= 0:
        return batch
    return batch + noise * torch.randn(batch.shape, generator=generator).to(batch.device)


def nll(flow, x, batch=4096):
    """The mean negative log-likelihood of the rows of x, in nats per example."""
    total = 0.0
    for start in range(0, len(x), batch):
        total = total - flow.log_prob(x[start:start + batch]).sum()
    return total / max(len(x), 1)


def mixture_entropy(centres, spread, samples=200_000, seed=0):
    """The entropy in nats of an even mixture of round Gaussians (standard deviation
    ``spread``) at ``centres`` (k, d), by Monte Carlo: −mean log p over draws from it. No
    model can reach a lower expected NLL on its data."""
    centres = np.asarray(centres, dtype=np.float64)
    k, d = centres.shape
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, k, samples)] + rng.normal(0.0, spread, (samples, d))
    sq = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)              # (n, k)
    log_each = -0.5 * sq / spread ** 2 - d * math.log(spread) - 0.5 * d * math.log(2 * math.pi)
    top = log_each.max(1, keepdims=True)
    log_p = top[:, 0] + np.log(np.exp(log_each - top).mean(1))
    return float(-log_p.mean())
