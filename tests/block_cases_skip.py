"""Parameter sets and input shapes for the skip blocks (Residual, Gated) in the format of
``test_block_contract.CASES``, shapes that do not fit, and a digits network using both."""

from __future__ import annotations

from block_helpers import case, wired_graph

from mlsp_studio.model.graph import Graph

SKIP_CASES: dict[str, list[tuple]] = {
    "Residual": [case({}, (16,)), case({"layers": 1}, (3, 8, 8)),
                 case({"layers": 3, "hidden": 5, "activation": "tanh"}, (4, 11)),
                 case({"hidden": 7, "kernel_size": 5, "activation": "gelu"}, (2, 6, 5)),
                 case({"layers": 4, "activation": "silu"}, (1,)),
                 case({"kernel_size": 1, "hidden": 2}, (6, 1, 1))],
    "Gated": [case({}, (12,)), case({"activation": "tanh"}, (3, 8, 8)),
              case({"kernel_size": 3}, (4, 9)), case({"kernel_size": 5}, (2, 5, 7)),
              case({"activation": "tanh", "kernel_size": 3}, (1,)),
              case({}, (1, 1))],
}

# Inputs that do not fit, as (block, params, input shapes, words in the message, about_input).
SKIP_INVALID: list[tuple] = [
    ("Residual", {}, [(2, 3, 4, 5)], "needs features (N, F), a signal (N, C, L) or an image",
     True),
    ("Residual", {"kernel_size": 4}, [(3, 8, 8)], "needs an odd kernel_size (4 is even)", False),
    ("Gated", {"kernel_size": 2}, [(3, 9)], "needs an odd kernel_size (2 is even)", False),
    ("Gated", {}, [()], "needs features (N, F), a signal (N, C, L) or an image", True),
]


def skip_graph() -> Graph:
    """A digits network (1, 8, 8) that uses both skip blocks on images and on vectors."""
    return wired_graph([
        (1, "Input", {}, []), (2, "Conv2d", {"out_channels": 4}, [1]),
        (3, "Residual", {"hidden": 6}, [2]), (4, "Gated", {"kernel_size": 3}, [3]),
        (5, "Flatten", {}, [4]), (6, "Residual", {"layers": 3, "activation": "gelu"}, [5]),
        (7, "Gated", {"activation": "tanh"}, [6]), (8, "ClassifierHead", {}, [7]),
    ])
