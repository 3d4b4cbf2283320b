"""Input, Dense, activations, Dropout and the output heads."""

from __future__ import annotations

import math

from ...errors import ShapeError
from ..blocks import (
    BlockSpec,
    Context,
    Shape,
    a_view,
    no_macs,
    no_ops,
    p_bool,
    p_choice,
    p_float,
    p_int,
    p_ints,
)
from ..params import ParamSet, ParamSpec


def _input_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    source = params["source"]
    given = tuple(params["shape"])
    from_data = ctx.inputs.get(source)
    if from_data is not None and given and tuple(from_data) != given:
        raise ShapeError(f"is set to {_fmt(given)} but the data gives {_fmt(from_data)}; "
                         "set its shape to empty to follow the data", about_input=False)
    shape = given or (tuple(from_data) if from_data is not None else ())
    if not shape:
        raise ShapeError(f"has no shape: the data has no input called {source!r} "
                         "and none is set on the block", about_input=False)
    return shape


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"


def _last_dim(in_shapes: list[Shape], what: str) -> int:
    shape = in_shapes[0]
    if len(shape) < 1:
        raise ShapeError(f"needs {what}")
    return shape[-1]


def _dense_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    _last_dim(in_shapes, "at least one feature axis, (N, F)")
    return (*in_shapes[0][:-1], params["units"])


def _dense_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    fan_in = in_shapes[0][-1]
    return fan_in * params["units"] + (params["units"] if params["bias"] else 0)


def dense_macs(shape: Shape, units: int) -> int:
    """Multiply-adds of a dense layer with ``units`` outputs on an input of ``shape``: one
    product of the last axis with the weights for every position along the other axes."""
    return math.prod(shape[:-1]) * shape[-1] * units


def _dense_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return dense_macs(in_shapes[0], params["units"])


def dense_ops(shape: Shape) -> int:
    """Torch operations of a dense layer on an input of ``shape``: the product and the view of
    the weights transposed; on more than one axis the rows are also viewed flat and back."""
    return 2 if len(shape) <= 1 else 4


def _dense_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return dense_ops(in_shapes[0])


def _dense_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 2 if params["bias"] else 1


def _dropout_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 1 if params["p"] > 0 else 0  # p = 0 hands its input on


def _dropout_draws(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return math.prod(in_shapes[0]) if params["p"] > 0 else 0  # a draw per value


def _same(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    return in_shapes[0]


def _head(name: str, doc: str, key: str, from_data: str) -> BlockSpec:
    """An output head: a dense layer with a bias and ``params[key]`` outputs, or as many as
    the dataset gives (``ctx.<from_data>``) when that is 0."""

    def size(params: dict, ctx: Context) -> int:
        value = params[key] or getattr(ctx, from_data)
        if value <= 0:
            raise ShapeError(f"does not know how many {key} to give: set '{key}' or pick a "
                             "dataset", about_input=False)
        return value

    def shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
        _last_dim(in_shapes, "at least one feature axis, (N, F)")
        return (*in_shapes[0][:-1], size(params, ctx))

    def count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        units = size(params, ctx)
        return in_shapes[0][-1] * units + units

    def macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        return dense_macs(in_shapes[0], size(params, ctx))

    return BlockSpec(name, "Output", doc,
                     ParamSet((p_int(key, 0, 0, 100000, f"number of {key}; 0 follows the "
                                     "dataset"),)),
                     shape, count, family="head", is_output=True, macs=macs,
                     ops=_dense_ops)


def _activation(name: str, doc: str, *specs: ParamSpec) -> BlockSpec:
    return BlockSpec(name, "Activation", doc, ParamSet(specs), _same, family="activation",
                     macs=no_macs)


BLOCKS = (
    BlockSpec("Input", "Input", "Where the data enters the network. Its shape comes from the "
              "dataset unless set here.",
              ParamSet((ParamSpec("source", "str", "x", doc="which input of the data feeds it"),
                        p_ints("shape", (), 1, 1 << 20, doc="shape without the batch axis; "
                               "empty follows the data"))),
              _input_shape, input_ports=lambda params: (), family="input", macs=no_macs),
    BlockSpec("Dense", "Core", "A fully connected layer: every output is a weighted sum of all "
              "inputs plus a bias. Works on the last axis.",
              ParamSet((p_int("units", 64, 1, 65536, "number of outputs"),
                        p_bool("bias", True, "add a learned bias"))),
              _dense_shape, _dense_count, family="dense", macs=_dense_macs, ops=_dense_ops,
              tensors=_dense_tensors),
    _activation("ReLU", "max(0, x): keeps positive values, zeroes the rest."),
    _activation("LeakyReLU", "Like ReLU, but lets a small slope through for negative values.",
                p_float("negative_slope", 0.01, 0.0, 1.0, "slope for x < 0")),
    _activation("GELU", "A smooth ReLU used in transformers: x times the chance a standard "
                "normal is below x."),
    _activation("Tanh", "Squashes values into (-1, 1)."),
    _activation("Sigmoid", "Squashes values into (0, 1)."),
    _activation("Softmax", "Turns the last axis into probabilities that sum to 1."),
    BlockSpec("Dropout", "Core", "While training, zeroes each value with probability p and "
              "scales the rest up; does nothing at test time.",
              ParamSet((p_float("p", 0.5, 0.0, 0.95, "chance of dropping a value"),)),
              _same, family="dropout", macs=no_macs, ops=_dropout_ops, draws=_dropout_draws),
    _head("ClassifierHead", "The class scores (logits): a dense layer with one output per "
          "class. Training uses softmax + cross-entropy on it.", "classes", "num_classes"),
    _head("RegressionHead", "The predicted values: a dense layer with one output per "
          "target. Training uses the mean squared error.", "outputs", "num_targets"),
    BlockSpec("Output", "Output", "Marks the network's output as it is, with no layer of its "
              "own.", ParamSet(()), _same, family="identity", is_output=True,
              macs=no_macs, kept=a_view, ops=no_ops),
)

__all__ = ["BLOCKS", "p_choice"]
