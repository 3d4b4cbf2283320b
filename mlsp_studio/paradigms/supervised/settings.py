"""Settings of supervised learning: classes by cross-entropy, numbers by squared error."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, p_bool, p_float, p_int
from ...model.metric_units import CROSS_ENTROPY, MEAN_SQUARED_ERROR, LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update, own_plain_ops


def supervised_loss(hparams: dict[str, Any], data_options: dict[str, Any],
                    data: Context) -> LossMeaning:
    """Cross-entropy (nats) for classes, the mean squared error for numbers."""
    return CROSS_ENTROPY if data.num_classes > 0 else MEAN_SQUARED_ERROR


def supervised_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """Every member of an ensemble runs on the batch and has its own loss (a sum of two more
    operations each); one optimiser holds them all."""
    members = int(hparams.get("ensemble", 1) or 1)
    return StepWork((Pass("model", members),), (Update(("model",), copies=members),),
                    trained_ops=3 * (members - 1), plain_ops=members * own_plain_ops(hparams))


PARADIGM_SPECS.register(ParadigmSpec(
    "supervised", "Supervised learning",
    "Learn a mapping from inputs to labels: cross-entropy for classes, mean squared error "
    "for numbers.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("grad_clip", 0.0, 0.0, 1000.0,
                      "largest allowed gradient norm; a longer gradient is scaled down to it "
                      "(keeps recurrent networks from jumping); 0 = off"),
              p_bool("augment", False,
                     "alter every training batch at random in ways that keep the labels true "
                     "(points jittered, pictures moved by a pixel or two, signals delayed and "
                     "made louder or softer, table values nudged; never the validation or test "
                     "examples); not for token or sequence data"),
              p_float("augment_strength", 1.0, 0.1, 4.0,
                      "how strongly augmentation alters the examples: 1 = the usual amount "
                      "(pictures move by up to 1 pixel; 2 = up to 2)"),
              p_int("ensemble", 1, 1, 10,
                    "how many copies of the network train side by side, each from its own "
                    "random start; their predictions are averaged; 1 = a single network"))),
    ("classification", "regression"), menu_order=0, loss=supervised_loss,
    step_work=supervised_step_work,
    setting_kinds=own_settings(live=("grad_clip", "augment", "augment_strength"),
                               training=("ensemble",))))
