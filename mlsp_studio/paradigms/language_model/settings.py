"""Settings of the Next-token language model (GPT) paradigm."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, p_float, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import StepWork, one_pass_each, own_plain_ops


def next_token_loss(hparams: dict[str, Any], data_options: dict[str, Any],
                    data: Context) -> LossMeaning:
    """Cross-entropy per next token in nats: per character for character-level text (the
    runs then also give it in bits per character), per word for word-level text."""
    level = {"char": "character", "word": "word"}.get(data_options.get("level"), "token")
    return LossMeaning(f"cross-entropy per {level}", "nats")


def language_model_step_work(hparams: dict[str, Any],
                             contexts: dict[str, Context]) -> StepWork:
    """The network runs once on windows cut from random places of the text (the places
    drawn, the windows gathered as inputs and as targets one token on); the scores and
    targets are laid flat for the loss."""
    return one_pass_each(("model",), trained_ops=2, plain_ops=6 + own_plain_ops(hparams))


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
    ("text",), menu_order=20, step_work=language_model_step_work,
    pictures=("generation",), loss=next_token_loss,
    setting_kinds=own_settings(view=("temperature", "top_k", "sample_length"))))
