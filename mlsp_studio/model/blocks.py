"""Block metadata: ports, typed parameters, a pure-Python shape rule, a parameter count and
what the block costs (multiply-adds, values kept for the backward pass).

Shapes here never include the batch dimension: a Dense output of 64 features is ``(64,)``,
shown to the person as ``(N, 64)``. The torch builder for each block lives in ``nn/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParamError
from .params import ParamSet, ParamSpec
from .registry import SpecRegistry

Shape = tuple[int, ...]

CATEGORIES = ("Input", "Core", "Activation", "Convolution", "Pooling", "Normalization",
              "Reshape", "Merge", "Sequence", "Attention", "Generative", "Output")


@dataclass(frozen=True)
class Context:
    """What a graph's shapes depend on outside the graph: the dataset's input and targets.

    ``inputs`` maps an Input block's ``source`` name (``"x"`` for the usual single input) to
    the shape the data gives it; ``num_classes`` and ``num_targets`` fill output heads whose
    size is left at 0 ("from the dataset"); ``vocab_size`` fills an Embedding whose vocabulary
    is left at 0 (token data: how many different token ids the data uses).
    """

    inputs: Mapping[str, Shape] = field(default_factory=dict)
    num_classes: int = 0
    num_targets: int = 0
    vocab_size: int = 0


ShapeRule = Callable[[dict[str, Any], list[Shape], Context], Shape]
CountRule = Callable[[dict[str, Any], list[Shape], Context], int]
PortsRule = Callable[[dict[str, Any]], tuple[str, ...]]


def format_shape(shape: Shape | None) -> str:
    """``(64,)`` → ``(N, 64)``; ``None`` → ``?``."""
    if shape is None:
        return "?"
    return "(" + ", ".join(["N", *[str(d) for d in shape]]) + ")"


def no_params(params: dict[str, Any], in_shapes: list[Shape], ctx: Context) -> int:
    return 0


def a_view(params: dict[str, Any], in_shapes: list[Shape], ctx: Context) -> int:
    """The kept rule of a block whose output is its input seen in another shape (flattened,
    transposed, one token of it): it keeps nothing new for the backward pass."""
    return 0


def no_macs(params: dict[str, Any], in_shapes: list[Shape], ctx: Context) -> int:
    """The cost rule of a block that does no matrix product (elementwise work, pooling,
    norms, lookups, reshaping): 0 multiply-adds."""
    return 0


def no_ops(params: dict[str, Any], in_shapes: list[Shape], ctx: Context) -> int:
    """The ops rule of a block that runs no torch operation of its own (it hands its input
    on as it is)."""
    return 0


@dataclass(frozen=True)
class BlockSpec:
    """What the studio knows about one block type, without torch.

    ``shape_rule(params, in_shapes, ctx)`` returns the output shape or raises
    :class:`~mlsp_studio.errors.ShapeError` with a sentence that starts after the block's
    name, e.g. ``"needs a 4-D input (N, C, H, W)"``; the graph adds who feeds it.
    ``input_ports(params)`` names the input ports (most blocks: ``("in",)``); every block has
    exactly one output. ``family`` names the torch builder family in ``nn/``.

    ``macs(params, in_shapes, ctx)`` gives the multiply-adds of ONE example's forward pass
    through the block, counting the products of matrices only: dense layers, convolutions,
    the recurrent layers' weights and attention's query-key and weight-value products (the
    work PyTorch's own flop counter sees); elementwise work (activations, norms, pooling,
    additions) counts 0. ``None`` means the cost is unknown, and the studio says so; a
    composite block (``model/composite.py``) with no rule of its own costs what its parts
    cost. ``kept(params, in_shapes, ctx)`` gives how many values one example leaves held for
    the backward pass (the output included); ``None`` means just the output.

    For the time a step takes, ``ops(params, in_shapes, ctx)`` gives how many torch operations
    its forward pass runs on a batch, each adding one step to the backward pass (what
    autograd records; ``None``: one), and ``tensors(params, in_shapes, ctx)`` how many weight
    tensors the optimiser updates one by one (``None``: a weight matrix and its bias when the
    block has weights, else none). Each costs a fixed time whatever its size.
    ``draws(params, in_shapes, ctx)`` gives the random numbers one example draws while
    training (dropout's; ``None``: none), and ``convs(params, in_shapes, ctx)`` how many
    convolutions it runs on a batch (``None``: none): each costs a fixed time to set up on
    top of its operation, far more than an elementwise operation's. ``heads(params,
    in_shapes, ctx)`` gives the attention heads one example runs (``None``: none): PyTorch's
    attention works one example's head at a time, each with a fixed cost.
    """

    type: str
    category: str
    doc: str
    params: ParamSet
    shape_rule: ShapeRule
    param_count: CountRule = no_params
    input_ports: PortsRule = lambda params: ("in",)
    family: str = ""
    is_output: bool = False
    macs: CountRule | None = None
    kept: CountRule | None = None
    ops: CountRule | None = None
    tensors: CountRule | None = None
    draws: CountRule | None = None
    convs: CountRule | None = None
    heads: CountRule | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.type}: unknown category {self.category!r}")

    def validate_params(self, values: Mapping[str, Any] | None, owner: str = "") -> dict[str, Any]:
        return self.params.validate(dict(values or {}), owner or self.type)

    def ports(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        return self.input_ports(dict(params))


class BlockRegistry(SpecRegistry[BlockSpec]):
    """Block types by name. Registering a name twice is an error, built-ins included."""

    key, taken = "type", "a block called {name!r} is already registered"

    def _unknown(self, name: object) -> Exception:
        return ParamError(f"unknown block type {name!r}")

    def by_category(self) -> dict[str, list[BlockSpec]]:
        out: dict[str, list[BlockSpec]] = {c: [] for c in CATEGORIES}
        for spec in self:
            out.setdefault(spec.category, []).append(spec)
        return {k: v for k, v in out.items() if v}


def p_int(name: str, default: int, lo: int | None = None, hi: int | None = None,
          doc: str = "") -> ParamSpec:
    return ParamSpec(name, "int", default, lo, hi, doc=doc)


def p_float(name: str, default: float, lo: float | None = None, hi: float | None = None,
            doc: str = "", log_scale: bool = False) -> ParamSpec:
    return ParamSpec(name, "float", default, lo, hi, doc=doc, log_scale=log_scale)


def p_bool(name: str, default: bool, doc: str = "") -> ParamSpec:
    return ParamSpec(name, "bool", default, doc=doc)


def p_choice(name: str, default: Any, choices: tuple[Any, ...], doc: str = "") -> ParamSpec:
    return ParamSpec(name, "choice", default, choices=choices, doc=doc)


def p_ints(name: str, default: tuple[int, ...], lo: int | None = None, hi: int | None = None,
           length: int | None = None, min_length: int = 0, max_length: int = 8,
           doc: str = "") -> ParamSpec:
    return ParamSpec(name, "ints", tuple(default), lo, hi, length=length, min_length=min_length,
                     max_length=max_length, doc=doc)
