"""Valid parameter sets and input shapes for the attention blocks, for the block contract test
(``tests/test_block_contract.py`` merges them into its CASES). Shapes carry no batch axis."""

from __future__ import annotations

from block_helpers import case, wired_graph

from mlsp_studio.model.graph import Graph

CASES: dict[str, list[tuple]] = {
    "MultiHeadAttention": [
        case({}, (10, 16)), case({"heads": 1}, (1, 3)), case({"heads": 8, "causal": True},
                                                              (7, 32)),
        case({"heads": 2, "dropout": 0.5}, (5, 6)),
        case({"mode": "cross"}, (6, 8), (9, 12)),
        case({"mode": "cross", "heads": 2, "causal": True}, (4, 6), (7, 5)),
        case({"mode": "cross", "heads": 3, "causal": True}, (5, 9), (5, 9)),
        case({"mode": "cross", "heads": 1}, (3, 4), (1, 2)),
    ],
    "TransformerEncoderLayer": [
        case({}, (10, 16)), case({"heads": 1, "ff": 1}, (1, 2)),
        case({"heads": 2, "ff": 32, "causal": True, "activation": "gelu"}, (6, 8)),
        case({"norm_first": False, "dropout": 0.0}, (5, 12)),
        case({"heads": 8, "ff": 64, "norm_first": False, "activation": "gelu",
              "dropout": 0.9}, (3, 24)),
    ],
    "TransformerDecoderLayer": [
        case({}, (10, 16), (12, 16)), case({"heads": 1, "ff": 4}, (1, 2), (1, 2)),
        case({"heads": 2, "causal": False, "activation": "gelu"}, (6, 8), (3, 5)),
        case({"norm_first": False, "dropout": 0.0}, (5, 12), (9, 12)),
        case({"heads": 4, "ff": 16, "norm_first": False}, (2, 8), (7, 20)),
    ],
    "ConformerBlock": [
        case({}, (20, 16)), case({"heads": 1, "kernel_size": 3, "ff_mult": 1}, (2, 2)),
        case({"heads": 2, "kernel_size": 31, "dropout": 0.0}, (8, 6)),
        case({"kernel_size": 63, "ff_mult": 8}, (5, 4)),
        case({"heads": 3, "kernel_size": 5, "ff_mult": 2, "dropout": 0.5}, (9, 9)),
    ],
    "SiLU": [case({}, (4,)), case({}, (3, 5)), case({}, (2, 4, 4)), case({}, (1,)),
             case({}, (7, 2))],
    "GLU": [case({}, (4,)), case({}, (3, 6)), case({}, (2, 4, 4)), case({}, (2,)),
            case({}, (5, 1, 8))],
    "Scale": [case({}, (4,)), case({"factor": -2.0}, (3, 5)), case({"factor": 0.0}, (2, 4, 4)),
              case({"factor": 100.0}, (1,)), case({"factor": 0.25}, (6, 3))],
}

INVALID = [
    # name, params, shapes, words the message must hold, about the input?
    ("MultiHeadAttention", {}, [(16,)], "needs a sequence (N, L, D)", True),
    ("MultiHeadAttention", {"heads": 3}, [(5, 16)], "feature size (16) to be a multiple of "
                                                   "heads (3)", True),
    ("MultiHeadAttention", {"mode": "cross"}, [(5, 16), (8,)], "a context sequence", True),
    ("MultiHeadAttention", {"mode": "cross", "causal": True}, [(5, 16), (3, 16)],
     "a context at least as long as the query", True),
    ("TransformerEncoderLayer", {}, [(2, 3, 16)], "needs a sequence", True),
    ("TransformerEncoderLayer", {"heads": 5}, [(2, 16)], "multiple of heads (5)", True),
    ("TransformerDecoderLayer", {}, [(4, 16), (16,)], "a memory sequence", True),
    ("ConformerBlock", {"kernel_size": 4}, [(8, 16)], "odd kernel_size", False),
    ("ConformerBlock", {"heads": 3}, [(8, 16)], "multiple of heads (3)", True),
    ("GLU", {}, [(5, 7)], "an even number of features", True),
]


def export_graph() -> Graph:
    """A digits network (1, 8, 8) that uses every attention block, for the export tests."""
    return wired_graph([
        (1, "Input", {}, []), (2, "Reshape", {"shape": [8, 8]}, [1]),
        (3, "TransformerEncoderLayer", {"heads": 2, "ff": 16, "causal": True,
                                        "activation": "gelu"}, [2]),
        (4, "Dense", {"units": 6}, [2]),
        (5, "TransformerDecoderLayer", {"heads": 2, "ff": 12, "norm_first": False}, [3, 4]),
        (6, "Reshape", {"shape": [16, 4]}, [2]),
        (7, "MultiHeadAttention", {"mode": "cross", "heads": 4, "causal": True}, [5, 6]),
        (8, "ConformerBlock", {"heads": 2, "kernel_size": 3, "ff_mult": 2}, [7]),
        (9, "Dense", {"units": 8}, [8]), (10, "GLU", {}, [9]), (11, "SiLU", {}, [10]),
        (12, "Scale", {"factor": -1.5}, [11]),
        (13, "MultiHeadAttention", {"heads": 1, "dropout": 0.2}, [12]),
        (14, "Flatten", {}, [13]), (15, "ClassifierHead", {}, [14]),
    ])
