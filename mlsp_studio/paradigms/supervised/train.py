"""Supervised learning: classification with cross-entropy, regression with mean squared error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import ParamError
from ...model.project import Project
from ...snapshots.kinds import (
    ConfusionMatrix,
    DecisionBoundary,
    FeatureMaps,
    Kernels,
    Reconstructions,
    RegressionFit,
    Snapshot,
)
from ...snapshots.lab import UnitPictures
from ..augment import Augmenter, refusal
from ..ensemble import Ensemble
from ..layer_stats import layer_stats, weighted_layers
from ..optim import make_optimizer
from ..receptive_field import ReceptiveFieldProbe
from ..registry import PARADIGMS
from ..seq_visuals import SEQUENCE_TYPES, SequenceVisuals, event_mass
from ..unit_pictures import example_pictures, plane_pictures, unit_keys
from ..update import TrainerBase
from .train_parts import accuracy, predict, supervised_loss

GRID = 64                 # decision-boundary resolution per axis
EVAL_TRAIN_SUBSET = 512   # training examples used for the train-split metrics
SHOWN_PICTURES = 8         # test pictures in the image-to-image reconstruction grid
CONV_TYPES = ("Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d")
MAP_FAMILIES_RANK = (2, 3)  # (C, L) and (C, H, W) outputs are drawn as feature maps


@PARADIGMS.register("supervised")
class SupervisedParadigm(TrainerBase):
    """Learn inputs → labels. The model is the slot ``model``; its output is the head's."""

    name = "supervised"
    options = {"feature_index": 0, "example_index": 0}

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin(project, data, device)
        self.model = nets["model"]
        self.classify = data.task == "classification"
        self.x, self.y = data.train.x, data.train.y
        n = len(self.x)
        self._common_setup(project, n, device)
        if self.hparams["augment"] and (why := refusal(data.input_kind)):
            raise ParamError(why)
        k = self.hparams["ensemble"]
        # what every picture and score is computed from: the network, or the members' average
        self.ensemble = Ensemble(self.model, k, project.seed, self.classify) if k > 1 else None
        self.predictor = self.ensemble if self.ensemble is not None else self.model
        params = (self.ensemble.member_parameters() if self.ensemble is not None
                  else self.model.parameters())
        self.optimizer = make_optimizer(params, self.hparams, self.total_steps)
        self.members = list(self.ensemble.members) if self.ensemble is not None else [self.model]
        self.copies = {"model": self.members[1:]}  # live changes reach every member
        self._train_eval = self._fixed_rows(n, EVAL_TRAIN_SUBSET)
        kinds = set()
        if self.classify:
            kinds.add("confusion")
        if data.input_kind == "points2d" and self.classify:
            kinds.add("boundary")
        if data.input_kind == "scalar" and not self.classify:
            kinds.add("regression_fit")
        self._map_keys = [k for k, s in self.model.shapes.items()
                          if len(s) in MAP_FAMILIES_RANK
                          and self.model.types[k] not in ("Input", *SEQUENCE_TYPES)]
        self._conv_keys = [k for k, t in self.model.types.items() if t in CONV_TYPES]
        if self._map_keys and data.input_kind in ("image", "signal"):
            kinds.add("feature_maps")
        if self._conv_keys:
            kinds.add("kernels")
        if weighted_layers(self.model):
            kinds.add("layer_stats")
        self._image_to_image = (not self.classify and data.input_kind == "image"
                                and data.num_targets == math.prod(data.input_shape))
        self.augmenter = Augmenter(data.input_kind, self.x, project.seed + 2,
                                   paired=self._image_to_image)
        if self._image_to_image:  # e.g. a U-Net cleaning noisy digits
            kinds.add("reconstructions")
        self._seq = SequenceVisuals(self.model, data)
        self._rf = ReceptiveFieldProbe(self.model, data.input_kind)
        kinds |= {"receptive_field"} if self._rf.layers else set()
        self._unit_keys = (unit_keys(self.model, data.input_kind == "image")
                           if data.input_kind in ("points2d", "image") else [])
        kinds |= {"unit_pictures"} if self._unit_keys else set()
        self.visual_kinds = frozenset(kinds | self._seq.kinds)

    # -- training ------------------------------------------------------------------------
    def _loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return supervised_loss(out, target, self.classify)

    def _batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The training examples ``idx``, altered at random when augmentation is on (read at
        every step, so turning it on or off while training takes effect at the next one)."""
        x, y = self.x[idx], self.y[idx]
        if self.hparams["augment"]:
            x, y = self.augmenter(x, y, self.hparams["augment_strength"])
        return x, y

    def step(self) -> dict[str, float]:
        if not self.model.training:  # train() walks every block: only when it changed
            for net in self.members:
                net.train()
        idx = self._next_indices()
        losses = []
        for net in self.members:  # the same rows for every member, each its own alterations
            x, y = self._batch(idx)
            losses.append(self._loss(net(x), y))
        # the members share no weights: each gets its own gradient and its own clip
        return {"loss": self._update(losses, clip=self.hparams["grad_clip"],
                                     params=self.members)}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        metrics = self._scores(split)
        if split == "val" and self.ensemble is not None and self.hparams["patience"] > 0:
            self.ensemble.note_val_loss(metrics.get("loss", math.nan))  # as early stopping sees
        return metrics

    def _scores(self, split: str) -> dict[str, float]:
        x, y = self._scored_rows(split, self._train_eval)
        if len(x) == 0:
            return {}
        with torch.inference_mode():
            self.predictor.eval()
            out = predict(self.predictor, x)
            metrics = {"loss": self._loss(out, y).item()}
            if self.classify:
                metrics["accuracy"] = accuracy(out, y)
            else:
                metrics["mse"] = metrics["loss"]
            if self.ensemble is not None and split != "train":
                metrics.update(self._single_mean(x, y))
        return metrics

    def _single_mean(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """The members' mean score on their own, so the ensemble's gain shows."""
        scores = []
        for net in self.members:
            out = predict(net, x)
            scores.append(accuracy(out, y) if self.classify
                          else self._loss(out, y).item())
        return {("accuracy" if self.classify else "mse") + "_single_mean":
                sum(scores) / len(scores)}

    def final_metrics(self) -> dict[str, float]:
        if self.ensemble is not None and self.hparams["patience"] > 0:
            self.ensemble.restore_best()  # as the engine restored member 0
        out = self._split_metrics(self._scores)
        events = self.data.test.extra.get("event")
        if events is not None and self._seq.pooling and len(self.data.test):
            self.model.eval()
            out["attention_on_event"] = event_mass(self.model, self.data.test.x, events)
        return out

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        step = self.steps_done
        snaps: list[Snapshot] = self._pictures(wanted, {
            "boundary": self._boundary, "regression_fit": self._fit,
            "confusion": self._confusion, "feature_maps": self._feature_maps,
            "kernels": self._kernels, "reconstructions": self._reconstructions,
            "unit_pictures": self._unit_pictures,
        }, self.predictor)
        if "layer_stats" in wanted:  # needs gradients: outside inference mode
            idx = self._train_eval
            snaps.append(layer_stats(self.model, self.x[idx], self.y[idx], self._loss, step))
        if "receptive_field" in wanted:  # one backward pass to the input, no weight touched
            snaps.append(self._rf.snapshot(step, self.data.test, self.data.class_names,
                                           self._options))
        if wanted & self._seq.kinds:  # its own modes: the gradient through time needs grad
            snaps += self._seq.snapshots(wanted, step, self._options.get("example_index", 0),
                                         self._loss, self.x, self.y)
        return snaps

    def _boundary(self) -> DecisionBoundary:
        x0, x1, y0, y1 = self.data.extent
        xs = np.linspace(x0, x1, GRID, dtype=np.float32)
        ys = np.linspace(y0, y1, GRID, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1)).to(self.device)
        probs = torch.softmax(self.predictor(grid), -1).reshape(GRID, GRID, -1)
        test = self.data.test
        return DecisionBoundary(step=self.steps_done, xs=xs, ys=ys, probs=probs.cpu().numpy(),
                                points=test.x.cpu().numpy(), labels=test.y.cpu().numpy(),
                                class_names=tuple(self.data.class_names))

    def _unit_pictures(self) -> UnitPictures:
        """Each hidden unit over the plane (points) or its most exciting test pictures; of
        the first member when the model is an ensemble."""
        if self.data.input_kind == "points2d":
            return plane_pictures(self.model, self._unit_keys, self.data.extent, self.device,
                                  self.steps_done)
        return example_pictures(self.model, self._unit_keys, self.data.test.x,
                                self.steps_done)

    def _fit(self) -> RegressionFit:
        x0, x1 = self.data.extent[0], self.data.extent[1]
        xs = np.linspace(x0, x1, 200, dtype=np.float32)
        curve = self.predictor(torch.from_numpy(xs[:, None]).to(self.device)).cpu().numpy()
        truth = self.data.truth(xs[:, None]).ravel() if self.data.truth else None
        train = self.data.train
        return RegressionFit(step=self.steps_done, points_x=train.x.cpu().numpy().ravel(),
                             points_y=train.y.cpu().numpy().ravel(), curve_x=xs,
                             curve_y=curve[:, 0], truth_y=truth)

    def _confusion(self) -> ConfusionMatrix:
        test = self.data.test
        pred = predict(self.predictor, test.x).argmax(-1).reshape(-1).cpu().numpy()
        true = test.y.reshape(-1).cpu().numpy()
        k = self.data.num_classes
        matrix = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        return ConfusionMatrix(step=self.steps_done, matrix=matrix,
                               class_names=tuple(self.data.class_names))

    def _feature_maps(self) -> FeatureMaps:
        test = self.data.test
        index = int(self._options.get("feature_index", 0)) % len(test.x)
        x = test.x[index:index + 1]
        captured = self.model.forward_capture(x, keys=set(self._map_keys))
        layers = tuple((self.model.labels[k], captured[k][0].float().cpu().numpy())
                       for k in self._map_keys if k in captured)
        label = self.data.class_names[int(test.y[index])] if self.classify else ""
        return FeatureMaps(step=self.steps_done, index=index, input=x[0].cpu().numpy(),
                           label=label, layers=layers)

    def _kernels(self) -> Kernels:
        layers = []
        for key in self._conv_keys:
            weight = getattr(self.model.blocks[key], "weight", None)
            if weight is None:
                weight = next((p for n, p in self.model.blocks[key].named_parameters()
                               if n.endswith("weight")), None)
            if weight is not None:
                layers.append((self.model.labels[key], weight.detach().float().cpu().numpy()))
        return Kernels(step=self.steps_done, layers=tuple(layers))


    def _reconstructions(self) -> Reconstructions:
        """Noisy input, the network's output and the clean target of a few test pictures; the
        panel's noise slider (``noise_level_view``) re-noises the clean pictures at its level."""
        test, shape = self.data.test, self.data.input_shape
        clean = test.y[:SHOWN_PICTURES].reshape(-1, *shape)
        noisy = test.x[:SHOWN_PICTURES]
        level = self.data.options.get("noise", 0.0)
        view = self._options.get("noise_level_view")
        if view is not None and len(clean):
            level = float(view)
            g = torch.Generator().manual_seed(3)
            noisy = clean + level * torch.randn(clean.shape, generator=g).to(clean.device)
        out = self.predictor(noisy).reshape(-1, *shape)
        ok = len(clean) > 0
        return Reconstructions(step=self.steps_done, inputs=clean.cpu().numpy(),
                               noisy=noisy.cpu().numpy(), outputs=out.cpu().numpy(),
                               labels=("",) * len(clean), noise="gaussian", noise_level=level,
                               mse=F.mse_loss(out, clean).item() if ok else math.nan,
                               noisy_mse=F.mse_loss(noisy, clean).item() if ok else math.nan)
