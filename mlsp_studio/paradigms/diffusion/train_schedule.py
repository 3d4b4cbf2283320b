"""Noise schedules and samplers of a diffusion model, as plain functions of a schedule and an
ε-predicting function, so each equation can be checked against its paper on its own.

Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models" (DDPM): the forward
process q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), the posterior q(x_{t−1} | x_t, x_0) with
mean coefficients β_t √ᾱ_{t−1} / (1 − ᾱ_t) (on x_0) and √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) (on x_t)
and variance β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) (their eqs. 4, 6, 7). Nichol & Dhariwal 2021,
"Improved DDPM": the cosine schedule ᾱ_t = f(t) / f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2),
β_t clipped at 0.999. Song, Meng & Ermon 2021, "DDIM": the deterministic (η = 0) sampler over a
subsequence of the steps. Ho & Salimans 2022, classifier-free guidance:
ε = ε(x, ∅) + w (ε(x, c) − ε(x, ∅)).

Steps are numbered t = 0 … T−1 as in the papers' code (step t adds the noise β_t); the
network is told t as a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ...errors import ParamError
from .settings import MAX_GUIDANCE

MAX_BETA = 0.999   # Nichol & Dhariwal clip β there, so the last steps never divide by zero
COSINE_OFFSET = 0.008

EpsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]   # (x_t, t) → ε̂, t: (B,) long


def linear_betas(timesteps: int) -> np.ndarray:
    """Ho et al.'s β from 1e-4 to 0.02 over 1000 steps, scaled by 1000 / T for T steps (the
    improved-DDPM code does the same), so the data is equally destroyed at the last step."""
    scale = 1000.0 / timesteps
    return np.clip(np.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=np.float64),
                   0.0, MAX_BETA)


def cosine_alpha_bar(t: np.ndarray, timesteps: int) -> np.ndarray:
    """f(t) / f(0) with f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008."""
    def f(u: np.ndarray) -> np.ndarray:
        return np.cos((u / timesteps + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
    return f(np.asarray(t, dtype=np.float64)) / f(np.zeros(1))


def cosine_betas(timesteps: int) -> np.ndarray:
    """β_t = 1 − ᾱ(t+1) / ᾱ(t) of the cosine ᾱ, clipped at 0.999."""
    steps = np.arange(timesteps + 1, dtype=np.float64)
    bar = cosine_alpha_bar(steps, timesteps)
    return np.clip(1.0 - bar[1:] / bar[:-1], 0.0, MAX_BETA)


class Schedule:
    """Every per-step number the forward process and the samplers use, as float64 (T,), from
    the β of the schedule ``name``: α_t = 1 − β_t, ᾱ_t their running product, ᾱ_{t−1}, and
    the posterior q(x_{t−1} | x_t, x_0)'s mean coefficients and variance β̃_t."""

    def __init__(self, name: str, betas: np.ndarray) -> None:
        self.name, self.betas = name, betas
        self.alphas = alphas = 1.0 - betas
        self.alpha_bar = alpha_bar = np.cumprod(alphas)
        self.alpha_bar_prev = prev = np.concatenate([[1.0], alpha_bar[:-1]])  # ᾱ_{−1} = 1
        self.posterior_coef_x0 = betas * np.sqrt(prev) / (1.0 - alpha_bar)
        self.posterior_coef_xt = np.sqrt(alphas) * (1.0 - prev) / (1.0 - alpha_bar)
        self.posterior_variance = betas * (1.0 - prev) / (1.0 - alpha_bar)    # β̃_t

    @property
    def timesteps(self) -> int:
        return len(self.betas)


def make_schedule(name: str, timesteps: int) -> Schedule:
    """The ``linear`` or ``cosine`` schedule over ``timesteps`` steps."""
    if name == "linear":
        betas = linear_betas(timesteps)
    elif name == "cosine":
        betas = cosine_betas(timesteps)
    else:
        raise ParamError(f"noise_schedule must be linear or cosine, not {name!r}")
    return Schedule(name, betas)


def _at(values: np.ndarray, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped to broadcast over a batch like ``like``: (B, 1, …)."""
    picked = torch.as_tensor(values, dtype=like.dtype, device=like.device)[t]
    return picked.reshape(-1, *([1] * (like.dim() - 1)))


def noise_to(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor,
             noise: torch.Tensor) -> torch.Tensor:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, for a (B,) tensor of steps."""
    bar = _at(schedule.alpha_bar, t, x0)
    return bar.sqrt() * x0 + (1.0 - bar).sqrt() * noise


def guided(eps_cond: torch.Tensor, eps_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance: ε_uncond + w (ε_cond − ε_uncond); w = 0 ignores the class,
    w = 1 is the plain conditional model, w > 1 pushes past it."""
    return eps_uncond + scale * (eps_cond - eps_uncond)


def check_sampling(schedule: Schedule, steps: int, guidance: float) -> None:
    """Refuse a step count or a guidance scale out of range, saying the range."""
    if not 1 <= int(steps) <= schedule.timesteps:
        raise ParamError(f"the sampler can take 1 to {schedule.timesteps} steps (T, the "
                         f"number of noising steps), not {steps}")
    if not (0.0 <= float(guidance) <= MAX_GUIDANCE):
        raise ParamError(f"the guidance scale must be between 0 and {MAX_GUIDANCE:g}, "
                         f"not {guidance:g}")


def ddim_steps(timesteps: int, steps: int) -> np.ndarray:
    """``steps`` step numbers spread evenly over 0 … T−1, largest first (always ends at 0)."""
    return np.unique(np.round(np.linspace(0, timesteps - 1, steps)).astype(np.int64))[::-1]


def predict_x0(schedule: Schedule, x: torch.Tensor, t: torch.Tensor,
               eps: torch.Tensor) -> torch.Tensor:
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t."""
    bar = _at(schedule.alpha_bar, t, x)
    return (x - (1.0 - bar).sqrt() * eps) / bar.sqrt()


def step_order(timesteps: int, sampler: str, steps: int) -> np.ndarray:
    """The steps a sampler takes, largest first: ``ddpm`` all T of them, ``ddim`` ``steps``
    of them spread evenly."""
    if sampler == "ddpm":
        return np.arange(timesteps - 1, -1, -1)
    return ddim_steps(timesteps, steps)


def sample(schedule: Schedule, eps_fn: EpsFn, x_T: torch.Tensor, *, sampler: str = "ddpm",
           steps: int | None = None, generator: torch.Generator | None = None,
           keep: int = 0, clip: float | None = None
           ) -> tuple[torch.Tensor, list[tuple[int, torch.Tensor]]]:
    """Walk from x_T back to x_0 (:func:`denoise`) with the sampler ``ddpm`` (all T steps) or
    ``ddim`` (``steps`` steps); return x_0 and ``keep`` evenly spaced (t, x_t) of the way."""
    T = schedule.timesteps
    if sampler == "ddim":
        check_sampling(schedule, steps if steps is not None else T, 0.0)
    elif sampler != "ddpm":
        raise ParamError(f"sampler must be ddpm or ddim, not {sampler!r}")
    order = step_order(T, sampler, steps if steps is not None else T)
    shown = set(np.round(np.linspace(0, len(order), keep)).astype(int).tolist()) if keep else ()
    return denoise(schedule, eps_fn, x_T, order, sampler, generator, clip, shown)


def denoise(schedule, eps_fn, x_T, order, sampler, generator=None, clip=None, shown=()):
    """Walk from pure noise x_T back to x_0 through the steps ``order`` (largest first), with
    ε̂ = eps_fn(x_t, t); return x_0 and the (t, x_t) after the ``shown`` numbers of steps.

    ``ddpm`` (ancestral sampling): x_{t−1} = μ̃(x_t, x̂_0) + √β̃_t z with fresh noise z from
    ``generator``; ``ddim`` adds no noise (η = 0): x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s) ε̂. ``clip``
    bounds x̂_0 to [−clip, clip] (data scaled to [−1, 1]); None leaves it free. The trajectory
    is numbered as in the papers, from (T, x_T) (pure noise, fed to the network as step T−1)
    to (0, x_0).
    """
    T = schedule.timesteps
    trajectory = [(T, x_T)] if 0 in shown else []
    x = x_T
    for i, step in enumerate(order):
        t = torch.full((len(x),), int(step), dtype=torch.long, device=x.device)   # (B,)
        eps = eps_fn(x, t)
        x0 = predict_x0(schedule, x, t, eps)
        if clip is not None:
            x0 = x0.clamp(-clip, clip)
        if sampler == "ddpm":
            mean = (_at(schedule.posterior_coef_x0, t, x) * x0
                    + _at(schedule.posterior_coef_xt, t, x) * x)
            if step > 0:
                z = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
                x = mean + _at(schedule.posterior_variance, t, x).sqrt() * z
            else:
                x = mean
        else:
            nxt = int(order[i + 1]) if i + 1 < len(order) else -1
            bar_next = 1.0 if nxt < 0 else float(schedule.alpha_bar[nxt])
            if clip is not None:  # ε consistent with the clipped x̂_0
                bar = _at(schedule.alpha_bar, t, x)
                eps = (x - bar.sqrt() * x0) / (1.0 - bar).sqrt()
            x = math.sqrt(bar_next) * x0 + math.sqrt(1.0 - bar_next) * eps
        if i + 1 in shown:
            trajectory.append((int(order[i + 1]) + 1 if i + 1 < len(order) else 0, x))
    return x, trajectory
