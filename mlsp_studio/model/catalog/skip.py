"""Skip blocks: a residual block, output = input + f(input), and a gated block,
output = sigmoid(g(input)) · input. Both keep the input's shape."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, CountRule, Shape, p_choice, p_int
from ..params import ParamSet

SKIP_INPUT = "features (N, F), a signal (N, C, L) or an image (N, C, H, W)"
ACTIVATION_BLOCKS = {"relu": "ReLU", "gelu": "GELU", "tanh": "Tanh", "silu": "SiLU"}


def skip_input(in_shapes: list[Shape]) -> Shape:
    """The single input after checking it is features, a signal or an image."""
    shape = tuple(in_shapes[0])
    if not 1 <= len(shape) <= 3:
        raise ShapeError(f"needs {SKIP_INPUT}")
    return shape


def _odd_kernel(params: dict, shape: Shape) -> int:
    """The kernel size used on maps (1 on vectors); an even one cannot keep the size."""
    if len(shape) == 1:
        return 1
    k = params["kernel_size"]
    if k % 2 == 0:
        raise ShapeError(f"needs an odd kernel_size ({k} is even), so that padding "
                         f"{k // 2} on each side keeps the size", about_input=False)
    return k


def residual_widths(params: dict, shape: Shape) -> list[int]:
    """Widths along f: the input's, ``hidden`` (0: the input's) between layers, the input's."""
    width = shape[0]
    hidden = params["hidden"] or width
    return [width] + [hidden] * (params["layers"] - 1) + [width]


def _gate_widths(params: dict, shape: Shape) -> list[int]:
    """Widths along g: one layer from the input's width to the input's width."""
    return [shape[0], shape[0]]


def _skip_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = skip_input(in_shapes)
    _odd_kernel(params, shape)
    return shape


def _skip_count(widths: Callable[[dict, Shape], list[int]]) -> CountRule:
    """The parameter count of f (or g): a Dense layer or a same-size convolution, with a
    bias, between each two neighbours of ``widths(params, shape)``."""
    def count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        shape = skip_input(in_shapes)
        taps = _odd_kernel(params, shape) ** (len(shape) - 1)
        sizes = widths(params, shape)
        return sum(a * b * taps + b for a, b in zip(sizes, sizes[1:], strict=False))
    return count


BLOCKS = (
    BlockSpec("Residual", "Merge",
              "Adds a learned correction to its input: output = input + f(input), where f is "
              "a few Dense layers (on features) or same-size convolutions (on signals and "
              "images) with an activation between them. The shape does not change. The "
              "gradient reaches earlier layers unchanged through the '+ input' path, so very "
              "deep networks still learn.",
              ParamSet((
                  p_int("layers", 2, 1, 4, "how many Dense or convolution layers f has"),
                  p_choice("activation", "relu", tuple(ACTIVATION_BLOCKS),
                           "the activation between f's layers"),
                  p_int("hidden", 0, 0, 4096, "width (features or channels) inside f; 0 keeps "
                        "the input's width"),
                  p_int("kernel_size", 3, 1, 15, "filter width of f's convolutions on signals "
                        "and images (odd, so the size stays)"))),
              _skip_shape, _skip_count(residual_widths), family="skip"),
    BlockSpec("Gated", "Merge",
              "Lets the network choose, value by value, how much of its input passes: "
              "output = sigmoid(g(input)) · input, where g is a Dense layer (on features) or "
              "a same-size convolution (on signals and images) and sigmoid gives a gate "
              "between 0 (closed) and 1 (open). The shape does not change; where the gate is "
              "open the gradient passes straight through.",
              ParamSet((
                  p_choice("activation", "none", ("none", "tanh"),
                           "what is done to the input before it is gated: none passes it "
                           "as it is, tanh squashes it to -1…1 first"),
                  p_int("kernel_size", 1, 1, 15, "filter width of g's convolution on signals "
                        "and images (odd, so the size stays)"))),
              _skip_shape, _skip_count(_gate_widths), family="skip"),
)
