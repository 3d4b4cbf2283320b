"""The settings rows of the regularisers in an exported supervised script: data augmentation
(the random alterations of ``paradigms/augment.py`` for points, tables, images and signals)
and ensembles (K networks whose predictions are averaged, as ``paradigms/ensemble.py``). The
code that carries them out is ``paradigms/supervised/script_code.py``'s."""

from __future__ import annotations

from typing import Any

from ..errors import StudioError
from ..model.datasets import DATASET_SPECS
from ..model.project import Project
from ..paradigms.augment import (
    IMAGE_NOISE,
    POINT_JITTER,
    SIGNAL_NOISE,
    SIGNAL_SCALE,
    SIGNAL_SHIFT,
    refusal,
)

POINTS = ("points2d", "scalar", "table")


def script_refusal(project: Project, hparams: dict[str, Any]) -> None:
    """Refuse, in a sentence, the supervised settings a script cannot write out."""
    if hparams.get("augment") and (why := refusal(input_kind(project))):
        raise StudioError(why)


def input_kind(project: Project) -> str:
    return DATASET_SPECS.get(project.dataset).input_kind


def regularize_constants(project: Project, hparams: dict[str, Any]) -> list[tuple[str, str]]:
    """The constant rows for augmentation and ensembles, after refusing what cannot be
    written out."""
    script_refusal(project, hparams)
    rows = []
    if hparams.get("augment"):
        rows += augment_constants(input_kind(project), hparams["augment_strength"])
    if hparams.get("ensemble", 1) > 1:
        rows.append((f"ENSEMBLE = {hparams['ensemble']}", "networks from their own starts, "
                     "predictions averaged"))
    return rows


def augment_constants(kind: str, strength: float) -> list[tuple[str, str]]:
    """The constant rows of the script's augmentation at ``strength``."""
    if kind in POINTS:
        return [(f"JITTER = {POINT_JITTER * strength:.4g}", "augmentation: noise, as a share "
                 "of each feature's spread")]
    if kind == "image":
        return [(f"MAX_SHIFT = {max(1, round(strength))}", "augmentation: largest random move, "
                 "in pixels"),
                (f"NOISE = {IMAGE_NOISE * strength:.4g}", "augmentation: noise, as a share of "
                 "the value range")]
    return [(f"MAX_DELAY = {SIGNAL_SHIFT * strength:.4g}", "augmentation: largest random delay, "
             "as a share of the length"),
            (f"GAIN = {SIGNAL_SCALE * strength:.4g}",
             "augmentation: loudness times 1 - GAIN to 1 + GAIN"),
            (f"NOISE = {SIGNAL_NOISE * strength:.4g}",
             "augmentation: noise, as a share of the spread")]
