"""What a run's numbers are, in words: what its loss measures and in which unit, the set each
number was measured on, and the names of the metrics.

Each paradigm says what its loss is (``ParadigmSpec.loss``, in its folder's ``settings.py``);
the curves, the run list, the figures, the command line and ``summary.json`` read it here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StudioError

SET_NAMES = {"train": "training (each step)", "train_eval": "training set",
             "val": "validation", "test": "test"}
# the prefix of a final number's name -> the set it was measured on, in words
FINAL_SETS = (("test_", "test set"), ("val_", "validation set"),
              ("best_val_", "validation set"), ("train_", "training set"))

METRIC_NAMES = {"loss": "Loss", "accuracy": "Accuracy", "acc": "Accuracy",
                "mse": "Mean squared error", "mae": "Mean absolute error",
                "rmse": "Root mean squared error", "lr": "Learning rate",
                "d_loss": "Discriminator loss", "g_loss": "Generator loss",
                "d_real": "D(data)", "d_fake": "D(generated)",
                "modes_covered": "Modes covered",
                "high_quality_fraction": "Samples near a mode",
                "bits_per_char": "Bits per character"}
LOWER_IS_BETTER = {"mse", "mae", "rmse", "bits_per_char"}


@dataclass(frozen=True)
class LossMeaning:
    """What a loss measures (``what``) and its unit: ``nats`` for a cross-entropy or a
    negative log-likelihood; empty for a squared error, whose unit is the data's own, squared.
    ``short`` names such an error where a line has little room ("MSE")."""

    what: str
    unit: str = ""
    short: str = ""

    def __str__(self) -> str:
        return f"{self.what}, {self.unit}" if self.unit else self.what

    @property
    def brief(self) -> str:
        """Its unit, or the short name of an error that has none: ``nats``, ``MSE``."""
        return self.unit or self.short or self.what

    @property
    def tag(self) -> str:
        """What follows a number: its unit (``nats``), or the short name of an error that has
        none, in brackets (``(MSE)``)."""
        return self.unit.split(" ")[0] if self.unit else f"({self.brief})"


CROSS_ENTROPY = LossMeaning("cross-entropy", "nats")
MEAN_SQUARED_ERROR = LossMeaning("mean squared error", short="MSE")


def loss_meaning(project: Any) -> LossMeaning | None:
    """What ``project``'s loss is, as its paradigm says for its settings and data; None when
    the paradigm does not say or the project cannot be read (a data file that is missing)."""
    from .datasets import dataset_context
    from .paradigms import PARADIGM_SPECS

    try:
        spec = PARADIGM_SPECS.get(project.paradigm)
        hparams = spec.hparams.validate(dict(project.hparams), "settings")
        options, data = dataset_context(project.dataset, project.dataset_options)
    except (StudioError, AttributeError, KeyError, TypeError, ValueError):
        return None
    return spec.describe_loss(hparams, options, data)


def is_accuracy(metric: str) -> bool:
    """A share of right answers, shown as a percentage."""
    return metric in ("acc", "retrieval_top1") or metric.endswith("accuracy")


def in_nats(metric: str, loss: LossMeaning | None) -> bool:
    """Whether ``metric`` is a loss measured in nats: the loss itself, or another loss of a run
    whose loss is in nats (a GAN's discriminator loss, a language model's unigram loss)."""
    if loss is None or not loss.unit.startswith("nats"):
        return False
    return metric == "loss" or metric.endswith("_loss") or metric in ("nll_gap", "entropy")


def metric_label(metric: str, loss: LossMeaning | None = None, brief: bool = False) -> str:
    """A metric's name in words, with what the loss is and its unit when ``loss`` says:
    ``Loss (cross-entropy, nats)`` (``brief``: ``Loss (nats)``), ``Discriminator loss
    (nats)``."""
    text = METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())
    if metric == "loss" and loss is not None:
        return f"{text} ({loss.brief if brief else loss})"
    if in_nats(metric, loss):
        return f"{text} (nats)"
    return text


def metric_words(metric: str) -> str:
    """A metric's name inside a sentence: ``bits per character``, ``accuracy``."""
    text = METRIC_NAMES.get(metric, metric.replace("_", " "))
    return text[0].lower() + text[1:] if text[1:2].islower() else text


def value_text(metric: str, value: float | int | None, loss: LossMeaning | None = None) -> str:
    """A number as a person reads it: an accuracy as a percentage, a loss with its unit."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not a number"
    if isinstance(value, int) or metric.endswith("_params"):
        return f"{int(value):,}"
    if is_accuracy(metric) and 0.0 <= value <= 1.0:
        return f"{100.0 * value:.1f}%"
    if metric == "loss" and loss is not None:
        return f"{value:.4g} {loss.tag}"
    if in_nats(metric, loss):
        return f"{value:.4g} nats"
    return f"{value:.4g}"


def split_final(key: str) -> tuple[str, str, str]:
    """(the set in words, the metric, the number's name in words) of a final number's key:
    ``test_bits_per_char`` -> ("test set", "bits_per_char", "bits per character"); the set is
    "" for a number of no one set."""
    for prefix, where in sorted(FINAL_SETS, key=lambda p: -len(p[0])):
        if key.startswith(prefix):
            metric = key[len(prefix):]
            best = "best " if prefix == "best_val_" else ""
            return where, metric, best + metric_words(metric)
    return "", key, metric_words(key)


def final_lines(final: Mapping[str, Any], loss: LossMeaning | None,
                sets: tuple[str, ...] = ("test set", "validation set")) -> list[str]:
    """The final numbers of a run in words, one line per set (``sets``, in that order), then
    the numbers of no one set; the per-split numbers of other sets are left out."""
    grouped: dict[str, list[str]] = {}
    for key, value in final.items():
        where, metric, words = split_final(key)
        if where and where not in sets:
            continue
        grouped.setdefault(where, []).append(f"{words} {value_text(metric, value, loss)}")
    lines = []
    if loss is not None:
        lines.append(f"loss: {loss}")
    lines += [f"{where}: {', '.join(grouped[where])}" for where in sets if where in grouped]
    if grouped.get(""):
        lines.append(f"also: {', '.join(grouped[''])}")
    return lines


def units_entry(loss: LossMeaning | None, final: Mapping[str, Any]) -> dict[str, str]:
    """What ``summary.json`` says about its numbers: what the loss is and its unit, and the
    unit of the other numbers it holds."""
    out: dict[str, str] = {}
    if loss is not None:
        out["loss"] = str(loss)
    names = {split_final(key)[1] for key in final}
    for name in sorted(names):
        if name == "loss":
            continue
        if name == "bits_per_char":
            out[name] = "bits per character (the loss divided by ln 2)"
        elif is_accuracy(name):
            out[name] = "share of right answers, 0 to 1"
        elif in_nats(name, loss):
            out[name] = "nats"
    out["sets"] = ("a name starting test_ was measured on the test set, val_ or best_val_ on "
                   "the validation set, train_ on the training set")
    return out
