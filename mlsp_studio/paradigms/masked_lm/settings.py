"""Settings of the Masked language model (BERT) paradigm."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, p_bool, p_float
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import StepWork, example_values, one_pass_each, own_plain_ops


def masked_loss(hparams: dict[str, Any], data_options: dict[str, Any],
                data: Context) -> LossMeaning:
    """Cross-entropy per hidden token in nats; with next-sentence prediction, training adds
    that guess's cross-entropy (checks on held-out text score the hidden tokens only)."""
    level = {"char": "character", "word": "word"}.get(data_options.get("level"), "token")
    what = f"cross-entropy per hidden {level}"
    if hparams.get("next_sentence"):
        what += " (training adds the next-sentence cross-entropy)"
    return LossMeaning(what, "nats")


def masked_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """The network runs once on rows with some tokens hidden: the positions drawn (at least
    one ordinary token a row), some hidden, some swapped for a random token; the scores of
    the hidden positions picked out for the loss. Next-sentence prediction adds the pairs'
    assembly and a second loss."""
    pairs = bool(hparams.get("next_sentence"))
    ctx = contexts.get("model")
    tokens = example_values(contexts, "model") if ctx is not None else 0
    return one_pass_each(("model",), trained_ops=2 + (3 if pairs else 0),
                         plain_ops=22 + (12 if pairs else 0) + own_plain_ops(hparams),
                         draws=2 * tokens)


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
    ("text",), menu_order=30, step_work=masked_step_work,
    pictures=("fill_mask",), loss=masked_loss,
    setting_kinds=own_settings(training=("mask_fraction", "next_sentence"))))
