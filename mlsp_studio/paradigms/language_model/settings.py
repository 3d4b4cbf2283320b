"""Settings of the Next-token language model (GPT) paradigm."""

from __future__ import annotations

from ...model.blocks import p_float, p_int
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet

PARADIGM_SPECS.register(ParadigmSpec(
    "language_model", "Next-token language model (GPT)",
    "Predict every next token of a text from the ones before it. A causal mask keeps each "
    "position from seeing the future, so the trained model can write text one token at a "
    "time.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("temperature", 0.8, 0.05, 5.0,
                      "sampling temperature: low is careful, high is adventurous"),
              p_int("top_k", 0, 0, 100000, "sample among the k likeliest tokens; 0 = all"),
              p_int("sample_length", 80, 1, 2000, "tokens written per sample"))),
    ("text",), menu_order=20,
    pictures=("generation",)))
