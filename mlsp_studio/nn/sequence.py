"""Torch modules and builders for the sequence blocks (see ``model/catalog/sequence.py``).

Every module takes and gives tensors with the batch axis first; sequences are (N, L, D).

An exported script carries ``sinusoid_table``, ``PositionalEncoding``, ``last_state``,
``open_gate``, ``AttentionPooling`` and ``PatchEmbedding`` exactly as they are written here
(``export/script_seq_blocks.py`` copies their source), so they use only numpy, torch and
``nn``, which every script imports, and nothing of the studio's.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..model.blocks import BlockSpec, Context, Shape
from ..model.catalog.sequence import embedding_vocab
from .builders import BUILDERS


class TokenEmbedding(nn.Embedding):
    """``nn.Embedding`` that also takes token ids stored as floats: (N, L) -> (N, L, dim)."""

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return super().forward(ids.long())


def sinusoid_table(length: int, dim: int) -> torch.Tensor:
    """The fixed position pattern of "Attention is all you need", (length, dim).

    Even columns hold sin(pos / 10000^(2i/dim)), odd columns the cos of the same angle: each
    pair of columns is a wave slower than the one before. An odd ``dim`` ends on a sine column.
    """
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    speed = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32)
                      * float(-np.log(10000.0) / dim))  # 10000^(-2i/dim)
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * speed)
    table[:, 1::2] = torch.cos(position * speed[: dim // 2])
    return table


class PositionalEncoding(nn.Module):
    """Adds a pattern that depends on each token's position: (N, L, D) -> (N, L, D), for any
    L up to max_len.

    ``kind`` is "sinusoidal" (fixed waves, see ``sinusoid_table``; not saved with the
    weights), "learned" (one trained vector per position) or "none" (adds nothing).
    """

    def __init__(self, kind: str, max_len: int, dim: int) -> None:
        super().__init__()
        self.kind, self.max_len = kind, max_len
        if kind == "learned":
            self.table = nn.Parameter(torch.zeros(max_len, dim))
            nn.init.normal_(self.table, std=0.02)
        elif kind == "sinusoidal":
            self.register_buffer("table", sinusoid_table(max_len, dim), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return x
        length = x.shape[1]
        if length > self.max_len:
            raise ValueError(f"the positional encoding handles sequences up to {self.max_len} "
                             f"tokens; this one has {length} — raise max_len")
        return x + self.table[:length]  # the first L positions

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, max_len={self.max_len}"


TRACE_GATES = {"RNN": (), "LSTM": ("input gate", "forget gate", "output gate", "candidate"),
               "GRU": ("reset gate", "update gate", "candidate")}


@torch.no_grad()
def open_gate(rnn: nn.Module, bias: float) -> nn.Module:
    """Start an LSTM's forget gate (a GRU's update gate) at ``bias``, in every layer and
    direction: the second block of ``bias_ih``, with that of ``bias_hh`` at 0. Above 0 the
    layer at first keeps most of its state from step to step, so gradients reach far back
    and it can learn long gaps. Returns ``rnn``."""
    hidden = rnn.hidden_size
    for name, value in rnn.named_parameters():
        if name.startswith(("bias_ih", "bias_hh")):
            value[hidden:2 * hidden] = bias if name.startswith("bias_ih") else 0.0
    return rnn


def last_state(out: torch.Tensor, hidden: int) -> torch.Tensor:
    """The final state (N, 2 hidden) of a bidirectional recurrent layer, from its outputs
    (N, L, 2 hidden): the forward direction after the last step joined with the backward
    direction after the first step, so each half has read the whole sequence."""
    return torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=-1)


class Recurrent(nn.Module):
    """An RNN, LSTM or GRU over (N, L, F): every step's state (N, L, H·dirs), or the final
    state (N, H·dirs) with ``return_sequence`` off.

    The final state of a bidirectional layer joins the forward direction's last step with the
    backward direction's first step: each has then read the whole sequence.
    """

    def __init__(self, cell: str, features: int, hidden: int, layers: int = 1,
                 bidirectional: bool = False, return_sequence: bool = True,
                 dropout: float = 0.0, gate_bias: float = 0.0) -> None:
        super().__init__()
        kinds = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
        self.cell, self.hidden = cell, hidden
        self.bidirectional, self.return_sequence = bidirectional, return_sequence
        self.rnn = kinds[cell](features, hidden, num_layers=layers, batch_first=True,
                               bidirectional=bidirectional,
                               dropout=dropout if layers > 1 else 0.0)
        if gate_bias:
            open_gate(self.rnn, gate_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.rnn(x)[0]
        if self.return_sequence:
            return out
        if self.bidirectional:
            return last_state(out, self.hidden)
        return out[:, -1]

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> dict:
        """The first layer's forward direction for ONE example x (T, F), step by step from its
        weights: ``{"hidden": (T, H), "cell": (T, H) or None, "gates": [(name, (T, H))]}``."""
        rnn = self.rnn
        x = x.to(rnn.weight_ih_l0)  # its dtype and device
        w_ih, w_hh = rnn.weight_ih_l0, rnn.weight_hh_l0
        b_ih, b_hh = rnn.bias_ih_l0, rnn.bias_hh_l0
        h = x.new_zeros(self.hidden)
        c = x.new_zeros(self.hidden)
        hidden, cells, gates = [], [], []
        for x_t in x:
            seen = w_ih @ x_t + b_ih       # what the input says, for every gate at once
            kept = w_hh @ h + b_hh         # what the previous state says
            if self.cell == "RNN":
                h = torch.tanh(seen + kept)
            elif self.cell == "LSTM":
                i, f, g, o = (seen + kept).chunk(4)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c = f * c + i * g
                h = o * torch.tanh(c)
                gates.append((i, f, o, g))
                cells.append(c)
            else:  # GRU
                seen_r, seen_z, seen_n = seen.chunk(3)
                kept_r, kept_z, kept_n = kept.chunk(3)
                r, z = torch.sigmoid(seen_r + kept_r), torch.sigmoid(seen_z + kept_z)
                n = torch.tanh(seen_n + r * kept_n)
                h = (1 - z) * n + z * h
                gates.append((r, z, n))
            hidden.append(h)
        columns = [torch.stack(column) for column in zip(*gates, strict=True)]
        return {"hidden": torch.stack(hidden),
                "cell": torch.stack(cells) if self.cell == "LSTM" else None,
                "gates": list(zip(TRACE_GATES[self.cell], columns, strict=True))}

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, return_sequence={self.return_sequence}"


class AttentionPooling(nn.Module):
    """Sums a sequence into one vector, (N, L, D) -> (N, D): each token x_t gets a score
    vᵀ tanh(W x_t + b), a softmax over the tokens turns the scores into weights, and the
    output is the weighted sum of the tokens."""

    def __init__(self, features: int, hidden: int) -> None:
        super().__init__()
        self.score = nn.Linear(features, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """Each token's weight, (N, L): positive, summing to 1 over the tokens."""
        return torch.softmax(self.v(torch.tanh(self.score(x))).squeeze(-1), dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.weights(x).unsqueeze(-1) * x).sum(dim=1)


class AttentionPoolingModule(AttentionPooling):
    """The studio's attention pooling: with ``record_weights`` on, each forward pass keeps its
    weights (N, L), detached, in ``last_weights`` for the panels."""

    def __init__(self, features: int, hidden: int) -> None:
        super().__init__(features, hidden)
        self.record_weights = False
        self.last_weights: torch.Tensor | None = None

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        weights = super().weights(x)
        if self.record_weights:
            self.last_weights = weights.detach()
        return weights


def capture_pooling(model: nn.Module, *inputs: torch.Tensor
                    ) -> tuple[torch.Tensor, list[tuple[str, str, torch.Tensor]]]:
    """Run a GraphModule once with every attention-pooling block recording its weights.

    Returns the model's output and ``(key, label, weights (N, L))`` per pooling module, in
    network order. Recording is switched off again afterwards, even on error.
    """
    found: list[tuple[str, str, AttentionPoolingModule]] = []
    for key, block in model.blocks.items():
        for module in block.modules():
            if isinstance(module, AttentionPoolingModule):
                found.append((key, model.labels.get(key, key), module))
    for _, _, module in found:
        module.last_weights = None
        module.record_weights = True
    try:
        output = model(*inputs)
    finally:
        for _, _, module in found:
            module.record_weights = False
    records = [(key, label, module.last_weights) for key, label, module in found
               if module.last_weights is not None]
    return output, records


class PatchEmbedding(nn.Module):
    """Cuts an image into square patches and turns each into a vector, (N, C, H, W) ->
    (N, L, dim): a convolution whose kernel and stride are both the patch size. A learned
    class token goes first when asked for."""

    def __init__(self, channels: int, patch: int, dim: int, class_token: bool) -> None:
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, patch, stride=patch)
        self.class_token = None
        if class_token:
            self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
            nn.init.normal_(self.class_token, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.proj(x).flatten(2).transpose(1, 2)  # (N, L, dim): a token per patch
        if self.class_token is None:
            return tokens
        first = self.class_token.expand(x.shape[0], -1, -1)
        return torch.cat([first, tokens], dim=1)


class TakeToken(nn.Module):
    """(N, L, D) -> (N, D): the token at ``index`` (negative counts from the end)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.index]

    def extra_repr(self) -> str:
        return f"index={self.index}"


class Transpose(nn.Module):
    """(N, A, B) -> (N, B, A)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.transpose(1, 2)


class RepeatVector(nn.Module):
    """(N, D) -> (N, times, D): the same vector at every step."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1).repeat(1, self.times, 1)

    def extra_repr(self) -> str:
        return f"times={self.times}"


# --- builders ------------------------------------------------------------------------------

def _build_embedding(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                     ctx: Context) -> nn.Module:
    return TokenEmbedding(embedding_vocab(params, ctx), params["dim"])


def _build_posenc(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                  ctx: Context) -> nn.Module:
    return PositionalEncoding(params["kind"], params["max_len"], in_shapes[0][-1])


def _build_recurrent(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                     ctx: Context) -> nn.Module:
    return Recurrent(spec.type, in_shapes[0][-1], params["hidden"], params["layers"],
                     params["bidirectional"], params["return_sequence"], params["dropout"],
                     params.get("gate_bias", 0.0))


def _build_attention_pool(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                          ctx: Context) -> nn.Module:
    return AttentionPoolingModule(in_shapes[0][-1], params["hidden"])


def _build_patch_embed(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                       ctx: Context) -> nn.Module:
    return PatchEmbedding(in_shapes[0][0], params["patch"], params["dim"],
                                params["class_token"])


for _family, _fn in (
    ("embedding", _build_embedding),
    ("posenc", _build_posenc),
    ("recurrent", _build_recurrent),
    ("attention_pool", _build_attention_pool),
    ("patch_embed", _build_patch_embed),
    ("token_select", lambda spec, params, in_shapes, ctx: TakeToken(params["index"])),
    ("transpose", lambda spec, params, in_shapes, ctx: Transpose()),
    ("repeat", lambda spec, params, in_shapes, ctx: RepeatVector(params["times"])),
):
    BUILDERS.register(_family, _fn)
del _family, _fn
