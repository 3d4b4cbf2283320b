"""Script code for the generative blocks, and the small classes written into the script when a
network uses them (time and class embeddings, the residual block, gradient reversal).

Those classes are the studio's own, copied from ``nn/generative.py`` as they are written
there, so a script builds its parameters in the same order and with the same initialisation,
and a script seeded alike starts from the same weights.
"""

from __future__ import annotations

from typing import Any

from ..model.blocks import BlockSpec, Shape
from ..model.catalog.generative import group_count
from .source_copy import source_of

GENERATIVE = "mlsp_studio.nn.generative"
TIME_EMBEDDING = source_of(GENERATIVE, "MAX_PERIOD", "time_frequencies", "TimeEmbedding")
CONDITION_EMBEDDING = source_of(GENERATIVE, "ConditionEmbedding")
RES_BLOCK = source_of(GENERATIVE, "ResBlock")
REVERSE_GRADIENT = source_of(GENERATIVE, "ReverseGradient")

NEEDS = {"TimeEmbedding": TIME_EMBEDDING, "ConditionEmbedding": CONDITION_EMBEDDING,
         "ResBlock": RES_BLOCK, "GradientReversal": REVERSE_GRADIENT}
ORDER = (TIME_EMBEDDING, CONDITION_EMBEDDING, RES_BLOCK, REVERSE_GRADIENT)


def generative_helpers(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The classes a network of ``(type, params)`` blocks needs, as text to put before its
    class (empty when it uses no generative block)."""
    needed = {NEEDS[kind] for kind, _ in blocks if kind in NEEDS}
    return "".join(text + "\n\n" for text in ORDER if text in needed)


def generative_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                          in_shapes: list[Shape], out_shape: Shape,
                          count: int) -> tuple[str | None, str, str] | None:
    """One generative block as (module, forward expression, comment) like ``block_code``, or
    None for a block that is not one of them. ``count`` is its number of parameters."""
    kind = spec.type
    x = ins[0] if ins else "x"
    shape = in_shapes[0] if in_shapes else ()
    if kind == "TimeEmbedding":
        return _call(kind, params["dim"], params["hidden"]), f"{attr}({x})", ""
    if kind == "ConditionEmbedding":
        classes = count // params["dim"] - 1  # classes 0 follows the data: the count knows
        return _call(kind, classes, params["dim"]), f"{attr}({x})", \
            f"class ids 0 to {classes - 1}; any other number means 'no class'"
    if kind == "ResBlock":
        dims = len(shape) - 1
        groups = None
        if dims:
            groups = (group_count(shape[0], params["groups"]),
                      group_count(out_shape[0], params["groups"]))
        module = _call(kind, shape[0], out_shape[0], dims,
                       cond_dim=in_shapes[1][0] if params["conditioned"] else None,
                       groups=groups)
        return module, f"{attr}({', '.join(ins)})", ""
    if kind == "GradientReversal":
        scale = params["scale"]
        return None, f"ReverseGradient.apply({x}, {scale!r})", \
            f"the same values; the gradient comes back times -{scale!r}"
    if kind == "ProjectionHead":
        module = (f"nn.Sequential(nn.Linear({shape[0]}, {params['hidden']}), nn.ReLU(), "
                  f"nn.Linear({params['hidden']}, {params['out']}))")
        return module, f"{attr}({x})", ""
    return None


def _call(name: str, *args: Any, **kwargs: Any) -> str:
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"{name}({', '.join(words)})"
