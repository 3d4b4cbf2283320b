"""Settings of the contrastive paradigms: SimCLR-style learning from two augmented views of
each example, and cross-modal learning from pairs of two kinds of data."""

from __future__ import annotations

from .blocks import p_float
from .paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from .params import ParamSet

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
              )),
    ("classification",)))

PARADIGM_SPECS.register(ParadigmSpec(
    "cross_modal", "Cross-modal contrastive learning",
    "Pairs of examples of two kinds (a digit image and a signal that spells the same digit) "
    "go through one encoder each into a shared space; a symmetric InfoNCE loss pulls the two "
    "halves of a pair together, so one kind can find its partner among the other.",
    ("encoder_a", "encoder_b"),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("temperature", 0.1, 0.01, 10.0,
                      "softmax temperature of the similarities"),
              )),
    ("classification",)))
