"""What every block's equation is made of: :class:`Equation`, the :class:`Facts` a rule is
given, and the registry of rules (``EQUATIONS``, ``@says``). The rules themselves are in
``equations.py`` and ``equations_seq.py``; import ``equations`` to have them all."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .blocks import Shape, format_shape


@dataclass(frozen=True)
class Equation:
    """One block's equation.

    ``lines`` are the equations, top to bottom, in plain Unicode (``y = W x + b``);
    ``symbols`` pairs each symbol with a sentence saying what it is, with its size;
    ``note`` is one more thing worth knowing (what changes at test time, which loss).
    ``inputs`` names the symbol of each input port in port order and ``output`` that of the
    output; ``names`` maps the torch names of the block's learned tensors to their symbols
    (``weight`` → ``W``), so live numbers can be shown under the right letter.
    """

    lines: tuple[str, ...]
    symbols: tuple[tuple[str, str], ...] = ()
    note: str = ""
    inputs: tuple[str, ...] = ("x",)
    output: str = "y"
    names: tuple[tuple[str, str], ...] = ()

    def symbol_of(self, name: str) -> str:
        """The symbol of a learned tensor by its torch name (``"weight"``, ``"0.bias"``), or
        the name itself when the equation has no letter for it."""
        return dict(self.names).get(name, name)


@dataclass(frozen=True)
class Facts:
    """What a rule is given: the block's ``type``, its checked ``params``, its inputs' shapes
    (one per port, None where unknown) and its output's."""

    type: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    in_shapes: tuple[Shape | None, ...] = ()
    out: Shape | None = None

    def p(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def shape(self, port: int = 0) -> Shape | None:
        return self.in_shapes[port] if port < len(self.in_shapes) else None

    def size(self, axis: int, letter: str, port: int = 0) -> str:
        """The size of an input's axis as text, or ``letter`` when it is not known."""
        return _size(self.shape(port), axis, letter)

    def out_size(self, axis: int, letter: str) -> str:
        return _size(self.out, axis, letter)

    def shown(self, port: int = 0) -> str:
        """An input's shape as the canvas shows it, ``(N, 2)``."""
        return shape_text(self.shape(port))

    def shown_out(self) -> str:
        return shape_text(self.out)


Rule = Callable[[Facts], Equation]
EQUATIONS: dict[str, Rule] = {}
"""The rule of every block type, by type."""


def says(*types: str) -> Callable[[Rule], Rule]:
    """Register a rule for these block types (a decorator); a type given twice is refused."""
    def add(rule: Rule) -> Rule:
        for name in types:
            if name in EQUATIONS:
                raise ValueError(f"two equations for the block {name!r}")
            EQUATIONS[name] = rule
        return rule
    return add


def _size(shape: Shape | None, axis: int, letter: str) -> str:
    if shape is None or not -len(shape) <= axis < len(shape):
        return letter
    return str(shape[axis])


def shape_text(shape: Shape | None) -> str:
    return format_shape(shape) if shape is not None else "(N, …)"


def per_position(shape: Shape | None) -> str:
    """Words for a layer that works on the last axis of an input with more axes."""
    if shape is None or len(shape) < 2:
        return ""
    return f", the same at each of the {math.prod(shape[:-1])} positions before the last axis"


UNKNOWN = Equation(("y = f(x)",), (("f", "what this block does to its input; no equation "
                                         "is written for it yet"),))


def subscript(i: int) -> str:
    """``12`` → ``₁₂``."""
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))
