"""Settings of the diffusion paradigm (DDPM): data is noised step by step and a denoiser
learns to predict the noise, so that sampling can walk from pure noise back to data."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, Shape, p_choice, p_float, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec, shaped_like_data
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import StepWork, example_values, one_pass_each, own_plain_ops

NOISE_SCHEDULES = ("linear", "cosine")
SAMPLERS = ("ddpm", "ddim")
MAX_GUIDANCE = 20.0


def diffusion_inputs(slot: str, hparams: dict[str, Any], data: Context) -> Context:
    """The denoiser reads the noisy example (``x``), its time step (``t``, one number) and the
    class asked for (``c``, one number; -1 is 'no class')."""
    x = data.inputs.get("x")
    inputs = {"t": (1,), "c": (1,)}
    if x is not None:
        inputs["x"] = tuple(x)
    return Context(inputs, num_classes=data.num_classes, num_targets=data.num_targets)


def diffusion_output(slot: str, hparams: dict[str, Any],
                     data: Context) -> tuple[Shape, str] | None:
    return shaped_like_data(data, "the predicted noise, shaped like the data")


def diffusion_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """The denoiser runs once; before it the batch gets its time steps, its noise (drawn, one
    number per number of the example) and the noisy examples mixed from both (scaled,
    scaled, added), and some classes are hidden."""
    size = example_values(contexts, "denoiser")
    return one_pass_each(("denoiser",), plain_ops=14 + own_plain_ops(hparams),
                         values=6 * size, draws=size + 2)


PARADIGM_SPECS.register(ParadigmSpec(
    "diffusion", "Diffusion model (DDPM)",
    "Noise is added to the data in many small steps until nothing of it is left. A denoiser "
    "learns to predict the noise in an example at any step; sampling starts from pure noise "
    "and removes the predicted noise step by step. Told the class (and sometimes not), it "
    "can be steered toward a class by classifier-free guidance.",
    ("denoiser",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("timesteps", 100, 2, 4000, "T: the number of noising steps"),
              p_choice("noise_schedule", "linear", NOISE_SCHEDULES,
                       "how fast noise is added: linear (beta grows in a straight line) or "
                       "cosine (the signal fades along a cosine; gentler at both ends)"),
              p_choice("sampler", "ddpm", SAMPLERS,
                       "ddpm (all T steps, fresh noise at each) or ddim (fewer steps, no new "
                       "noise)"),
              p_int("sample_steps", 50, 1, 4000, "steps a DDIM sampler takes (at most T)"),
              p_float("label_dropout", 0.1, 0.0, 1.0,
                      "share of training examples whose class is hidden, so one denoiser "
                      "learns both the conditional and the unconditional noise"),
              p_float("guidance", 3.0, 0.0, MAX_GUIDANCE,
                      "classifier-free guidance scale: 0 ignores the class, 1 is plain "
                      "conditional, above 1 pushes harder toward the class"),
              )),
    ("classification", "regression"),
    slot_inputs=diffusion_inputs, slot_output=diffusion_output, menu_order=70,
    step_work=diffusion_step_work,
    pictures=("diffusion_forward", "diffusion_trajectory", "diffusion_samples"),
    loss=LossMeaning("mean squared error of the predicted noise", short="MSE"),
    setting_kinds=own_settings(view=("sampler", "sample_steps", "guidance"),
                               training=("timesteps", "noise_schedule", "label_dropout"))))
