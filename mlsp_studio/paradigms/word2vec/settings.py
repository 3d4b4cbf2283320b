"""Settings of the word2vec (skip-gram) paradigm."""

from __future__ import annotations

import math
from typing import Any

from ...model.blocks import Context, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update, own_plain_ops, setting


def word2vec_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """The network gives each center word its vector; the loss looks up the true context
    word's and the random words' vectors in a second table shaped like the network's (its
    weights updated with the network's), scores them and sums the log-sigmoids. The random
    words are drawn from the noise distribution, each draw a search of its running sums; the
    random words' scores are one small product per example (each random word's vector with
    the center word's)."""
    ctx = contexts.get("model")
    vocab = max(ctx.vocab_size if ctx is not None else 2, 2)
    draws = setting(hparams, "negatives", 5)
    return StepWork((Pass("model"),), (Update(("model",), copies=2),), trained_ops=15,
                    plain_ops=5 + own_plain_ops(hparams), draws=draws, small_macs=draws,
                    values=draws * (2 + math.log2(vocab)))


PARADIGM_SPECS.register(ParadigmSpec(
    "word2vec", "word2vec (skip-gram)",
    "Learn a vector per word such that a word's vector predicts the words around it, told "
    "apart from randomly drawn words (negative sampling). Words used alike end up close.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("window", 2, 1, 10, "how many words on each side count as context"),
              p_int("negatives", 5, 1, 50, "random words drawn per true context word"))),
    ("text",), menu_order=40, step_work=word2vec_step_work,
    pictures=("embeddings",),
    loss=LossMeaning("negative-sampling cross-entropy per context word", "nats"),
    setting_kinds=own_settings(training=("window", "negatives"))))
