"""Settings of the Sequence to sequence paradigm."""

from __future__ import annotations

from ...model.blocks import p_float
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet

PARADIGM_SPECS.register(ParadigmSpec(
    "seq2seq", "Sequence to sequence",
    "An encoder reads the source sequence and a decoder writes the target one token at a "
    "time, looking back at the source through attention. Training feeds the decoder the true "
    "previous token (teacher forcing); testing feeds it its own guesses (greedy decoding).",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("teacher_forcing", 1.0, 0.0, 1.0,
                      "share of training steps where the decoder gets the true previous "
                      "tokens instead of its own guesses"))),
    ("sequence",), menu_order=10,
    pictures=("alignment",)))
