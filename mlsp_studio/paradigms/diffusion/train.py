"""Diffusion (DDPM) with classifier-free guidance: the denoiser learns to predict the noise
added to an example at a random step; sampling walks from pure noise back to data.

Ho et al. 2020 (ε-prediction, uniform t, mean squared error), Nichol & Dhariwal 2021 (cosine
schedule), Song et al. 2021 (DDIM), Ho & Salimans 2022 (classifier-free guidance: the class is
hidden from a share ``label_dropout`` of the training examples, so one network learns both
ε(x, c) and ε(x, ∅)). The equations live in ``train_schedule``.

The model works in its own scale: pictures (values in [0, 1]) are mapped to [−1, 1], other
data is centred and divided by its overall standard deviation, so pure noise N(0, I) and the
data have similar sizes. Samples are mapped back before they are measured.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ...errors import ParamError, ProjectError
from ...model.project import Project
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..update import TrainerBase
from . import train_metrics as dm
from .snapshots import EACH_CLASS, NO_CLASS
from .train_schedule import check_sampling, make_schedule, sample
from .train_steps import (
    data_scale,
    guidance_eps,
    held_out_batch,
    noise_loss,
    predict_noise,
    to_data,
    to_model,
    training_batch,
)
from .train_visuals import DiffusionVisuals

EVAL_EXAMPLES = 1024      # examples (each with its own fixed step and noise) per split check
METRIC_SAMPLES = 1000     # 2-D samples compared with held-out data
JUDGE_GUIDANCE = 3.0
JUDGE_PER_CLASS = 20
JUDGE_STEPS = 50


@PARADIGMS.register("diffusion")
class DiffusionParadigm(TrainerBase):
    """Trains the slot ``denoiser`` (fed x_t, t and c) to predict the noise ε in x_t."""

    name = "diffusion"

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        h = self._begin(project, data, device)
        if h["sampler"] == "ddim" and h["sample_steps"] > h["timesteps"]:
            raise ParamError(f"sample_steps must be from 1 to timesteps ({h['timesteps']}): a "
                             f"DDIM sampler cannot take more steps ({h['sample_steps']}) than "
                             "there are noising steps")
        self.net = nets["denoiser"]
        self.schedule = make_schedule(h["noise_schedule"], h["timesteps"])
        if len(data.train) == 0:
            raise ProjectError("the training split is empty: there is nothing to learn from")
        self.image = data.input_kind == "image"
        x = data.train.x.float()
        self.center, self.scale = data_scale(x, self.image)
        self.x = self.to_model(x)
        self.classes = data.num_classes if data.task == "classification" else 0
        self.y = data.train.y if self.classes else torch.zeros(len(x), dtype=torch.long,
                                                               device=device)
        self.conditional = self.classes > 0 and "c" in self.net.sources
        self._common_setup(project, len(self.x), device)
        self.optimizer = make_optimizer(self.net.parameters(), h, self.total_steps)
        self._eval = {split: self._eval_batch(split, i) for i, split
                      in enumerate(("train", "val", "test"))}
        self._options = {"guidance_scale": h["guidance"],
                         "guidance_class": EACH_CLASS if self.conditional else NO_CLASS}
        self.visuals = DiffusionVisuals(self)
        self.visual_kinds = self.visuals.kinds

    def to_model(self, x: torch.Tensor) -> torch.Tensor:
        """Data → the model's scale."""
        return to_model(x, self.center, self.scale)

    def to_data(self, x: torch.Tensor) -> torch.Tensor:
        return to_data(x, self.center, self.scale)

    def _eval_batch(self, split: str, k: int) -> tuple[torch.Tensor, ...] | None:
        part = self.data.train if split == "train" else getattr(self.data, split)
        if len(part) == 0:
            return None
        return held_out_batch(self.to_model(part.x), part.y if self.classes else None,
                              self.schedule.timesteps, self.seed + 101 + k, self.device,
                              EVAL_EXAMPLES)

    # -- the network ---------------------------------------------------------------------
    def eps(self, x: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """The denoiser's ε̂ for x_t at steps t (B,) asked for classes c (B,), −1 = none."""
        return predict_noise(self.net, self.net.sources, x, t, c)

    def guided_eps(self, classes: torch.Tensor, scale: float):
        """ε(x, t) for a sampler: classifier-free guidance toward ``classes`` (B,) by
        ``scale``; one pass of the network for scale 0 or 1, one pass of a doubled batch else."""
        return guidance_eps(self.net, self.net.sources, classes, scale, self.conditional)

    def draw(self, noise: torch.Tensor, classes: torch.Tensor, scale: float, *,
             sampler: str | None = None, steps: int | None = None, keep: int = 0,
             generator: torch.Generator | None = None):
        """Sample from starting noise x_T (model scale); returns (x_0, trajectory)."""
        sampler = sampler or self.hparams["sampler"]
        steps = steps or self.hparams["sample_steps"]
        check_sampling(self.schedule, steps if sampler == "ddim" else 1, scale)
        self.net.eval()
        return sample(self.schedule, self.guided_eps(classes, scale), noise, sampler=sampler,
                      steps=steps, generator=generator, keep=keep,
                      clip=1.0 if self.image else None)

    # -- training ------------------------------------------------------------------------
    def loss(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             c: torch.Tensor) -> torch.Tensor:
        """‖ε − ε̂(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t, c)‖², averaged."""
        return noise_loss(self.net, self.net.sources, self.schedule, x0, t, noise, c)

    def step(self) -> dict[str, float]:
        if not self.net.training:
            self.net.train()
        x0, t, noise, c = training_batch(self.x, self.y if self.conditional else None,
                                         self._next_indices(), self.schedule.timesteps,
                                         self.hparams["label_dropout"], self.generator,
                                         self.device)
        return {"loss": self._update(self.loss(x0, t, noise, c))}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        batch = self._eval.get(split)
        if batch is None:
            return {}
        x0, t, noise, c = batch
        if not self.conditional:
            c = torch.full_like(c, NO_CLASS)
        with torch.inference_mode():
            self.net.eval()
            return {"loss": self.loss(x0, t, noise, c).item()}

    def final_metrics(self) -> dict[str, float]:
        out = self._split_metrics()
        if not self.image and self.x.shape[1:] == (2,):
            with torch.inference_mode():
                out.update(self._mmd())
        if self.image and self.conditional:
            out.update(self._guided_accuracy())
        return out

    def final_note(self, final: dict[str, float]) -> str:
        """Words for samples that went wrong without a crash."""
        notes = []
        if final.get("mmd", -math.inf) > final.get("mmd_baseline", math.inf):
            notes.append("The samples are no closer to the data than a plain Gaussian fitted "
                         "to it (mmd above mmd_baseline): train longer or lower the learning "
                         "rate")
        centres = self.data.extras.get("centres")
        found = final.get("modes_found")
        if centres is not None and found is not None and found < len(centres):
            notes.append(f"The samples reach only {found:.0f} of the {len(centres)} clouds")
        return ". ".join(notes)

    def _mmd(self) -> dict[str, float]:
        held = torch.cat([self.data.test.x, self.data.val.x])[:METRIC_SAMPLES].cpu().numpy()
        if len(held) < 2:
            return {}
        g = torch.Generator().manual_seed(self.seed + 7)
        noise = torch.randn(METRIC_SAMPLES, 2, generator=g).to(self.device)
        x0, _ = self.draw(noise, torch.full((METRIC_SAMPLES,), NO_CLASS, device=self.device),
                          0.0, generator=g)
        samples = self.to_data(x0).cpu().numpy()
        baseline = dm.gaussian_like(self.data.train.x.cpu().numpy(), METRIC_SAMPLES,
                                    self.seed + 8)
        out = {"mmd": dm.mmd_rbf(samples, held), "mmd_baseline": dm.mmd_rbf(baseline, held)}
        centres = self.data.extras.get("centres")
        if centres is not None:
            out.update(dm.ring_quality(samples, centres, self.data.extras.get("spread", 0.05)))
        return out

    def _guided_accuracy(self) -> dict[str, float]:
        """Train a judge on the training split; ask for each class JUDGE_PER_CLASS times at
        guidance 3 (DDIM, 50 steps) and count the samples the judge reads as that class."""
        k = self.classes
        judge = dm.train_judge(self.x, self.y, k, self.seed + 9)
        test = self.data.test
        out = {"judge_accuracy": dm.accuracy(judge, self.to_model(test.x), test.y)}
        g = torch.Generator().manual_seed(self.seed + 10)
        asked = torch.arange(k, device=self.device).repeat_interleave(JUDGE_PER_CLASS)
        noise = torch.randn((len(asked), *self.x.shape[1:]), generator=g).to(self.device)
        steps = min(JUDGE_STEPS, self.schedule.timesteps)
        with torch.inference_mode():
            x0, _ = self.draw(noise, asked, JUDGE_GUIDANCE, sampler="ddim", steps=steps)
        out["guided_class_accuracy"] = dm.accuracy(judge, x0, asked)
        return out

    # -- pictures ------------------------------------------------------------------------
    def set_visual_option(self, name: str, value: Any) -> None:
        super().set_visual_option(name, value)
        self.visuals.option_changed(name, value)

    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        if not wanted:
            return []
        with torch.inference_mode():
            self.net.eval()
            return self.visuals.snapshots(wanted)
