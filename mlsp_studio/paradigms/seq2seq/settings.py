"""Settings of the Sequence to sequence paradigm."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, p_float
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update, own_plain_ops, setting


def seq2seq_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """One run forward and backward; on the steps without teacher forcing (a share of
    1 - teacher_forcing), first a greedy decoding without gradients: one run per target
    position when the network reads the decoder input (each guess then read off and
    written in), else one run."""
    ctx = contexts.get("model")
    target = ctx.inputs.get("dec") if ctx is not None else None
    decode_runs = int(target[0]) if target else 1
    share = 1.0 - setting(hparams, "teacher_forcing", 1.0)
    passes = (Pass("model"),)
    if share > 0:
        passes += (Pass("model", share * decode_runs, backward="none"),)
    return StepWork(passes, (Update(("model",)),), trained_ops=2,
                    plain_ops=share * 3 * decode_runs + own_plain_ops(hparams))


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
    ("sequence",), menu_order=10, step_work=seq2seq_step_work,
    pictures=("alignment",), loss=LossMeaning("cross-entropy per target token", "nats"),
    setting_kinds=own_settings(training=("teacher_forcing",))))
