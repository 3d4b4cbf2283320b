"""Settings of the contrastive paradigms: SimCLR-style learning from two augmented views of
each example, and cross-modal learning from pairs of two kinds of data."""

from __future__ import annotations

from ...model.blocks import p_bool, p_float, p_int
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet


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
    ("classification",), menu_order=80,
    pictures=("similarity", "contrastive_embedding")))

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
    ("classification",), menu_order=81,
    pictures=("similarity", "retrieval")))
