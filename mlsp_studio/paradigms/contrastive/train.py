"""Contrastive learning: SimCLR (two altered views of each example, one encoder) and
cross-modal learning (two kinds of data, one encoder each, CLIP's symmetric loss).

No labels are used to train; they only score the learned codes afterwards: a linear probe
for SimCLR, retrieval of the right kind of signal for an image in the cross-modal case.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from ...errors import ProjectError
from ...model.project import Project
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..update import TrainerBase
from . import train_visuals as visuals
from .train_augment import augment
from .train_common import (
    EVAL_TRAIN_SUBSET,
    balanced_examples,
    encode,
    flat,
    net_inputs,
    representation_key,
)
from .train_info_nce import (
    class_top1,
    cosine_matrix,
    few_label_rows,
    nt_xent,
    probe_accuracy,
    ridge_probe_accuracy,
    symmetric_info_nce,
)

FEW_LABELS = 5        # labelled examples per class for the few-label probe
FEW_LABEL_DRAWS = 5   # its accuracy is the mean over this many draws of them


class _ContrastiveBase(TrainerBase):
    """Batches, the evaluation subsets and the options both paradigms share."""

    options = {"contrastive_draw": 0}

    def _shared_setup(self, project: Project, data: Any, device: torch.device) -> None:
        self._begin(project, data, device)
        n = len(data.train)
        if n < 2:
            raise ProjectError("contrastive learning needs at least two training examples: "
                               "each is told apart from the others of its batch")
        # full batches only: a smaller one has fewer negatives and its loss would dip
        self._common_setup(project, n, device, drop_last=True,
                           batch_size=max(2, min(self.hparams["batch_size"], n)))
        self._train_eval = self._fixed_rows(n, EVAL_TRAIN_SUBSET)
        self.class_names = list(data.class_names) or [str(k) for k in range(data.num_classes)]

    def _split(self, split: str):
        part = getattr(self.data, split)
        if split == "train":
            return _Rows(part, self._train_eval)
        return part

    def _chunks(self, n: int):
        """Batches of the training size over n rows, so a split's loss compares with the
        training loss (a bigger batch has more negatives and a higher loss)."""
        for start in range(0, n - 1, self.batch_size):
            size = min(self.batch_size, n - start)
            if size >= 2:
                yield slice(start, start + size)

    def _draw_seed(self) -> int:
        try:
            return self.seed * 1000 + int(self._options.get("contrastive_draw", 0)) % 1000
        except (TypeError, ValueError):
            return self.seed * 1000

    def final_metrics(self) -> dict[str, float]:
        """The loss of every split (the val check's few-label probe is left to the probes)."""
        return {key: value for key, value in self._split_metrics().items()
                if key.endswith("_loss")}


class _Rows:
    """A split seen through a subset of its rows (the training examples scored each check)."""

    def __init__(self, split, rows: torch.Tensor) -> None:
        self.x, self.y = split.x[rows], split.y[rows]
        self.extra = {k: v[rows] for k, v in split.extra.items()}

    def __len__(self) -> int:
        return len(self.x)


@PARADIGMS.register("contrastive")
class ContrastiveParadigm(_ContrastiveBase):
    """SimCLR. Each training example is altered twice at random (``contrastive_augment``);
    the encoder (slot ``encoder``) maps all 2B views; NT-Xent pulls each view to its partner.

    The representation scored by the linear probe is the input of the encoder's last
    ProjectionHead, or its output when it has none. Pictures: ``similarity`` (first views
    against second views of some test examples) and ``contrastive_embedding`` (the test
    set's representations in 2-D, coloured by the labels the training never saw).
    """

    name = "contrastive"

    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._shared_setup(project, data, device)
        self.encoder = nets["encoder"]
        self.rep_key, self.rep_label = representation_key(project.slots["encoder"],
                                                          self.encoder.types)
        self.optimizer = make_optimizer(self.encoder.parameters(), self.hparams,
                                        self.total_steps)
        self.augment_generator = torch.Generator().manual_seed(project.seed + 2)
        self.visual_kinds = frozenset({"similarity", "contrastive_embedding"})
        self.classes = max(int(data.num_classes), 1)
        # the encoder as made, before any training: the baseline a probe has to beat
        self.initial_weights = {k: v.detach().clone()
                                for k, v in self.encoder.state_dict().items()}
        self.latest_probe = float("nan")
        self._few_rows = few_label_rows(data.train.y.cpu().numpy(), FEW_LABELS, project.seed)

    def views(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Two altered views of every example of ``x``, stacked: (2B, ...)."""
        return torch.cat([augment(x, self.hparams, generator),
                          augment(x, self.hparams, generator)])

    def _loss(self, inputs: tuple[torch.Tensor, ...], generator: torch.Generator
              ) -> torch.Tensor:
        out = flat(self.encoder(*(self.views(t, generator) for t in inputs)))    # (2B, D)
        half = len(out) // 2
        return nt_xent(out[:half], out[half:], self.hparams["temperature"])

    def step(self) -> dict[str, float]:
        if not self.encoder.training:
            self.encoder.train()
        inputs = net_inputs(self.encoder, self.data.train, self._next_indices())
        return {"loss": self._update(self._loss(inputs, self.augment_generator))}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        part = self._split(split)
        if len(part) < 2:
            return {}
        generator = torch.Generator().manual_seed(self.seed + 3)  # the same views each check
        inputs = net_inputs(self.encoder, part)
        with torch.inference_mode():
            self.encoder.eval()
            losses = [self._loss(tuple(t[rows] for t in inputs), generator).item()
                      for rows in self._chunks(len(part))]
            metrics = {"loss": float(np.mean(losses))}
            if split == "val":
                self.latest_probe = metrics["few_label_probe_accuracy"] = self.quick_probe(part)
        return metrics

    def quick_probe(self, part) -> float:
        """A closed-form linear probe trained on ``FEW_LABELS`` training labels per class (one
        fixed draw), scored on ``part``: cheap enough for every check. With every label even
        an untrained encoder scores high on easy data; with few, good codes stand out."""
        rows = torch.from_numpy(self._few_rows).to(self.device)
        train = encode(self.encoder, net_inputs(self.encoder, self.data.train, rows),
                       self.rep_key)
        codes = encode(self.encoder, net_inputs(self.encoder, part), self.rep_key)
        return ridge_probe_accuracy(train, self.data.train.y[rows], codes, part.y,
                                    self.classes)

    def probes(self, encoder: torch.nn.Module) -> tuple[float, float]:
        """Test accuracy of a logistic regression on ``encoder``'s frozen representation,
        trained on every training label, and on ``FEW_LABELS`` labels per class (the mean
        over ``FEW_LABEL_DRAWS`` draws of them)."""
        test = self.data.test
        if len(test) == 0:
            return float("nan"), float("nan")
        with torch.inference_mode():
            encoder.eval()
            train = encode(encoder, net_inputs(encoder, self.data.train), self.rep_key)
            codes = encode(encoder, net_inputs(encoder, test), self.rep_key)
        y = self.data.train.y
        full = probe_accuracy(train, y, codes, test.y, self.classes, seed=self.seed)
        few = []
        for draw in range(FEW_LABEL_DRAWS):
            rows = torch.from_numpy(few_label_rows(y.cpu().numpy(), FEW_LABELS,
                                                   self.seed + draw)).to(self.device)
            few.append(probe_accuracy(train[rows], y[rows], codes, test.y, self.classes,
                                      seed=self.seed))
        return full, float(np.mean(few))

    def final_metrics(self) -> dict[str, float]:
        out = super().final_metrics()
        out["probe_accuracy"], out["few_label_probe_accuracy"] = self.probes(self.encoder)
        initial = copy.deepcopy(self.encoder)
        initial.load_state_dict(self.initial_weights)
        (out["random_encoder_probe_accuracy"],
         out["random_encoder_few_label_probe_accuracy"]) = self.probes(initial)
        return out

    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        snaps: list[Snapshot] = []
        test = self.data.test
        if not wanted or len(test) < 2:
            return snaps
        labels = test.y.reshape(len(test), -1)[:, 0].cpu().numpy()
        with torch.inference_mode():
            self.encoder.eval()
            if "similarity" in wanted:
                rows = balanced_examples(labels, visuals.SHOWN, self._draw_seed())
                generator = torch.Generator().manual_seed(self._draw_seed())
                inputs = net_inputs(self.encoder, test, torch.from_numpy(rows).to(self.device))
                out = flat(self.encoder(*(self.views(t, generator) for t in inputs)))
                snaps.append(visuals.similarity(
                    self.steps_done, out[:len(rows)], out[len(rows):], labels[rows],
                    self.class_names, ("first view", "second view"),
                    self.hparams["temperature"]))
            if "contrastive_embedding" in wanted:
                codes = encode(self.encoder, net_inputs(self.encoder, test), self.rep_key)
                snaps.append(visuals.embedding(
                    self.steps_done, codes, labels, self.class_names, self.latest_probe,
                    f"validation probe on {FEW_LABELS} labels per class", self.rep_label))
        return snaps


@PARADIGMS.register("cross_modal")
class CrossModalParadigm(_ContrastiveBase):
    """Two encoders, one per kind of data (slots ``encoder_a`` for the images, ``encoder_b``
    for the paired signals), map a pair into one shared space; the symmetric InfoNCE loss
    makes each image pick its own signal among the batch's, and each signal its image.

    ``retrieval_top1`` is class-level: the share of test images whose most similar signal,
    among all the test set's signals, says the same digit (chance is about 1 in 10). It is
    not the share that find their exact partner: many signals say the same digit and nothing
    in an image tells which of them was its partner.
    """

    name = "cross_modal"

    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._shared_setup(project, data, device)
        self.enc_a, self.enc_b = nets["encoder_a"], nets["encoder_b"]
        params = [*self.enc_a.parameters(), *self.enc_b.parameters()]
        self.optimizer = make_optimizer(params, self.hparams, self.total_steps)
        self.augment_generator = torch.Generator().manual_seed(project.seed + 2)
        with torch.inference_mode():
            rows = torch.arange(2, device=device)
            a = flat(self.enc_a(*net_inputs(self.enc_a, data.train, rows)))
            b = flat(self.enc_b(*net_inputs(self.enc_b, data.train, rows)))
        if a.shape[1] != b.shape[1]:
            raise ProjectError(f"the two encoders must give codes of the same length to share "
                               f"one space, but encoder_a gives {a.shape[1]} numbers and "
                               f"encoder_b {b.shape[1]}; make their last blocks the same size")
        if self.enc_a.sources == self.enc_b.sources:
            raise ProjectError("both encoders read the same input "
                               f"({', '.join(self.enc_a.sources)}); set encoder_b's Input "
                               "block to the second kind of data (source \"pair\")")
        self.visual_kinds = frozenset({"similarity", "retrieval"})
        self.latest_top1 = float("nan")

    def step(self) -> dict[str, float]:
        for net in (self.enc_a, self.enc_b):
            if not net.training:
                net.train()
        idx = self._next_indices()
        a, b = (flat(net(*(augment(t, self.hparams, self.augment_generator)
                           for t in net_inputs(net, self.data.train, idx))))
                for net in (self.enc_a, self.enc_b))
        loss = symmetric_info_nce(a, b, self.hparams["temperature"])
        return {"loss": self._update(loss)}

    def _whole(self, part) -> tuple[torch.Tensor, torch.Tensor]:
        return (encode(self.enc_a, net_inputs(self.enc_a, part)),
                encode(self.enc_b, net_inputs(self.enc_b, part)))

    def evaluate(self, split: str = "val") -> dict[str, float]:
        part = self._split(split)
        if len(part) < 2:
            return {}
        with torch.inference_mode():
            self.enc_a.eval()
            self.enc_b.eval()
            a, b = self._whole(part)
            temperature = self.hparams["temperature"]
            losses = [symmetric_info_nce(a[rows], b[rows], temperature).item()
                      for rows in self._chunks(len(part))]
            metrics = {"loss": float(np.mean(losses))}
            labels = part.y.reshape(len(part), -1)[:, 0]
            metrics["retrieval_top1"] = class_top1(cosine_matrix(a, b), labels, labels)
            if split == "val":
                self.latest_top1 = metrics["retrieval_top1"]
        return metrics

    def final_metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for split in ("train", "val", "test"):
            metrics = self.evaluate(split)
            if "loss" in metrics:
                out[f"{split}_loss"] = metrics["loss"]
            if split == "test" and "retrieval_top1" in metrics:
                out["retrieval_top1"] = metrics["retrieval_top1"]
                labels = self.data.test.y.cpu().numpy().reshape(len(self.data.test), -1)[:, 0]
                shares = np.bincount(labels) / len(labels)
                out["retrieval_chance"] = float((shares ** 2).sum())  # a random signal's odds
        return out

    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        wanted = set(kinds) & self.visual_kinds
        test = self.data.test
        if not wanted or len(test) < 2:
            return []
        labels = test.y.reshape(len(test), -1)[:, 0].cpu().numpy()
        snaps: list[Snapshot] = []
        with torch.inference_mode():
            self.enc_a.eval()
            self.enc_b.eval()
            a, b = self._whole(test)
            if "similarity" in wanted:
                rows = torch.from_numpy(balanced_examples(labels, visuals.SHOWN,
                                                          self._draw_seed())).to(self.device)
                snaps.append(visuals.similarity(
                    self.steps_done, a[rows], b[rows], labels[rows.cpu().numpy()],
                    self.class_names, ("image", "signal"), self.hparams["temperature"]))
            if "retrieval" in wanted:
                images = net_inputs(self.enc_a, test)[0]
                signals = net_inputs(self.enc_b, test)[0]
                snaps.append(visuals.retrieval(self.steps_done, images, signals, a, b, labels,
                                               self.class_names, self._draw_seed()))
        return snaps
