"""Settings of the GAN paradigm: a generator turns noise into examples and a discriminator
learns to tell them from real ones."""

from __future__ import annotations

from typing import Any

from ...model.blocks import Context, Shape, p_choice, p_float, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec, shaped_like_data
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update

GENERATOR_LOSSES = ("flip", "reversal")
GENERATOR_LR = p_float("lr", 0.001, 1e-6, 10.0, "the generator's learning rate: its step size "
                       "(d_lr is the discriminator's)", log_scale=True)


def gan_inputs(slot: str, hparams: dict[str, Any], data: Context) -> Context:
    """The generator reads noise (``z``); the discriminator reads examples (``x``)."""
    if slot == "generator":
        return Context({"z": (int(hparams["latent"]),)}, num_classes=data.num_classes,
                       num_targets=data.num_targets)
    return data


def gan_output(slot: str, hparams: dict[str, Any], data: Context) -> tuple[Shape, str] | None:
    if slot == "discriminator":
        return (1,), "one score per example: the logit of 'this is real'"
    return shaped_like_data(data, "examples shaped like the data")


def game_loss(hparams: dict[str, Any], data_options: dict[str, Any],
              data: Context) -> LossMeaning:
    """The discriminator's cross-entropy plus the generator's, in nats (with reversal the
    generator's is the discriminator's on generated examples with its sign turned)."""
    if hparams.get("generator_loss") == "reversal":
        return LossMeaning("discriminator's cross-entropy + generator's (negative)", "nats")
    return LossMeaning("discriminator's + generator's cross-entropy", "nats")


def gan_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """Each of the ``d_steps`` discriminator steps generates a batch without gradients and
    scores it and a batch of data (two runs, its weights updated); the generator's step runs
    the generator and passes the gradient back through the discriminator to it. Each round
    draws noise, scores with two cross-entropies and reads how sure the discriminator was."""
    k = int(hparams.get("d_steps", 1) or 1)
    ctx = contexts.get("generator")
    latent = ctx.inputs.get("z", (1,))[0] if ctx is not None else 1
    return StepWork((Pass("generator", k, backward="none"), Pass("discriminator", 2 * k),
                     Pass("generator"), Pass("discriminator", backward="inputs")),
                    (Update(("discriminator",), k), Update(("generator",))),
                    trained_ops=6 * k + 4, plain_ops=8 * k + 3, draws=(k + 1) * latent,
                    rounds=k + 1)


PARADIGM_SPECS.register(ParadigmSpec(
    "gan", "Generative adversarial network",
    "A generator turns random noise into examples; a discriminator scores examples as real or "
    "generated. The discriminator learns to tell them apart, the generator learns to fool it, "
    "and the generated examples drift toward the data.",
    ("generator", "discriminator"),
    ParamSet((*(GENERATOR_LR if p.name == "lr" else p for p in OPTIMIZER_PARAMS),
              p_int("latent", 8, 1, 4096, "size of the noise vector the generator starts from"),
              p_float("d_lr", 0.001, 1e-6, 10.0, "the discriminator's learning rate (lr is the "
                      "generator's)", log_scale=True),
              p_int("d_steps", 1, 1, 20, "discriminator steps for each generator step"),
              p_float("beta1", 0.5, 0.0, 0.999, "Adam and AdamW: how much of the past "
                      "gradients the steps keep (momentum); GANs train steadier with 0.5 than "
                      "with Adam's usual 0.9"),
              p_choice("generator_loss", "flip", GENERATOR_LOSSES,
                       "how the generator learns: flip (score its samples against the label "
                       "'real', the non-saturating loss) or reversal (the discriminator's own "
                       "loss passed back through a gradient-reversal layer)"),
              )),
    ("classification", "regression"),
    slot_inputs=gan_inputs, slot_output=gan_output, menu_order=60, step_work=gan_step_work,
    pictures=("gan_balance",), loss=game_loss,
    setting_kinds=own_settings(training=("latent", "d_lr", "d_steps", "beta1", "generator_loss"))))
