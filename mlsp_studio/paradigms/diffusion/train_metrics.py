"""How good a diffusion model's samples are: the maximum mean discrepancy to held-out data
(2-D), closeness to a ring's clouds, and a small digits classifier that judges whether guided
samples show the class they were asked for."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

JUDGE_STEPS = 400
JUDGE_BATCH = 128


def mmd_rbf(a: np.ndarray, b: np.ndarray) -> float:
    """Unbiased estimate of the squared maximum mean discrepancy between two point sets with
    an RBF kernel exp(−‖x − y‖² / (2h²)), h the median distance between all pooled points.

    Near 0 (it can dip a little below) when both sets come from one distribution.
    """
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    n, m = len(a), len(b)
    if n < 2 or m < 2:
        return math.nan
    z = np.concatenate([a, b])
    sq = (z * z).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * z @ z.T, 0.0)
    h = float(np.median(np.sqrt(d2[np.triu_indices(n + m, 1)])))
    k = np.exp(-d2 / (2.0 * max(h, 1e-12) ** 2))
    kaa, kbb = k[:n, :n], k[n:, n:]
    within_a = (kaa.sum() - np.trace(kaa)) / (n * (n - 1))
    within_b = (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
    return float(within_a + within_b - 2.0 * k[:n, n:].mean())


def gaussian_like(data: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` draws from a Gaussian with the data's mean and covariance: the baseline a
    generative model must beat."""
    data = np.asarray(data, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(data.mean(0), np.atleast_2d(np.cov(data.T)), n)


def ring_quality(samples: np.ndarray, centres: np.ndarray, spread: float) -> dict[str, float]:
    """Share of samples within 4 spreads of a cloud's centre, and how many clouds got at
    least 2 % of the samples (a model that collapsed onto a few clouds finds few)."""
    d = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)   # (n, k)
    near = d.min(1) <= 4.0 * spread
    counts = np.bincount(d.argmin(1)[near], minlength=len(centres))
    return {"near_mode_share": float(near.mean()),
            "modes_found": float((counts >= 0.02 * len(samples)).sum())}


def train_judge(x: torch.Tensor, y: torch.Tensor, classes: int, seed: int) -> torch.nn.Module:
    """A small MLP (flattened input → 256 → 256 → classes) trained for a few seconds on the
    training split, to judge generated images."""
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(x[0].numel(), 256),
                                  torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                  torch.nn.Linear(256, classes)).to(x.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    with torch.enable_grad():
        for _ in range(JUDGE_STEPS):
            idx = torch.randint(len(x), (min(JUDGE_BATCH, len(x)),), generator=g).to(x.device)
            # a little noise on the inputs: generated digits are never quite clean
            noisy = x[idx] + 0.1 * torch.randn(x[idx].shape, generator=g).to(x.device)
            loss = F.cross_entropy(net(noisy), y[idx])
            # not optimise(): a judge of the samples, not the model; a non-finite loss here
            # must not stop the run, and it need not wait for the loss's value at every step
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    net.eval()
    return net


def accuracy(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.inference_mode():
        return float((net(x).argmax(-1) == y).float().mean()) if len(x) else math.nan
