"""Settings of the sequence paradigms: seq2seq, GPT-style and BERT-style language models and
word2vec. Supervised learning (in ``paradigms.py``) covers sequence classification and tagging.
"""

from __future__ import annotations

from .blocks import p_bool, p_float, p_int
from .paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from .params import ParamSet

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
    ("sequence",)))

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
    ("text",)))

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
    ("text",)))

PARADIGM_SPECS.register(ParadigmSpec(
    "word2vec", "word2vec (skip-gram)",
    "Learn a vector per word such that a word's vector predicts the words around it, told "
    "apart from randomly drawn words (negative sampling). Words used alike end up close.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("window", 2, 1, 10, "how many words on each side count as context"),
              p_int("negatives", 5, 1, 50, "random words drawn per true context word"))),
    ("text",)))
