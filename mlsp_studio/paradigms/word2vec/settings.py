"""Settings of the word2vec (skip-gram) paradigm."""

from __future__ import annotations

from ...model.blocks import p_int
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet

PARADIGM_SPECS.register(ParadigmSpec(
    "word2vec", "word2vec (skip-gram)",
    "Learn a vector per word such that a word's vector predicts the words around it, told "
    "apart from randomly drawn words (negative sampling). Words used alike end up close.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("window", 2, 1, 10, "how many words on each side count as context"),
              p_int("negatives", 5, 1, 50, "random words drawn per true context word"))),
    ("text",), menu_order=40,
    pictures=("embeddings",)))
