"""Settings of the normalizing-flow paradigm: a stack of affine coupling layers maps the data
to a standard normal, one invertible step at a time, and learns by maximum likelihood. The
network on the canvas is each coupling's conditioner."""

from __future__ import annotations

import math
from typing import Any

from ...model.blocks import Context, Shape, p_float, p_int
from ...model.metric_units import LossMeaning
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings
from ...model.step_work import Pass, StepWork, Update, own_plain_ops, setting


def flow_sizes(data: Context) -> tuple[int, int] | None:
    """(kept, changed): how many numbers of an example each coupling keeps (the conditioner
    reads them) and how many it changes; None when the data is not numbers at least two."""
    x = data.inputs.get("x")
    if x is None:
        return None
    dim = math.prod(int(d) for d in x)
    return (dim // 2, dim - dim // 2) if dim >= 2 else None


def flow_inputs(slot: str, hparams: dict[str, Any], data: Context) -> Context:
    """The conditioner reads the coordinates its coupling keeps (the input ``kept``): half of
    each example, flattened (one number on the plane). Not ``x``: it is not the data itself."""
    sizes = flow_sizes(data)
    return Context({"kept": (sizes[0] if sizes else 1,)}, num_classes=data.num_classes,
                   num_targets=data.num_targets)


def flow_output(slot: str, hparams: dict[str, Any], data: Context) -> tuple[Shape, str] | None:
    sizes = flow_sizes(data)
    if sizes is None:
        return None
    changed = sizes[1]
    return ((2 * changed,), f"a log-scale and a shift for each of the {changed} coordinate(s) "
            "the coupling changes: the first half scales, the second half shifts")


# torch operations of one coupling layer beyond its conditioner (train_parts.Coupling): the
# kept and changed halves cut out, the conditioner's output split in two, each half bounded
# (divided, tanh, multiplied), the exponential, the affine change, the halves joined, the
# log-scales summed and added to the log-determinant
COUPLING_OPS = 14
# the flow's own around the couplings: standardising the batch, starting the
# log-determinant, the Gaussian's log-density and the mean
FLOW_OPS = 12


def flow_step_work(hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
    """The conditioner runs once per coupling layer (each its own copy, all in one optimiser),
    each coupling adding its own arithmetic over the example's numbers, forward and back;
    the batch gets its jitter."""
    layers = int(setting(hparams, "layers", 8))
    ctx = contexts.get("conditioner")
    kept = ctx.inputs.get("kept", (1,))[0] if ctx is not None else 1
    dim = 2 * int(kept)
    jitter = setting(hparams, "noise", 0.0) > 0
    return StepWork((Pass("conditioner", layers),),
                    (Update(("conditioner",), copies=layers),),
                    trained_ops=COUPLING_OPS * layers + FLOW_OPS,
                    plain_ops=(3 if jitter else 0) + own_plain_ops(hparams),
                    values=2 * 3 * COUPLING_OPS * layers * dim, draws=dim if jitter else 0)


PARADIGM_SPECS.register(ParadigmSpec(
    "flow", "Normalizing flow (RealNVP)",
    "A stack of invertible affine coupling layers carries the data to a standard normal. Each "
    "coupling keeps half of the coordinates and scales and shifts the other half by amounts "
    "its conditioner (the network on the canvas, one copy per coupling) reads off the kept "
    "half; the layers alternate which half they keep. The change of variables gives the exact "
    "log-likelihood, so the flow learns by maximum likelihood (the loss is the negative "
    "log-likelihood in nats per example) and draws samples by running backwards from noise.",
    ("conditioner",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_int("layers", 8, 1, 64, "how many coupling layers the flow stacks; each has "
                    "its own copy of the conditioner, and they alternate the half they keep"),
              p_float("scale_bound", 1.5, 0.1, 10.0, "the largest log-scale one coupling may "
                      "apply (s = bound · tanh(raw / bound)): a bound keeps training stable"),
              p_float("shift_bound", 3.0, 0.1, 100.0, "the largest shift one coupling may "
                      "apply, in the model's units (the data standardised): a point off the "
                      "data is not flung further at every layer"),
              p_float("grad_clip", 0.0, 0.0, 1000.0, "cap on the gradient's norm at each step; "
                      "0 = none"),
              p_float("noise", 0.0, 0.0, 10.0, "standard deviation of the Gaussian noise "
                      "added to every training batch, in the data's units (noise "
                      "regularisation): the density comes out a little smoother, and points "
                      "just outside the training data are no longer judged all but impossible; "
                      "0 = none"),
              )),
    ("classification", "regression"),
    slot_inputs=flow_inputs, slot_output=flow_output, menu_order=75, step_work=flow_step_work,
    pictures=("flow_density", "flow_samples", "flow_layers"),
    loss=LossMeaning("negative log-likelihood", "nats per example"),
    setting_kinds=own_settings(live=("grad_clip",),
                               training=("layers", "scale_bound", "shift_bound", "noise"))))
