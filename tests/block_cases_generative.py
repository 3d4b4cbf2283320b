"""Parameter sets and input shapes for the generative blocks, in the format of
``test_block_contract.CASES``: ``(params, [input shapes without the batch axis], Context)``,
and a digits network that uses every one of them for the export tests."""

from __future__ import annotations

import torch
from block_helpers import case, wired_graph

from mlsp_studio.model.blocks import Context, Shape
from mlsp_studio.model.graph import Graph


def class_ids(name: str, params: dict, shape: Shape, ctx: Context,
              batch: int) -> torch.Tensor | None:
    """Class ids stored as numbers, from -1 ("no class") to one past the last class, for a
    ConditionEmbedding; None for the other blocks. The ids carry no gradient."""
    if name != "ConditionEmbedding":
        return None
    classes = params["classes"] or ctx.num_classes
    return torch.randint(-1, classes + 1, (batch, *shape)).float()


GEN_CASES: dict[str, list[tuple]] = {
    "TimeEmbedding": [case({}, (1,)), case({"dim": 2, "hidden": 1}, (1,)),
                      case({"dim": 7, "hidden": 3}, (1,)),       # odd dim: a padded 0 feature
                      case({"dim": 64, "hidden": 256}, (1,)),
                      case({"dim": 16, "hidden": 16}, (1,), ctx=Context(num_classes=3))],
    "ConditionEmbedding": [case({"classes": 3}, (1,)),
                           case({}, (1,), ctx=Context(num_classes=10)),
                           case({"dim": 1, "classes": 1}, (1,)),
                           case({"dim": 5, "classes": 2}, (1,), ctx=Context(num_classes=7)),
                           case({"dim": 64, "classes": 0}, (1,), ctx=Context(num_classes=2))],
    "ResBlock": [case({}, (16, 8, 8), (32,)),
                 case({"channels": 6, "groups": 4}, (4, 5, 7), (3,)),
                 case({"channels": 5}, (1, 8, 8), (2,)),
                 case({"conditioned": False}, (12, 9)),
                 case({"channels": 8, "groups": 2}, (6, 11), (4,)),
                 case({"channels": 3, "conditioned": False, "groups": 1}, (2, 1, 1)),
                 case({"channels": 7}, (3,), (5,)),
                 case({"conditioned": False}, (9,)),
                 case({"channels": 1, "groups": 16}, (1, 1), (1,))],
    "GradientReversal": [case({}, (4,)), case({"scale": 0.0}, (3, 5)),
                         case({"scale": 2.5}, (2, 4, 4)), case({"scale": 100.0}, (1,)),
                         case({"scale": 0.1}, (7, 1))],
    "ProjectionHead": [case({}, (16,)), case({"hidden": 1, "out": 1}, (1,)),
                       case({"hidden": 32, "out": 8}, (64,)),
                       case({"hidden": 3, "out": 5}, (7,)),
                       case({"hidden": 200, "out": 2}, (10,))],
}


def export_graph() -> Graph:
    """A digits network (1, 8, 8) that uses every generative block, for the script export
    test: the script reads only ``x``, so the time step and class come from Dense layers."""
    return wired_graph([
        (1, "Input", {}, []), (2, "Flatten", {}, [1]), (3, "Dense", {"units": 1}, [2]),
        (4, "Scale", {"factor": 20.0}, [3]),                  # t spans several steps
        (5, "TimeEmbedding", {"dim": 9, "hidden": 12}, [4]),
        (6, "Dense", {"units": 1}, [2]), (7, "Scale", {"factor": -26.0}, [6]),  # 10: no class
        (8, "ConditionEmbedding", {"dim": 9}, [7]), (9, "Add", {}, [5, 8]),
        (10, "ResBlock", {"channels": 4}, [1, 9]),
        (11, "ResBlock", {"conditioned": False, "groups": 2}, [10]),
        (12, "Reshape", {"shape": [8, 32]}, [11]), (13, "ResBlock", {"channels": 6}, [12, 5]),
        (14, "GlobalAvgPool1d", {}, [13]), (15, "ResBlock", {"channels": 5}, [14, 8]),
        (16, "ResBlock", {"conditioned": False}, [15]),
        (17, "GradientReversal", {"scale": 0.5}, [16]),
        (18, "ProjectionHead", {"hidden": 16, "out": 8}, [17]), (19, "ClassifierHead", {}, [18]),
    ])


# Inputs that do not fit, as (block, params, input shapes, words in the message, about_input)
# like ``test_block_contract.INVALID``.
GEN_INVALID: list[tuple] = [
    ("TimeEmbedding", {}, [(3,)], "needs the time step: one number per example, (N, 1)", True),
    ("ConditionEmbedding", {"classes": 4}, [(2, 1)], "needs the class: one number", True),
    ("ConditionEmbedding", {}, [(1,)], "set 'classes' or pick a dataset with classes", False),
    ("ResBlock", {}, [(8, 4, 4), (3, 4)], "needs a vector (N, D) at its cond input, got (N, 3, 4)",
     False),
    ("ResBlock", {"conditioned": False}, [(2, 3, 4, 5)],
     "needs an image (N, C, H, W), a signal (N, C, L) or features (N, F) at its in input", True),
    ("ProjectionHead", {}, [(3, 4)], "needs one vector per example, (N, F)", True),
]
