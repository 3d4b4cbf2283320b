"""Settings of the contrastive paradigms: SimCLR-style learning from two augmented views of
each example, and cross-modal learning from pairs of two kinds of data."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, p_bool, p_float, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update, own_plain_ops, setting


def augment_params(shift: int = 1, crop: float = 0.25, scale: float = 0.2,
                   erase: float = 0.25) -> tuple:
    """The settings of the random alterations (``train_augment.py``)."""
    return (
        p_bool("augment", True, "alter the training examples at random as set below (SimCLR: "
               "the two views differ by them; off, both views are the same example and the "
               "task becomes trivial)"),
        p_int("shift", shift, 0, 4, "images: largest random move, in pixels"),
        p_float("crop", crop, 0.0, 0.75, "images: a random crop of down to 1 - crop of each "
                "side is stretched back to full size; 0 = off"),
        p_float("time_shift", 0.1, 0.0, 0.5, "signals: largest random move, as a share of "
                "the length"),
        p_float("scale", scale, 0.0, 0.9, "every value multiplied by one random factor "
                "between 1 - scale and 1 + scale (brightness, loudness); 0 = off"),
        p_float("add_noise", 0.1, 0.0, 2.0, "standard deviation of random noise added to "
                "each value; 0 = off"),
        p_float("erase", erase, 0.0, 1.0, "chance that a random rectangle (images) or stretch "
                "(signals) is blanked out; 0 = off"),
    )


# operations of one random alteration of a batch (train_augment.py) by the example's axes:
# an image's crop and shift (draws, the affine grid, the resampling), a signal's shift in
# time; then the scaling, the blanked patch and the noise
ALTER_OPS = {3: 73, 2: 38, 1: 11}
# numbers read and written per number of an example by one alteration: the resampling reads
# four neighbours of each and writes it, scaling, blanking and the noise each read and write
ALTER_VALUES = 11


def alteration_work(hparams: dict[str, Any], ctx: Context | None,
                    source: str = "x") -> tuple[float, float, float]:
    """(operations, numbers read and written, numbers drawn) per example of one random
    alteration of the input ``source`` of a batch fed as ``ctx`` (none when augmentation is
    off): the noise draws one number per number of the example."""
    shape = ctx.inputs.get(source) if ctx is not None else None
    if not hparams.get("augment", True) or not shape:
        return 0.0, 0.0, 0.0
    size = 1
    for n in shape:
        size *= int(n)
    noise = size if setting(hparams, "add_noise", 0.0) > 0 else 0
    return float(ALTER_OPS.get(len(shape), ALTER_OPS[1])), float(ALTER_VALUES * size), noise


def contrastive_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """Two altered views of every example go through the encoder together (twice the batch);
    the loss compares every view with every other (about 15 operations)."""
    ops, values, draws = alteration_work(hparams, contexts.get("encoder"))
    return StepWork((Pass("encoder", batch=2.0),), (Update(("encoder",)),), trained_ops=15,
                    plain_ops=2 * ops + 5 + own_plain_ops(hparams), values=2 * values,
                    draws=2 * draws)


def cross_modal_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """Each encoder runs once on its half of the pairs, each half altered once; one optimiser
    holds both; the symmetric loss takes about 20 operations."""
    work = [alteration_work(hparams, contexts.get(slot), source)
            for slot, source in (("encoder_a", "x"), ("encoder_b", "pair"))]
    return StepWork((Pass("encoder_a"), Pass("encoder_b")),
                    (Update(("encoder_a", "encoder_b")),), trained_ops=20,
                    plain_ops=sum(w[0] for w in work) + 1 + own_plain_ops(hparams),
                    values=sum(w[1] for w in work), draws=sum(w[2] for w in work))


PARADIGM_SPECS.register(ParadigmSpec(
    "contrastive", "Contrastive learning (SimCLR)",
    "Two randomly altered views of each example go through the same encoder; the loss "
    "(InfoNCE) pulls the two views of an example together and pushes the other examples of "
    "the batch away. No labels are used; a linear classifier on the learned codes shows what "
    "they captured.",
    ("encoder",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("temperature", 0.2, 0.01, 10.0,
                      "softmax temperature of the similarities: low makes the loss pick on "
                      "the hardest negatives"),
              *augment_params(),
              )),
    ("classification",), menu_order=80, step_work=contrastive_step_work,
    pictures=("similarity", "contrastive_embedding"),
    loss=LossMeaning("InfoNCE cross-entropy", "nats"),
    setting_kinds=own_settings(live=("augment",),
                               training=("temperature", "shift", "crop", "time_shift", "scale",
                                         "add_noise", "erase"))))

PARADIGM_SPECS.register(ParadigmSpec(
    "cross_modal", "Cross-modal contrastive learning",
    "Pairs of examples of two kinds (a digit image and a signal that spells the same digit) "
    "go through one encoder each into a shared space; a symmetric InfoNCE loss pulls the two "
    "halves of a pair together, so one kind can find its partner among the other.",
    ("encoder_a", "encoder_b"),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("temperature", 0.1, 0.01, 10.0,
                      "softmax temperature of the similarities"),
              # the pairs themselves differ; light noise and time shifts keep the encoders
              # from learning the training pairs by heart
              *augment_params(shift=0, crop=0.0, scale=0.0, erase=0.0),
              )),
    ("classification",), menu_order=81, step_work=cross_modal_step_work,
    pictures=("similarity", "retrieval"),
    loss=LossMeaning("symmetric InfoNCE cross-entropy", "nats"),
    setting_kinds=own_settings(live=("augment",),
                               training=("temperature", "shift", "crop", "time_shift", "scale",
                                         "add_noise", "erase"))))
