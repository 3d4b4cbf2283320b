"""Parameter sets and input shapes for the sequence blocks, in the format of
``test_block_contract.CASES``: ``(params, [input shapes without the batch axis], Context)``."""

from __future__ import annotations

import torch
from block_helpers import case

from mlsp_studio.model.blocks import Context, Shape

TOKEN_BLOCKS = {"Embedding"}  # blocks that read token ids rather than numbers


def token_ids(name: str, params: dict, shape: Shape, ctx: Context,
              batch: int) -> torch.Tensor | None:
    """Random token ids (int64, within the vocabulary) for a block that reads tokens; None for
    the others, which take random numbers."""
    if name not in TOKEN_BLOCKS:
        return None
    vocab = params["vocab"] or ctx.vocab_size
    return torch.randint(0, vocab, (batch, *shape))


def _recurrent_cases() -> list[tuple]:
    return [case({}, (10, 3)), case({"hidden": 5, "return_sequence": False}, (7, 4)),
            case({"hidden": 6, "bidirectional": True}, (5, 2)),
            case({"hidden": 4, "bidirectional": True, "return_sequence": False}, (6, 3)),
            case({"hidden": 3, "layers": 3, "dropout": 0.2}, (4, 5)),
            case({"hidden": 2, "layers": 2, "bidirectional": True, "return_sequence": False,
                  "dropout": 0.5}, (1, 1))]


CASES: dict[str, list[tuple]] = {
    "Embedding": [case({"vocab": 10}, (7,)), case({"dim": 8}, (5,), ctx=Context(vocab_size=30)),
                  case({"vocab": 1, "dim": 1}, (1,)),
                  case({"vocab": 50, "dim": 16}, (20,), ctx=Context(vocab_size=40)),
                  case({"vocab": 0, "dim": 3}, (64,), ctx=Context(vocab_size=2))],
    "PositionalEncoding": [case({}, (10, 8)), case({"kind": "learned", "max_len": 16}, (16, 4)),
                           case({"kind": "none"}, (5, 3)),
                           case({"kind": "sinusoidal", "max_len": 7}, (3, 5)),   # odd D
                           case({"kind": "learned", "max_len": 1}, (1, 1)),
                           case({"kind": "none", "max_len": 2}, (9, 2))],
    "RNN": _recurrent_cases(),
    "LSTM": _recurrent_cases(),
    "GRU": _recurrent_cases(),
    "AttentionPooling": [case({}, (10, 8)), case({"hidden": 1}, (1, 1)),
                         case({"hidden": 5}, (7, 3)), case({"hidden": 16}, (2, 32)),
                         case({"hidden": 3}, (30, 2))],
    "PatchEmbedding": [case({}, (1, 8, 8)), case({"patch": 2, "dim": 6, "class_token": False},
                                                 (3, 4, 6)),
                       case({"patch": 1, "dim": 3}, (2, 3, 2)),
                       case({"patch": 7, "dim": 5}, (1, 7, 14)),
                       case({"patch": 4, "dim": 1, "class_token": False}, (4, 4, 4))],
    "TakeToken": [case({}, (5, 4)), case({"index": -1}, (5, 4)), case({"index": 4}, (5, 4)),
                  case({"index": -5}, (5, 2)), case({"index": 0}, (1, 1))],
    "Transpose": [case({}, (5, 4)), case({}, (1, 7)), case({}, (3, 3)), case({}, (8, 1)),
                  case({}, (2, 16))],
    "RepeatVector": [case({}, (4,)), case({"times": 1}, (3,)), case({"times": 5}, (1,)),
                     case({"times": 30}, (8,)), case({"times": 2}, (16,))],
}
