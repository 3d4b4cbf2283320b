"""The autoencoder: an encoder squeezes each example into a short code and a decoder rebuilds
it; plain (representation), denoising (noisy input, clean target) or anomaly detection
(trained on normal classes only, scored by reconstruction error).

The functions above the trainer class (noise, loss, anomaly scores, the k-NN probe) are plain
torch on their arguments: the exported script copies their text (``export/source_copy.py``),
so keep them free of the studio's imports."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import ProjectError
from ...model.project import Project
from ...snapshots.kinds import Reconstructions, Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..text_common import pca_2d
from ..update import TrainerBase
from .snapshots import AnomalyScores, LatentCodes, auroc

EVAL_TRAIN_SUBSET = 512   # training examples used for the train-split metrics
SHOWN = 8                 # test examples in the reconstruction grid
SHOWN_POINTS = 300        # test examples shown when the data are 2-D points
NEIGHBOURS = 5            # k of the latent k-nearest-neighbour probe
NORMAL_QUANTILE = 0.95    # the suggested threshold keeps this share of normal examples
BATCH = 2048              # examples per forward pass when scoring a whole split


def corrupt(x: torch.Tensor, kind: str, level: float, generator: torch.Generator,
            low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """``x`` with noise on it: ``gaussian`` adds N(0, level²) to every value; ``masking`` sets a
    ``level`` share of the values to 0; ``salt_pepper`` sets a ``level`` share to ``low`` or
    ``high`` (half each). ``none`` or level 0 gives ``x`` itself."""
    if kind == "none" or level <= 0:
        return x
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator).to(x.device)
        return x + level * noise
    picked = (torch.rand(x.shape, generator=generator) < level).to(x.device)
    if kind == "masking":
        return torch.where(picked, torch.zeros_like(x), x)
    if kind == "salt_pepper":
        salt = (torch.rand(x.shape, generator=generator) < 0.5).to(x.device)
        flipped = torch.where(salt, torch.full_like(x, high), torch.full_like(x, low))
        return torch.where(picked, flipped, x)
    raise ValueError(f"unknown noise {kind!r}")


def is_normal(y, classes):
    """Which examples (by their labels y) are of the normal classes ``classes``: a bool mask."""
    return torch.isin(y, torch.tensor(classes, device=y.device))


def reconstruction_loss(encoder, decoder, noisy, clean):
    """The mean squared error between the example rebuilt from the noisy input and the CLEAN
    example: a denoising autoencoder learns to take the noise away."""
    return F.mse_loss(decoder(encoder(noisy)), clean)


def reconstruction_errors(rebuilt, x):
    """Each example's mean squared reconstruction error, (n,): its anomaly score."""
    return ((rebuilt - x) ** 2).reshape(len(x), -1).mean(1)


def knn_accuracy(train_codes: torch.Tensor, train_labels: torch.Tensor,
                 test_codes: torch.Tensor, test_labels: torch.Tensor, k: int = NEIGHBOURS,
                 classes: int = 0) -> float:
    """Share of test codes whose ``k`` nearest training codes (Euclidean) vote for the right
    class; a tie goes to the class of the nearer neighbours."""
    if len(train_codes) == 0 or len(test_codes) == 0:
        return float("nan")
    k = min(k, len(train_codes))
    classes = max(classes, int(train_labels.max()) + 1, int(test_labels.max()) + 1)
    distances = torch.cdist(test_codes.float(), train_codes.float())      # (T, N)
    nearest = distances.topk(k, dim=1, largest=False).indices              # (T, k), nearest first
    votes = F.one_hot(train_labels[nearest], classes).float()              # (T, k, C)
    weight = 1.0 + 1e-3 * torch.arange(k, 0, -1, device=votes.device) / k  # breaks ties only
    predicted = (votes * weight[None, :, None]).sum(1).argmax(1)           # (T,)
    return (predicted == test_labels).float().mean().item()


@PARADIGMS.register("autoencoder")
class AutoencoderParadigm(TrainerBase):
    """Slots ``encoder`` (x → code of ``latent`` numbers) and ``decoder`` (code → x's shape).

    The loss is the mean squared error between the decoder's output and the *clean* example,
    whatever noise went into the encoder. With ``normal_classes`` set, training and validation
    keep only those classes and every test example is scored by its reconstruction error.
    """

    name = "autoencoder"

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin(project, data, device)
        self.encoder, self.decoder = nets["encoder"], nets["decoder"]
        self.classify = data.task == "classification"
        if not data.train.x.is_floating_point():
            raise ProjectError(f"an autoencoder rebuilds numbers (pictures, signals, points), "
                               f"but {data.name} gives token ids; pick a dataset such as "
                               f"digits or ring")
        self.noise, self.level = self.hparams["noise"], float(self.hparams["noise_level"])
        self.normal = self._normal_classes(tuple(self.hparams["normal_classes"]))
        # with normal classes, the losses of every split are of normal examples only
        self.splits = {name: self._keep_normal(getattr(data, name))
                       for name in ("train", "val", "test")}
        self.x = self.splits["train"][0]
        n = len(self.x)
        if n == 0:
            raise ProjectError("no training example is of the normal classes, so there is "
                               "nothing to learn from; name classes the training split holds"
                               if self.normal else "there are no training examples to learn from")
        self.low, self.high = float(self.x.min()), float(self.x.max())
        self._common_setup(project, n, device)
        self.optimizer = make_optimizer([*self.encoder.parameters(),
                                         *self.decoder.parameters()],
                                        self.hparams, self.total_steps)
        self._train_eval = self._fixed_rows(n, EVAL_TRAIN_SUBSET)
        kinds = {"reconstructions"}
        if len(data.test):
            kinds.add("latent")
            if self.normal:
                kinds.add("anomaly_scores")
        self.visual_kinds = frozenset(kinds)

    def _normal_classes(self, wanted: tuple[int, ...]) -> tuple[int, ...]:
        """The normal classes, checked against the data; refused in words when unusable."""
        if not wanted:
            return ()
        if not self.classify:
            raise ProjectError("anomaly detection needs a dataset with classes, to know which "
                               "examples are normal; clear normal_classes for this dataset")
        k = self.data.num_classes
        missing = sorted(c for c in set(wanted) if c >= k)
        if missing:
            names = ", ".join(f"{i} ({n})" for i, n in enumerate(self.data.class_names))
            raise ProjectError(f"normal_classes names class {', '.join(map(str, missing))}, "
                               f"which this data does not have; its classes are {names}")
        normal = tuple(sorted(set(wanted)))
        if len(normal) == k:
            raise ProjectError("normal_classes names every class of the data, so no test "
                               "example is an anomaly; leave at least one class out")
        return normal

    def _is_normal(self, y: torch.Tensor) -> torch.Tensor:
        return is_normal(y, self.normal)

    def _keep_normal(self, split: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.normal:
            return split.x, split.y
        keep = self._is_normal(split.y)
        return split.x[keep], split.y[keep]

    # -- the networks --------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes (n, latent), in batches."""
        return torch.cat([self.encoder(x[i:i + BATCH]) for i in range(0, len(x), BATCH)]) \
            if len(x) else x.new_zeros((0, int(self.hparams["latent"])))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Decoder(encoder(x)), in x's shape, in batches."""
        if not len(x):
            return x
        return torch.cat([self.decoder(self.encoder(x[i:i + BATCH]))
                          for i in range(0, len(x), BATCH)])

    def _train_mode(self, on: bool) -> None:
        if self.encoder.training != on:  # train() walks every block: only when it changed
            self.encoder.train(on)
            self.decoder.train(on)

    # -- training ------------------------------------------------------------------------
    def step(self) -> dict[str, float]:
        self._train_mode(True)
        clean = self.x[self._next_indices()]
        noisy = corrupt(clean, self.noise, self.level, self.generator, self.low, self.high)
        return {"loss": self._update(reconstruction_loss(self.encoder, self.decoder, noisy,
                                                         clean))}

    def _noisy(self, x: torch.Tensor, level: float, salt: int = 2) -> torch.Tensor:
        """The same noise at every check (a fixed seed), so the curves compare like with like."""
        generator = torch.Generator().manual_seed(self.seed + salt)
        return corrupt(x, self.noise, level, generator, self.low, self.high)

    def evaluate(self, split: str = "val") -> dict[str, float]:
        x, _ = self.splits[split]
        if split == "train":
            x = x[self._train_eval]
        if len(x) == 0:
            return {}
        with torch.inference_mode():
            self._train_mode(False)
            noisy = self._noisy(x, self.level)
            mse = F.mse_loss(self.reconstruct(noisy), x).item()
            metrics = {"loss": mse, "mse": mse}
            if self.noise != "none" and split == "test":
                metrics["noisy_input_mse"] = F.mse_loss(noisy, x).item()
        return metrics

    def final_metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for split in ("train", "val", "test"):
            for name, value in self.evaluate(split).items():
                out[name if name == "noisy_input_mse" else f"{split}_{name}"] = value
        with torch.inference_mode():
            self._train_mode(False)
            if self.classify and len(self.data.test):
                out["latent_knn_accuracy"] = self._knn()
            if self.normal:
                scores, anomalous = self._scores(self.data.test.x, self.data.test.y)
                out["auroc"] = auroc(scores, anomalous)
                out["anomaly_mse"] = float(scores[anomalous].mean())
        return out

    def _knn(self) -> float:
        """k-NN accuracy of the test codes, neighbours from the whole training split's codes
        (every class, also those an anomaly detector never trained on)."""
        train, test = self.data.train, self.data.test
        return knn_accuracy(self.encode(train.x), train.y, self.encode(test.x), test.y,
                            classes=self.data.num_classes)

    def _scores(self, x: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Per-example reconstruction errors of clean inputs, and which are anomalies."""
        errors = reconstruction_errors(self.reconstruct(x), x)
        return errors.float().cpu().numpy(), (~self._is_normal(y)).cpu().numpy()

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        return self._pictures(kinds, {"reconstructions": self._reconstructions,
                                      "latent": self._latent, "anomaly_scores": self._anomaly},
                              self.encoder, self.decoder)

    def view_level(self) -> float:
        """The noise level the reconstruction picture shows: the panel's, else training's."""
        try:
            level = float(self._options.get("noise_level_view", self.level))
        except (TypeError, ValueError):
            level = self.level
        return min(1.0, max(0.0, level)) if math.isfinite(level) else self.level

    def _shown(self) -> torch.Tensor:
        """Indices of the test examples shown: one per class first, then in order (2-D
        points: the first few hundred)."""
        y = self.data.test.y
        n = len(y)
        if tuple(self.data.test.x.shape[1:]) == (2,):  # points: many, drawn in the plane
            return torch.arange(min(SHOWN_POINTS, n))
        if not self.classify or y.dim() != 1:
            return torch.arange(min(SHOWN, n))
        picks: list[int] = []
        for c in range(self.data.num_classes):
            hits = torch.nonzero(y == c).flatten()
            if len(hits) and len(picks) < SHOWN:
                picks.append(int(hits[0]))
        rest = [i for i in range(n) if i not in picks]
        return torch.tensor(sorted(picks) + rest[:SHOWN - len(picks)], dtype=torch.long)

    def _reconstructions(self) -> Reconstructions:
        index = self._shown().to(self.device)
        x = self.data.test.x[index]
        level = self.view_level()
        noisy = self._noisy(x, level, salt=3)
        out = self.reconstruct(noisy)
        names = self.data.class_names
        labels = tuple(names[int(c)] if self.classify and int(c) < len(names) else ""
                       for c in self.data.test.y[index].reshape(len(index), -1)[:, 0])
        denoising = self.noise != "none"
        return Reconstructions(
            step=self.steps_done, inputs=x.float().cpu().numpy(),
            noisy=noisy.float().cpu().numpy() if denoising else np.zeros((0,)),
            outputs=out.float().cpu().numpy(), labels=labels, noise=self.noise,
            noise_level=level if denoising else 0.0,
            mse=F.mse_loss(out, x).item() if len(x) else math.nan,
            noisy_mse=F.mse_loss(noisy, x).item() if denoising and len(x) else math.nan)

    def _latent(self) -> LatentCodes:
        test = self.data.test
        codes = self.encode(test.x).float().reshape(len(test.x), -1).cpu().numpy()
        latent = codes.shape[1]
        explained = np.zeros(0)
        if latent == 2:
            points, method = codes, "code"
        elif latent == 1:
            points, method = np.pad(codes, ((0, 0), (0, 1))), "code"
        else:
            points, shares = pca_2d(codes)
            method, explained = "pca", np.array(shares)
        labels = test.y.cpu().numpy().astype(np.int64) if self.classify and test.y.dim() == 1 \
            else np.full(len(codes), -1, dtype=np.int64)
        knn = self._knn() if self.classify else math.nan
        return LatentCodes(step=self.steps_done, points=points, labels=labels,
                           class_names=tuple(self.data.class_names), latent=latent,
                           method=method, explained=explained, knn_accuracy=knn)

    def _anomaly(self) -> AnomalyScores:
        scores, anomalous = self._scores(self.data.test.x, self.data.test.y)
        val_x = self.splits["val"][0]
        normal_scores = (self._scores(val_x, self.splits["val"][1])[0] if len(val_x)
                         else scores[~anomalous])
        finite = normal_scores[np.isfinite(normal_scores)]
        threshold = float(np.quantile(finite, NORMAL_QUANTILE)) if finite.size else math.nan
        names = self.data.class_names
        return AnomalyScores(
            step=self.steps_done, scores=scores, anomalous=anomalous, threshold=threshold,
            auroc=auroc(scores, anomalous),
            normal_names=tuple(names[c] for c in self.normal),
            anomaly_names=tuple(n for c, n in enumerate(names) if c not in self.normal))
