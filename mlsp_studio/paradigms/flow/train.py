"""Normalizing flows: a stack of affine coupling layers (RealNVP, Dinh et al. 2017) carries
the data to a standard normal and learns by maximum likelihood.

The network on the canvas is the conditioner of a coupling: it reads the coordinates the
coupling keeps and gives a log-scale and a shift for the others. The flow has ``layers``
couplings, each with its own copy of that network: the engine compiles the first, and the
set-up compiles the others from the same graph, each freshly initialised from the run's seed
stream (the global one the engine seeded, right after the first), so a script that seeds
torch once and builds ``layers`` conditioners in a row starts from the very same weights.

The parts are plain torch in ``train_parts.py``, which the exported script copies.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ...errors import ProjectError
from ...model.catalog import BLOCKS
from ...model.paradigms import PARADIGM_SPECS
from ...model.project import Project
from ...nn.compile import compile_graph
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..update import TrainerBase
from .train_parts import (
    Coupling,
    Flow,
    coupling_masks,
    jittered,
    mixture_entropy,
    nll,
    standardiser,
)
from .train_visuals import FlowVisuals

EVAL_CAP = 20_000      # rows of a split scored at each check (all of the ring's)
ENTROPY_SAMPLES = 200_000
ENTROPY_SEED = 0       # the entropy's Monte Carlo draws: the same in every run and the script


@PARADIGMS.register("flow")
class FlowParadigm(TrainerBase):
    """Trains ``layers`` affine couplings, the slot ``conditioner`` copied into each.

    ``loss`` is the negative log-likelihood of the batch in nats per example, with the
    data's own units (the standardisation's Jacobian counted), after the setting ``noise``
    has jittered it; ``evaluate`` gives it on a split, as it is. On data drawn from a known
    mixture of round Gaussians (the ring) the final metrics add ``entropy``, the mixture's
    own (no model can do better on average), and ``nll_gap`` = test NLL − entropy. A
    non-finite loss raises ``NonFiniteLoss`` before any weight moves.
    """

    name = "flow"

    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        hp = self._begin(project, data, device)
        x = data.train.x
        if not torch.is_floating_point(x):
            raise ProjectError("a flow models numbers, not token ids: pick a dataset of points, "
                               "signals or images")
        self.dim = math.prod(x.shape[1:])
        if self.dim < 2 or len(x) == 0:
            raise ProjectError("a flow needs at least two numbers per example (it keeps half "
                               "and changes the other half) and a training split that is not "
                               "empty")
        self.x = self.rows(x)
        first = nets["conditioner"]
        if tuple(getattr(first, "sources", ("kept",))) != ("kept",):
            raise ProjectError("the conditioner must read the coordinates its coupling keeps: "
                               "give it one Input block with source kept")
        ctx = PARADIGM_SPECS.get("flow").slot_context("conditioner", hp, data.context())
        graph = project.slots["conditioner"]
        # the other couplings' conditioners: the same graph, fresh weights from the seed stream
        conditioners = [first] + [compile_graph(graph, BLOCKS, ctx).to(device)
                                  for _ in range(hp["layers"] - 1)]
        self.copies = {"conditioner": conditioners[1:]}  # Dropout rates follow the first's
        masks = coupling_masks(self.dim, hp["layers"])
        couplings = [Coupling(net, self.dim, kept, last, hp["scale_bound"], hp["shift_bound"])
                     for net, (kept, last) in zip(conditioners, masks, strict=True)]
        centre, scale = standardiser(self.x)
        self.flow = Flow(couplings, centre, scale).to(device)
        self._check_conditioner(couplings[0])
        self._common_setup(project, len(self.x), device)
        self.optimizer = make_optimizer(self.flow.parameters(), hp, self.total_steps)
        self.entropy = self._entropy()
        self.visuals = FlowVisuals(self)
        self.visual_kinds = self.visuals.kinds

    def extra_nets(self) -> dict[str, torch.nn.Module]:
        """The other couplings' conditioners, "conditioner.2" on, for the engine to keep with
        the first (checkpoints, saved weights, forks, early stopping)."""
        return {f"conditioner.{i}": net
                for i, net in enumerate(self.copies["conditioner"], start=2)}

    def rows(self, x: torch.Tensor) -> torch.Tensor:
        """Examples as flat rows of numbers, (n, dim)."""
        return x.reshape(len(x), -1).float()

    def _check_conditioner(self, coupling: Coupling) -> None:
        with torch.no_grad():
            coupling.eval()  # a probe must not move batch-norm statistics
            out = coupling.conditioner(torch.zeros(2, coupling.kept, device=self.device))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 2 * coupling.changed):
            raise ProjectError(f"the conditioner must give {2 * coupling.changed} numbers per "
                               f"example: a log-scale and a shift for each of the "
                               f"{coupling.changed} coordinate(s) its coupling changes")

    def _entropy(self) -> float:
        """The data's own entropy when it is a known mixture of round Gaussians, else NaN."""
        centres = np.asarray(self.data.extras.get("centres", np.zeros((0, 0))), np.float64)
        spread = float(self.data.extras.get("spread", 0.0))
        if centres.ndim != 2 or centres.shape[1] != self.dim or not len(centres) or spread <= 0:
            return math.nan
        return mixture_entropy(centres, spread, ENTROPY_SAMPLES, ENTROPY_SEED)

    # -- training ------------------------------------------------------------------------
    def step(self) -> dict[str, float]:
        if not self.flow.training:
            self.flow.train()
        # the noise is drawn from the batches' own stream, so the script draws the same
        batch = jittered(self.x[self._next_indices()], float(self.hparams["noise"]),
                         self.generator)
        clip = float(self.hparams["grad_clip"])
        return {"loss": self._update(nll(self.flow, batch), clip=clip)}

    # -- measuring -----------------------------------------------------------------------
    def split_rows(self, split: str) -> torch.Tensor:
        part = self.data.train if split == "train" else getattr(self.data, split)
        if len(part) > EVAL_CAP:
            return self.rows(part.x[self._fixed_rows(len(part), EVAL_CAP)])
        return self.rows(part.x)

    def evaluate(self, split: str = "val") -> dict[str, float]:
        x = self.split_rows(split)
        if len(x) == 0:
            return {}
        with torch.inference_mode():
            self.flow.eval()
            return {"loss": nll(self.flow, x).item()}

    def final_metrics(self) -> dict[str, float]:
        out = self._split_metrics()
        # the engine counts the slot's network, the first coupling's; the flow has them all
        out["flow_params"] = float(sum(p.numel() for p in self.flow.parameters()))
        if math.isfinite(self.entropy):
            out["entropy"] = self.entropy
            if "test_loss" in out:
                out["nll_gap"] = out["test_loss"] - self.entropy
        return out

    def final_note(self, final: dict[str, float]) -> str:
        gap = final.get("nll_gap", math.nan)
        if math.isfinite(gap) and gap > 1.0:
            return (f"The flow's test NLL is {gap:.2f} nats per point above the data's own "
                    "entropy: train longer, add layers or widen the conditioner")
        return ""

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        return self._pictures(kinds, self.visuals.drawers, self.flow)
