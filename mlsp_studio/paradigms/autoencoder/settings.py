"""Settings of the autoencoder paradigm: an encoder squeezes the data into a small latent
code and a decoder rebuilds the data from it (plain, denoising, or for anomaly detection)."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, Shape, p_choice, p_float, p_int, p_ints
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec, shaped_like_data
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import StepWork, example_values, one_pass_each, own_plain_ops

NOISE_KINDS = ("none", "gaussian", "masking", "salt_pepper")


def autoencoder_inputs(slot: str, hparams: dict[str, Any], data: Context) -> Context:
    """The encoder reads the data (``x``); the decoder reads the latent code (``z``)."""
    if slot == "decoder":
        return Context({"z": (int(hparams["latent"]),)}, num_classes=data.num_classes,
                       num_targets=data.num_targets)
    return data


def autoencoder_output(slot: str, hparams: dict[str, Any],
                       data: Context) -> tuple[Shape, str] | None:
    if slot == "encoder":
        return (int(hparams["latent"]),), "the latent code of the 'latent' setting"
    return shaped_like_data(data, "the shape of the data it rebuilds")


# operations, numbers read and written and numbers drawn per number of an example by each
# kind of noise (train.corrupt): drawn noise added; a drawn mask applied; a drawn mask
# choosing between two filled values by a second drawn mask
NOISE_WORK = {"none": (0, 0, 0), "gaussian": (3, 6, 1), "masking": (4, 8, 1),
              "salt_pepper": (8, 18, 2)}


def autoencoder_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """The encoder and then the decoder run once each, one optimiser holding both; the batch
    gets its noise first."""
    ops, values, draws = NOISE_WORK.get(str(hparams.get("noise", "none")), (0, 0, 0))
    if not hparams.get("noise_level", 1.0):
        ops, values, draws = 0, 0, 0
    size = example_values(contexts, "encoder")
    return one_pass_each(("encoder", "decoder"), plain_ops=ops + own_plain_ops(hparams),
                         values=values * size, draws=draws * size)


PARADIGM_SPECS.register(ParadigmSpec(
    "autoencoder", "Autoencoder",
    "An encoder squeezes each example into a short latent code and a decoder rebuilds the "
    "example from that code alone; the reconstruction error is the loss. With noise added to "
    "the input it learns to clean (denoising); trained on normal examples only, a large "
    "reconstruction error flags an anomaly.",
    ("encoder", "decoder"),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("latent", 2, 1, 4096, "size of the latent code between encoder and decoder"),
              p_choice("noise", "none", NOISE_KINDS,
                       "noise put on the encoder's input while the target stays clean "
                       "(denoising): none; gaussian (added jitter); masking (values set to 0); "
                       "salt_pepper (values set to the lowest or highest)"),
              p_float("noise_level", 0.3, 0.0, 1.0,
                      "how much noise: the jitter's standard deviation, or the share of values "
                      "masked or flipped"),
              p_ints("normal_classes", (), 0, 1000, max_length=64,
                     doc="anomaly detection: train on these classes only and score every test "
                     "example by its reconstruction error; empty trains on all"),
              )),
    ("classification", "regression"),
    slot_inputs=autoencoder_inputs, slot_output=autoencoder_output, menu_order=50,
    step_work=autoencoder_step_work,
    pictures=("reconstructions",),
    loss=LossMeaning("mean squared error of the reconstruction", short="MSE"),
    setting_kinds=own_settings(training=("latent", "noise", "noise_level", "normal_classes"))))
