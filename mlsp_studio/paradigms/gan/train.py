"""Generative adversarial networks: a generator turns noise into examples, a discriminator
learns to tell them from the data, and the generator learns to fool it.

Goodfellow et al., "Generative Adversarial Nets" (2014): the minimax game and the
non-saturating ("label flip") generator loss. Ganin and Lempitsky, "Unsupervised Domain
Adaptation by Backpropagation" (2015): the gradient-reversal layer, used here to hand the
discriminator's own loss to the generator with its sign turned.

The functions above the trainer class (noise, losses, the game's figures, mode metrics) are
plain torch and numpy on their arguments: the exported script copies their text
(``export/source_copy.py``), so keep them free of the studio's imports.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import ProjectError
from ...model.project import Project
from ...nn.generative import GradientReversal
from ...snapshots.kinds import Snapshot
from ..base import NonFiniteLoss
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..update import TrainerBase, mean_over_processes, optimise
from .snapshots import GanBalance, GanField, GanSamples

GRID = 64               # discriminator heatmap resolution per axis
FIELD_POINTS = 500      # generated and real points drawn on the plane
ARROWS = 100            # generated points that carry an arrow
SAMPLE_GRID = 64        # images of the fixed-noise sample grid (8 × 8)
METRIC_SAMPLES = 2000   # generated points the mode metrics count
METRIC_SEED = 20_250    # the metric noise is the same at every check and in every run
MIN_MODE_SHARE = 0.01   # a mode counts as drawn with at least 1 % of the samples near it
EVAL_CAP = 1024         # real examples of a split scored at each check
HISTORY_CAP = 1000      # points kept of the balance history (older ones are averaged)


def mode_metrics(samples: np.ndarray, centres: np.ndarray, spread: float,
                 min_share: float = MIN_MODE_SHARE) -> tuple[int, float]:
    """How many modes the samples cover and how many samples are good.

    A sample is good when it lies within 3 ``spread`` of some centre; a mode is covered when
    at least ``min_share`` of all samples lie within 3 ``spread`` of its centre.
    Returns ``(modes_covered, high_quality_fraction)``; non-finite samples count as bad.
    """
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    centres = np.asarray(centres, dtype=np.float64)
    if len(samples) == 0 or len(centres) == 0:
        return 0, 0.0
    dist = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)   # (n, k)
    dist = np.where(np.isfinite(dist), dist, np.inf)
    near = dist <= 3.0 * spread
    covered = int((near.sum(0) >= min_share * len(samples)).sum())
    return covered, float(near.any(1).mean())


def draw_noise(n, latent, generator, device):
    """n noise vectors z ~ N(0, I) of size latent, (n, latent), from ``generator``."""
    return torch.randn(n, latent, generator=generator).to(device)


def d_loss_of(real_logit, fake_logit):
    """The discriminator's loss: ½ [BCE(D(x), real) + BCE(D(G(z)), generated)]; ln 2 ≈ 0.69
    when it cannot tell the two apart."""
    return 0.5 * (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                  + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))


def g_loss_of(fake_logit, reversal):
    """The figure the generator lowers: flip scores its examples against the label "real",
    −log D(G(z)) (non-saturating); reversal (the minimax game) is the discriminator's own loss
    on them with its sign turned, log(1 − D(G(z)))."""
    if reversal:
        return -F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))
    return F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))


def discriminator_logits(G, D, real, latent, generator):
    """The discriminator's logits (B,) on a batch of data and on as many generated examples,
    their noise drawn from ``generator``; the generator is held still."""
    z = draw_noise(len(real), latent, generator, real.device)
    with torch.no_grad():
        fake = G(z).reshape(real.shape)                                   # (B, *example)
    return D(real).reshape(len(real)), D(fake).reshape(len(real))


def game_scores(G, D, x, z, reversal):
    """The game's figures on the examples x and as many generated ones from the noise z:
    both losses and the discriminator's mean probability of "real" for each kind."""
    real = D(x).reshape(len(x))                                           # (n,) logits
    fake = D(G(z[:len(x)]).reshape(x.shape)).reshape(len(x))
    return {"d_loss": d_loss_of(real, fake).item(), "g_loss": g_loss_of(fake, reversal).item(),
            "d_real": torch.sigmoid(real).mean().item(),
            "d_fake": torch.sigmoid(fake).mean().item()}


class BalanceHistory:
    """D(x), D(G(z)) and both losses per step, bounded: when full, neighbours are averaged."""

    NAMES = ("d_real", "d_fake", "d_loss", "g_loss")

    def __init__(self, cap: int = HISTORY_CAP) -> None:
        self.cap = cap
        self.rows: list[list[float]] = []   # step, then one value per name
        self.stride = 1
        self._pending: list[list[float]] = []

    def add(self, step: int, values: dict[str, float]) -> None:
        self._pending.append([float(step), *(values[n] for n in self.NAMES)])
        if len(self._pending) >= self.stride:
            self.rows.append(list(np.mean(self._pending, axis=0)))
            self._pending = []
        if len(self.rows) >= self.cap:
            merged = np.asarray(self.rows[: len(self.rows) // 2 * 2])
            self.rows = list(map(list, (merged[0::2] + merged[1::2]) / 2))
            self.stride *= 2

    def arrays(self) -> np.ndarray:
        rows = self.rows + ([list(np.mean(self._pending, axis=0))] if self._pending else [])
        return np.asarray(rows, dtype=np.float64).reshape(-1, 1 + len(self.NAMES))


@PARADIGMS.register("gan")
class GanParadigm(TrainerBase):
    """Two networks in a game. Slot ``generator`` maps noise z ~ N(0, I) of size ``latent``
    to an example shaped like the data; slot ``discriminator`` maps an example to one logit
    of "this is real". Both losses are binary cross-entropy on that logit.

    One ``step`` is one round: ``d_steps`` discriminator steps (each on a fresh batch of data
    and of generated examples, the generator held still), then one generator step. The
    generator learns by ``flip`` (its examples scored against the label "real": the
    non-saturating loss −log D(G(z))) or by ``reversal`` (the discriminator's own loss on
    its examples, −log(1 − D(G(z))), passed back through a gradient-reversal layer, so the
    generator climbs what the discriminator descends: the original minimax game).

    Reported: ``d_loss`` = ½[BCE(D(x), real) + BCE(D(G(z)), generated)], ln 2 ≈ 0.69 when
    the discriminator cannot tell them apart; ``g_loss``, the loss the generator lowers
    (−log D(G(z)) for flip; log(1 − D(G(z))), below 0, for reversal); ``d_real`` and
    ``d_fake``, the discriminator's mean probability of "real" for data and for generated
    examples; ``loss`` = ``d_loss`` + ``g_loss``, which the engine follows (``evaluate``
    gives the same figures on a split, with generated examples from fixed noise). A GAN's
    losses do not fall to zero as it learns: they measure the game, not the samples; the
    mode metrics of 2-D mode data (the ring) do. A non-finite loss raises
    :class:`NonFiniteLoss` before the update it would make; discriminator steps earlier in
    the same round are kept.
    """

    name = "gan"
    visual_kinds = frozenset({"gan_balance"})
    options = {"show_arrows": True}

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        hp = self._begin(project, data, device)
        self.G, self.D = nets["generator"], nets["discriminator"]
        self.x = data.train.x
        if not torch.is_floating_point(self.x):
            raise ProjectError("a GAN draws numbers, not token ids: pick a dataset of points, "
                               "signals or images")
        self.latent, self.k = int(hp["latent"]), int(hp["d_steps"])
        self.reversal = hp["generator_loss"] == "reversal"
        self._reverse = GradientReversal(1.0)   # the studio's block, outside any graph
        n = len(self.x)
        self._common_setup(project, n, device)
        # an epoch is a pass over the data; a round shows the discriminator d_steps batches
        self._schedule(max(1, math.ceil(n / (self.batch_size * self.k))))
        self.g_opt = self._optimizer(self.G, hp["lr"], self.total_steps)
        self.d_opt = self._optimizer(self.D, hp["d_lr"], self.total_steps * self.k)
        self.history = BalanceHistory()
        fixed = torch.Generator().manual_seed(METRIC_SEED)
        self._metric_z = draw_noise(METRIC_SAMPLES, self.latent, fixed, device)
        self._eval_z = draw_noise(EVAL_CAP, self.latent, fixed, device)
        self._train_eval = torch.randperm(n, generator=fixed)[:EVAL_CAP].to(device)
        self.points2d = tuple(self.x.shape[1:]) == (2,)
        self.image_shape = _image_shape(tuple(self.x.shape[1:]))
        self.centres = np.asarray(data.extras.get("centres", np.zeros((0, 2))), np.float32)
        self.spread = float(data.extras.get("spread", 0.0))
        self.has_modes = self.points2d and len(self.centres) > 0 and self.spread > 0
        with torch.no_grad():
            self.G.eval()  # a probe must not move batch-norm statistics
            self.D.eval()
            probe = self._generate(self._eval_z[:2])
            score = self.D(probe)
        if tuple(probe.shape[1:]) != tuple(self.x.shape[1:]) or score[0].numel() != 1:
            raise ProjectError("the generator must give examples shaped like the data and the "
                               "discriminator one score per example")
        kinds = {"gan_balance"}
        if self.points2d:
            kinds.add("gan_field")
        if self.image_shape is not None:
            kinds.add("gan_samples")
        self.visual_kinds = frozenset(kinds)

    def _optimizer(self, net: torch.nn.Module, lr: float, total: int) -> torch.optim.Optimizer:
        optimizer = make_optimizer(net.parameters(), {**self.hparams, "lr": lr}, total)
        if self.hparams["optimizer"] in ("adam", "adamw"):
            for group in optimizer.param_groups:
                group["betas"] = (self.hparams["beta1"], 0.999)
        return optimizer

    # -- training ------------------------------------------------------------------------
    def _next_batch(self) -> torch.Tensor:
        return self.x[self._next_indices()]

    def _noise(self, n: int) -> torch.Tensor:
        return draw_noise(n, self.latent, self.generator, self.device)

    def _generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.G(z).reshape(len(z), *self.x.shape[1:])          # (B, *data shape)

    def _logit(self, x: torch.Tensor) -> torch.Tensor:
        return self.D(x).reshape(len(x))                             # (B,)

    _d_loss = staticmethod(d_loss_of)  # the discriminator's loss, also as a method

    def generator_loss(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
        """The loss whose gradient moves the generator, its logits, and the value reported.

        Flip: BCE(D(G(z)), real). Reversal: BCE(D(R(G(z))), generated), R the reversal layer,
        so the generator's gradient is minus the one the discriminator's fake loss would give
        it; the figure it lowers is then log(1 − D(G(z))), reported as ``g_loss``.
        """
        fake = self._generate(z)
        if self.reversal:
            logit = self._logit(self._reverse(fake))
            loss = F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit))
            return loss, logit, -loss.item()
        logit = self._logit(fake)
        loss = g_loss_of(logit, False)
        return loss, logit, loss.item()

    def step(self) -> dict[str, float]:
        for net in (self.G, self.D):
            if not net.training:
                net.train()
        d_losses, d_real, d_fake = [], [], []
        for _ in range(self.k):
            real_logit, fake_logit = discriminator_logits(self.G, self.D, self._next_batch(),
                                                          self.latent, self.generator)
            d_losses.append(optimise(d_loss_of(real_logit, fake_logit), self.d_opt))
            d_real.append(torch.sigmoid(real_logit.detach()).mean().item())
            d_fake.append(torch.sigmoid(fake_logit.detach()).mean().item())
        # not optimise(): its backward would fill the discriminator's gradients too (through
        # D, and the reversal layer); autograd.grad gives the generator's weights theirs alone
        g_loss, _, g_value = self.generator_loss(self._noise(self.batch_size))
        if not math.isfinite(g_value):
            raise NonFiniteLoss(g_value)
        params = [p for p in self.G.parameters() if p.requires_grad]
        grads = torch.autograd.grad(g_loss, params)  # the generator's only: D keeps its own
        grads = mean_over_processes(grads)  # on several processes, as DDP would
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        self.g_opt.step()
        self.steps_done += 1
        out = {"d_loss": float(np.mean(d_losses)), "g_loss": g_value,
               "d_real": float(np.mean(d_real)), "d_fake": float(np.mean(d_fake))}
        self.history.add(self.steps_done, out)
        return {"loss": out["d_loss"] + out["g_loss"], **out}

    # -- measuring -----------------------------------------------------------------------
    def evaluate(self, split: str = "val") -> dict[str, float]:
        if split == "train":
            x = self.x[self._train_eval]
        else:
            x = getattr(self.data, split).x[:EVAL_CAP]
        if len(x) == 0:
            return {}
        with torch.inference_mode():
            self.G.eval()
            self.D.eval()
            scores = game_scores(self.G, self.D, x, self._eval_z, self.reversal)
            metrics = {"loss": scores["d_loss"] + scores["g_loss"], **scores}
            if split == "val" and self.has_modes:
                metrics.update(self.mode_scores())
        return metrics

    def mode_scores(self) -> dict[str, float]:
        """``modes_covered`` and ``high_quality_fraction`` of 2,000 samples from fixed noise."""
        with torch.inference_mode():
            self.G.eval()
            samples = self._generate(self._metric_z).float().cpu().numpy()
        covered, quality = mode_metrics(samples, self.centres, self.spread)
        return {"modes_covered": float(covered), "high_quality_fraction": quality}

    def final_metrics(self) -> dict[str, float]:
        # the mode metrics come once, of the samples, not of a split
        out = {key: value for key, value in self._split_metrics().items()
               if not key.endswith(("_modes_covered", "_high_quality_fraction"))}
        if self.has_modes:
            out.update(self.mode_scores())
        return out

    def final_note(self, final: dict[str, float]) -> str:
        """In words, when the numbers show the game went wrong without a crash."""
        k, covered = len(self.centres), final.get("modes_covered")
        parts = []
        if self.has_modes and covered is not None and covered < k:
            if covered == 0:
                parts.append(f"None of the {k} clouds gets its share of the generated points")
            elif covered <= k / 2:
                parts.append(f"The generator draws only {covered:.0f} of the {k} clouds: it "
                             "has collapsed onto a few modes (mode collapse)")
            else:
                rest = ("the last one gets" if k - covered == 1 else
                        f"the other {k - covered:.0f} get")
                parts.append(f"The generator draws {covered:.0f} of the {k} clouds; {rest} "
                             "almost none of its points (partial mode collapse)")
        real, fake = final.get("val_d_real"), final.get("val_d_fake")
        if real is not None and fake is not None and real - fake > 0.9:
            parts.append("The discriminator tells nearly every generated example from the "
                         "data, so the generator has little left to learn from. Try a smaller "
                         "d_lr or the flip loss")
        elif parts:
            parts.append("Train longer, or try a smaller learning rate or a larger batch")
        return ". ".join(parts)

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        snaps: list[Snapshot] = []
        if "gan_field" in wanted:
            snaps.append(self._field())
        with torch.inference_mode():
            self.G.eval()
            self.D.eval()
            if "gan_samples" in wanted:
                snaps.append(self._samples())
        if "gan_balance" in wanted:
            rows = self.history.arrays()
            snaps.append(GanBalance(step=self.steps_done, steps=rows[:, 0], d_real=rows[:, 1],
                                    d_fake=rows[:, 2], d_loss=rows[:, 3], g_loss=rows[:, 4],
                                    loss_name=self.hparams["generator_loss"]))
        return snaps

    def _field(self) -> GanField:
        self.G.eval()
        self.D.eval()
        x0, x1, y0, y1 = self.data.extent or (-1.0, 1.0, -1.0, 1.0)
        xs = np.linspace(x0, x1, GRID, dtype=np.float32)
        ys = np.linspace(y0, y1, GRID, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1)).to(self.device)
        with torch.inference_mode():
            probs = torch.sigmoid(self._logit(grid)).reshape(GRID, GRID)
            fake = self._generate(self._metric_z[:FIELD_POINTS])
        start, push = np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
        if self._options.get("show_arrows", True):
            # needs a gradient, so outside inference mode: with respect to the points only
            with torch.enable_grad():
                point = fake[:ARROWS].clone().requires_grad_(True)
                logit = self._logit(point)
                target = torch.zeros_like(logit) if self.reversal else torch.ones_like(logit)
                loss = F.binary_cross_entropy_with_logits(logit, target, reduction="sum")
                (grad,) = torch.autograd.grad(-loss if self.reversal else loss, point)
            start, push = point.detach().cpu().numpy(), -grad.cpu().numpy()
        real = self.data.train.x[:FIELD_POINTS]
        return GanField(step=self.steps_done, xs=xs, ys=ys, probs=probs.cpu().numpy(),
                        real=real.cpu().numpy(), fake=fake.cpu().numpy(), arrow_from=start,
                        arrow_vec=push, centres=self.centres, spread=self.spread,
                        loss_name=self.hparams["generator_loss"])

    def _samples(self) -> GanSamples:
        z = self._metric_z[:SAMPLE_GRID]
        fake = self._generate(z)
        scores = torch.sigmoid(self._logit(fake))
        images = fake.reshape(len(z), *self.image_shape).float()
        if images.dim() == 4:               # (n, C, H, W): one grey picture per sample
            images = images.mean(1)
        lo, hi = float(self.x.min()), float(self.x.max())
        return GanSamples(step=self.steps_done, images=images.cpu().numpy(),
                          cols=int(math.ceil(math.sqrt(len(z)))),
                          value_range=(lo, hi if hi > lo else lo + 1.0),
                          scores=scores.cpu().numpy())


def _image_shape(shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """How one example is drawn as a picture: (C, H, W) images as they are, a flat vector
    of a square number of values as a square; None for anything else."""
    if len(shape) == 3 and shape[0] <= 4:
        return shape
    if len(shape) == 1 and shape[0] >= 16 and math.isqrt(shape[0]) ** 2 == shape[0]:
        side = math.isqrt(shape[0])
        return (side, side)
    return None
