"""What each block computes, as a person reads it: its equation in plain notation, a short
sentence for every symbol, and the sizes of the graph filled in. No torch, no Qt.

``block_equation(type, params, in_shapes, out_shape)`` gives an :class:`Equation`, and
``node_equation(graph, analysis, registry, node_id)`` the same for a block of a checked
graph. Every built-in block type has a rule in ``EQUATIONS`` (a test checks it); a new block
type adds one with ``@says("Type")``. What an equation is made of is in ``equation_base.py``;
the rules for the sequence, attention, generative and skip blocks are in ``equations_seq.py``,
and the rest here. Shapes leave the batch axis out, as everywhere in ``model``; a size not
known yet shows as a letter (F, L, …).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import StudioError
from . import equations_seq  # noqa: F401  (registers the other blocks' rules)
from .blocks import BlockRegistry, Shape
from .catalog import BLOCKS
from .equation_base import (
    EQUATIONS,
    UNKNOWN,
    Equation,
    Facts,
    Rule,
    per_position,
    says,
    shape_text,
    subscript,
)

__all__ = ["EQUATIONS", "UNKNOWN", "Equation", "Facts", "Rule", "block_equation",
           "node_equation", "node_shapes", "says", "shapes_words"]


def block_equation(type_name: str, params: Mapping[str, Any] | None = None,
                   in_shapes: tuple[Shape | None, ...] | list[Shape | None] = (),
                   out_shape: Shape | None = None,
                   registry: BlockRegistry = BLOCKS) -> Equation:
    """The equation of a block of ``type_name`` with these settings and shapes; settings left
    out take their defaults, and a block with no rule gets the general ``y = f(x)``."""
    rule = EQUATIONS.get(type_name)
    if rule is None:
        return UNKNOWN
    values = dict(params or {})
    if type_name in registry:
        try:
            values = registry.get(type_name).validate_params(values)
        except StudioError:
            values = registry.get(type_name).validate_params({})
    return rule(Facts(type_name, values, tuple(in_shapes), out_shape))


def node_shapes(graph: Any, analysis: Any, registry: BlockRegistry, node_id: int
                ) -> tuple[tuple[Shape | None, ...], Shape | None]:
    """Block ``node_id``'s input shapes in port order and its output shape, as ``analysis``
    (None: not checked yet) found them; None where unknown."""
    node = graph.nodes[node_id]
    params = dict(analysis.params.get(node_id, node.params)) if analysis else dict(node.params)
    ports: tuple[str, ...] = ("in",)
    if node.type in registry:
        try:
            ports = registry.get(node.type).ports(params)
        except (KeyError, TypeError, ValueError):
            ports = ("in",)
    feeding = {e.port: e.src for e in graph.inputs_of(node_id)}
    shapes = analysis.shapes if analysis is not None else {}
    return (tuple(shapes.get(feeding[p]) if p in feeding else None for p in ports),
            shapes.get(node_id))


def node_equation(graph: Any, analysis: Any, registry: BlockRegistry,
                  node_id: int) -> Equation:
    """The equation of block ``node_id`` of ``graph``, with the sizes its ``analysis`` found
    (None: none known yet)."""
    node = graph.nodes[node_id]
    params = dict(analysis.params.get(node_id, node.params)) if analysis else dict(node.params)
    in_shapes, out = node_shapes(graph, analysis, registry, node_id)
    return block_equation(node.type, params, in_shapes, out, registry)


def shapes_words(eq: Equation, in_shapes: tuple[Shape | None, ...],
                 out_shape: Shape | None) -> str:
    """One line: each input's symbol and shape, then the output's: ``x (N, 2) → y (N, 64)``."""
    ins = [f"{sym} {shape_text(shape)}" for sym, shape in zip(eq.inputs, in_shapes, strict=False)]
    out = f"{eq.output} {shape_text(out_shape)}"
    return f"{', '.join(ins)} → {out}" if ins else out


# --- input, dense layers, activations, dropout, heads ---------------------------------------

@says("Input")
def _input(f: Facts) -> Equation:
    return Equation(("x = one example of the data",),
                    (("x", f"what the data gives at '{f.p('source', 'x')}', {f.shown_out()}; "
                           "N examples are fed at once"),),
                    inputs=(), output="x")


def _linear(f: Facts, out: str, units: str, bias: bool = True) -> tuple[list[str], list]:
    fan_in = f.size(-1, "F")
    plus = " + b" if bias else ""
    lines = [f"{out} = W x{plus}",
             f"{out}_j = Σ_i W_ji · x_i{' + b_j' if bias else ''}    "
             f"(i = 1…{fan_in}, j = 1…{units})"]
    symbols = [("x", f"the input: {fan_in} numbers per example{per_position(f.shape())}"),
               ("W", f"the weights, a {units} × {fan_in} table: row j says how much output j "
                     "takes from each input")]
    if bias:
        symbols.append(("b", f"the bias: {units} numbers, one added to each output"))
    return lines, symbols


LINEAR_NAMES = (("weight", "W"), ("bias", "b"))


@says("Dense")
def _dense(f: Facts) -> Equation:
    units = f.out_size(-1, str(f.p("units", "U")))
    lines, symbols = _linear(f, "y", units, bool(f.p("bias", True)))
    symbols.append(("y", f"the output, {f.shown_out()}: {units} numbers, each a weighted sum "
                         "of all the inputs"))
    return Equation(tuple(lines), tuple(symbols), names=LINEAR_NAMES)


def _elementwise(lines: tuple[str, ...], f: Facts, *more: tuple[str, str],
                 note: str = "") -> Equation:
    symbols = (("x", f"the input, {f.shown()}: each value is changed on its own"), *more,
               ("y", f"the output, the same shape {f.shown_out()}"))
    return Equation(lines, symbols, note)


@says("ReLU")
def _relu(f: Facts) -> Equation:
    return _elementwise(("y = max(0, x)",), f, note="Negative values become 0; the gradient "
                        "passes only where x > 0.")


@says("LeakyReLU")
def _leaky(f: Facts) -> Equation:
    a = f.p("negative_slope", 0.01)
    return _elementwise(("y = x       where x > 0", f"y = {a:g} · x  elsewhere"), f,
                        ("a", f"the slope below 0, here {a:g}"))


@says("GELU")
def _gelu(f: Facts) -> Equation:
    return _elementwise(("y = x · Φ(x)",), f, ("Φ(x)", "the chance that a standard normal "
                                                       "number is below x"))


@says("Tanh")
def _tanh(f: Facts) -> Equation:
    return _elementwise(("y = tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)",), f,
                        note="Every output lies between −1 and 1.")


@says("Sigmoid")
def _sigmoid(f: Facts) -> Equation:
    return _elementwise(("y = σ(x) = 1 / (1 + e⁻ˣ)",), f,
                        note="Every output lies between 0 and 1.")


@says("SiLU")
def _silu(f: Facts) -> Equation:
    return _elementwise(("y = x · σ(x)",), f, ("σ", "the sigmoid, 1 / (1 + e⁻ˣ)"))


@says("Softmax")
def _softmax(f: Facts) -> Equation:
    k = f.size(-1, "K")
    return Equation(("y_k = exp(x_k) / Σ_j exp(x_j)    (j, k = 1…" + k + ")",),
                    (("x", f"the input, {f.shown()}: {k} scores on the last axis"),
                     ("y", f"the output, {f.shown_out()}: {k} probabilities, positive and "
                           "adding up to 1")),
                    "The largest score gets the largest share.")


@says("Dropout")
def _dropout(f: Facts) -> Equation:
    p = f.p("p", 0.5)
    return Equation((f"y = m ⊙ x / (1 − p)    while training, p = {p:g}",
                     "y = x                  at test time"),
                    (("x", f"the input, {f.shown()}"),
                     ("m", f"a fresh random mask at every step: each entry 0 with chance {p:g}, "
                           "else 1"),
                     ("⊙", "multiplication value by value"),
                     ("y", f"the output, the same shape {f.shown_out()}")),
                    "Dividing by 1 − p keeps the average size of the values the same.")


@says("ClassifierHead")
def _classifier(f: Facts) -> Equation:
    k = f.out_size(-1, "K")
    lines, symbols = _linear(f, "z", k)
    lines += ["p_k = exp(z_k) / Σ_j exp(z_j)", "loss = −ln p_c    (in nats)"]
    symbols += [("z", f"the class scores (logits), {f.shown_out()}: one per class"),
                ("p", f"the probabilities of the {k} classes (softmax of the scores)"),
                ("c", "the true class of the example"),
                ("ln", "the natural logarithm")]
    chance = f" (ln {k} = {math.log(int(k)):.2f} nats)" if k.isdigit() and int(k) > 0 else ""
    note = ("Training averages the loss over the batch: a sure right answer costs 0 nats, an "
            f"even guess over the classes ln K{chance}.")
    return Equation(tuple(lines), tuple(symbols), note, output="z", names=LINEAR_NAMES)


@says("RegressionHead")
def _regression(f: Facts) -> Equation:
    k = f.out_size(-1, "K")
    lines, symbols = _linear(f, "ŷ", k)
    lines.append(f"loss = (1/{k}) Σ_k (ŷ_k − t_k)²")
    symbols += [("ŷ", f"the predicted values, {f.shown_out()}"),
                ("t", "the true values of the example")]
    return Equation(tuple(lines), tuple(symbols),
                    "The loss is the mean squared error, averaged over the batch too.",
                    output="ŷ", names=LINEAR_NAMES)


@says("Output", "GradientReversal")
def _output(f: Facts) -> Equation:
    symbols = (("x", f"the input, {f.shown()}"), ("y", f"the network's output, {f.shown_out()}"))
    if f.type == "GradientReversal":
        s = f.p("scale")
        return Equation(("y = x                 on the way forward",
                         f"∂L/∂x = −{s:g} · ∂L/∂y    on the way back"),
                        (*symbols[:1], ("L", "the loss"), ("y", "the output, the same shape")),
                        "The layers before it learn to make the layers after it fail.")
    return Equation(("y = x",), symbols, "The paradigm's loss is worked out on y.")


# --- convolutions, pooling --------------------------------------------------------------------

def _channels(n: str) -> str:
    return f"{n} channel{'' if n == '1' else 's'}"


def _conv_symbols(f: Facts, weights: str) -> list[tuple[str, str]]:
    out = f.out_size(0, str(f.p("out_channels", "O")))
    return [("x", f"the input, {f.shown()}: {_channels(f.size(0, 'C'))}"),
            ("W", weights),
            ("b", "the bias: one number per output channel"),
            ("y", f"the output, {f.shown_out()}: {_channels(out)}")]


CONV_NAMES = LINEAR_NAMES


def _at(place: str, tap: str, stride: int, dilation: int = 1, padding: int = 0) -> str:
    """An input index such as ``2t + u − 1``, leaving out factors of 1 and a padding of 0."""
    text = f"{stride}{place}" if stride != 1 else place
    text += f" + {dilation}{tap}" if dilation != 1 else f" + {tap}"
    return text + (f" − {padding}" if padding else "")


@says("Conv1d", "Conv2d")
def _conv(f: Facts) -> Equation:
    image = f.type == "Conv2d"
    k, s, d = f.p("kernel_size", 3), f.p("stride", 1), f.p("dilation", 1)
    pad = 0 if f.p("causal") else f.p("padding", 1)
    if image:
        line = (f"y[o,i,j] = b[o] + Σ_c Σ_u Σ_v W[o,c,u,v] · x[c, {_at('i', 'u', s, d, pad)}, "
                f"{_at('j', 'v', s, d, pad)}]")
        taps = f"{k} × {k}"
    else:
        causal = f" − {d * (k - 1)}" if f.p("causal") else ""
        line = f"y[o,t] = b[o] + Σ_c Σ_u W[o,c,u] · x[c, {_at('t', 'u', s, d, pad)}{causal}]"
        taps = f"{k}"
    groups = f.p("groups", 1)
    inside = ("every input channel" if groups == 1
              else f"the channels of its group, {groups} groups")
    symbols = _conv_symbols(f, f"the filters: one window of {taps} weights per output channel "
                               f"and input channel ({inside})")
    symbols.insert(3, ("u, v" if image else "u", f"the place inside the window, 0…{k - 1}"))
    note = ("Each output value is a weighted sum over a small window of the input; the same "
            "filter slides over every place.")
    if f.p("causal"):
        note += " Causal: the window ends at the present step, with zeros before the start."
    return Equation((line,), tuple(symbols), note, names=CONV_NAMES)


@says("ConvTranspose1d", "ConvTranspose2d")
def _conv_transpose(f: Facts) -> Equation:
    k, s, p = f.p("kernel_size", 2), f.p("stride", 2), f.p("padding", 0)
    image = f.type.endswith("2d")
    where = (f"[o, {_at('i', 'u', s, 1, p)}, {_at('j', 'v', s, 1, p)}]" if image
             else f"[o, {_at('t', 'u', s, 1, p)}]")
    at = "[c, i, j]" if image else "[c, t]"
    lines = (f"y{where} += W[c,o,{'u,v' if image else 'u'}] · x{at}",
             "    added up over every input channel c, input place and window place",
             "y[o, …] += b[o]")
    symbols = _conv_symbols(f, f"the filters: for each input channel and output channel a "
                               f"window of {k}{' × ' + str(k) if image else ''} weights")
    return Equation(lines, tuple(symbols), "Each input value is spread over a window of the "
                    f"output, {s} places apart: the output is about {s} times larger.",
                    names=CONV_NAMES)


@says("MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d")
def _pool(f: Facts) -> Equation:
    k, p = f.p("kernel_size", 2), f.p("padding", 0)
    s = f.p("stride", 0) or k
    image = f.type.endswith("2d")
    biggest = f.type.startswith("Max")
    window = (f"x[c, {_at('i', 'u', s, 1, p)}, {_at('j', 'v', s, 1, p)}]" if image
              else f"x[c, {_at('t', 'u', s, 1, p)}]")
    place, over = ("[c,i,j]", "u, v") if image else ("[c,t]", "u")
    op = "max" if biggest else "mean"
    return Equation((f"y{place} = {op} over {over} = 0…{k - 1} of {window}",),
                    (("x", f"the input, {f.shown()}"),
                     (over, f"the place inside the window of {k}"
                            f"{' × ' + str(k) if image else ''}"),
                     ("y", f"the output, {f.shown_out()}: one value per window, windows "
                           f"{s} apart")),
                    "The largest value of each window is kept." if biggest else
                    "Each window is replaced by its average.")


@says("GlobalAvgPool1d", "GlobalMaxPool1d", "GlobalAvgPool2d", "GlobalMaxPool2d")
def _global_pool(f: Facts) -> Equation:
    image = f.type.endswith("2d")
    biggest = "Max" in f.type
    if image:
        h, w = f.size(1, "H"), f.size(2, "W")
        line = ("y[c] = max over i, j of x[c,i,j]" if biggest
                else f"y[c] = (1 / ({h}·{w})) Σ_i Σ_j x[c,i,j]")
    else:
        n = f.size(1, "L")
        line = ("y[c] = max over t of x[c,t]" if biggest
                else f"y[c] = (1/{n}) Σ_t x[c,t]")
    return Equation((line,), (("x", f"the input, {f.shown()}: {_channels(f.size(0, 'C'))}"),
                              ("y", f"the output, {f.shown_out()}: one number per channel")),
                    "However large the input, the output has one number per channel.")


# --- norms, reshaping, merging ----------------------------------------------------------------

@says("BatchNorm")
def _batchnorm(f: Facts) -> Equation:
    eps = f.p("eps", 1e-5)
    over = "the batch" if f.shape() is not None and len(f.shape()) == 1 else \
        "the batch and every place"
    lines = [f"μ_c = mean of x_c over {over}",
             f"σ²_c = mean of (x_c − μ_c)² over {over}",
             "y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c"]
    symbols = [("x_c", f"the values of channel c, {f.shown()}"),
               ("μ_c, σ²_c", "the channel's mean and variance"),
               ("ε", f"a small number, {eps:g}, so nothing is divided by 0")]
    if f.p("affine", True):
        symbols.append(("γ_c, β_c", "a learned scale and shift per channel"))
    symbols.append(("y", f"the output, the same shape {f.shown_out()}"))
    return Equation(tuple(lines), tuple(symbols),
                    "At test time μ and σ² are running averages kept while training, so one "
                    "example gives the same answer in any batch.",
                    names=(("weight", "γ"), ("bias", "β"), ("running_mean", "μ (running)"),
                           ("running_var", "σ² (running)")))


@says("LayerNorm")
def _layernorm(f: Facts) -> Equation:
    d, eps = f.size(-1, "D"), f.p("eps", 1e-5)
    lines = [f"μ = (1/{d}) Σ_i x_i", f"σ² = (1/{d}) Σ_i (x_i − μ)²",
             "y_i = γ_i · (x_i − μ) / √(σ² + ε) + β_i"]
    symbols = [("x", f"the input, {f.shown()}: {d} numbers on the last axis"
                     f"{per_position(f.shape())}"),
               ("μ, σ²", "their mean and variance, for each example on its own"),
               ("ε", f"a small number, {eps:g}, so nothing is divided by 0")]
    if f.p("elementwise_affine", True):
        symbols.append(("γ, β", f"a learned scale and shift, {d} numbers each"))
    symbols.append(("y", f"the output, the same shape {f.shown_out()}"))
    return Equation(tuple(lines), tuple(symbols), "It does the same while training and at "
                    "test time.", names=(("weight", "γ"), ("bias", "β")))


@says("Flatten", "Reshape")
def _reshape(f: Facts) -> Equation:
    n = math.prod(f.shape()) if f.shape() is not None else "n"
    return Equation((f"y = the same {n} values, laid out as {f.shown_out()}",),
                    (("x", f"the input, {f.shown()}"),
                     ("y", f"the output, {f.shown_out()}")),
                    "Nothing is computed: the values are read row after row in a new shape.")


@says("Upsample")
def _upsample(f: Facts) -> Equation:
    s = f.p("scale_factor", 2)
    image = f.shape() is not None and len(f.shape()) == 3
    if f.p("mode", "nearest") == "nearest":
        line = (f"y[c,i,j] = x[c, ⌊i/{s}⌋, ⌊j/{s}⌋]" if image else f"y[c,t] = x[c, ⌊t/{s}⌋]")
        note = f"Each value is repeated {s} times along every axis."
    else:
        line = "y = a blend of the nearest input values, weighted by how close they are"
        note = "Linear (bilinear on images) interpolation."
    return Equation((line,), (("x", f"the input, {f.shown()}"),
                              ("y", f"the output, {f.shown_out()}: {s} times larger")), note)


@says("Add", "Multiply", "Concat")
def _merge(f: Facts) -> Equation:
    n = len(f.in_shapes) or int(f.p("inputs", 2))
    xs = tuple(f"x{subscript(i + 1)}" for i in range(n))
    symbols = [(x, f"input {i + 1}, {f.shown(i)}") for i, x in enumerate(xs)]
    if f.type == "Concat":
        line = f"y = [{' ; '.join(xs)}]    joined along axis {f.p('axis', 0)}"
        note = "The inputs are put side by side; nothing is computed."
    elif f.type == "Multiply":
        line = "y = " + " ⊙ ".join(xs)
        note = "⊙ multiplies value by value: a value near 0 in one input shuts the others."
    else:
        line = "y = " + " + ".join(xs)
        note = "Value by value; as a skip connection the gradient reaches each input whole."
    symbols.append(("y", f"the output, {f.shown_out()}"))
    return Equation((line,), tuple(symbols), note, inputs=xs)
