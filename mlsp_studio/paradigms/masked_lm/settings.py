"""Settings of the Masked language model (BERT) paradigm."""

from __future__ import annotations

from ...model.blocks import p_bool, p_float
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet

PARADIGM_SPECS.register(ParadigmSpec(
    "masked_lm", "Masked language model (BERT)",
    "Hide some tokens of each sentence and predict them from both sides. Of the chosen tokens, "
    "80 % become the mask token, 10 % a random token and 10 % stay as they are.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("mask_fraction", 0.15, 0.01, 0.9, "share of tokens chosen for prediction"),
              p_bool("next_sentence", False,
                     "also learn whether the second half of a pair really follows the first "
                     "(the network then needs a second output with 2 classes)"))),
    ("text",), menu_order=30,
    pictures=("fill_mask",)))
