"""Multi-head attention, the transformer layers and the Conformer block, and the studio's way
of reading the attention weights back.

The first part of this file, down to "the studio's side", is plain torch: an exported script
carries those functions and classes exactly as they are written here (the exporter copies
their source, see ``export/script_attention_blocks.py``), so it may use only torch, ``nn``,
``F`` and the other classes of that part. Attention always takes the fast path,
``F.scaled_dot_product_attention``, which never forms the matrix of attention weights.

The studio's side adds what only the studio needs: ``record_weights`` on every attention
module (or :func:`capture_attention` for a whole network) makes it keep the weights
softmax(QKᵀ/√d + mask) of its last forward pass in ``last_weights``, for the panels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..model.blocks import BlockSpec, Context, Shape
from .builders import BUILDERS

# --- plain torch: exported scripts carry these as written ------------------------------------


def causal_mask(q_len: int, k_len: int, device: torch.device | None = None) -> torch.Tensor:
    """(Lq, Lk) booleans, True where query i may look at key j: j <= i + (Lk - Lq).

    With Lq = Lk this is the usual lower triangle; a shorter query is aligned with the end of
    the keys (its last step sees every key), as when new steps follow known ones.
    """
    ones = torch.ones(q_len, k_len, dtype=torch.bool, device=device)
    return ones.tril(diagonal=k_len - q_len)


class MultiHeadAttention(nn.Module):
    """Multi-head attention: a query sequence (N, Lq, D) looks at a context (N, Lk, Dk) and
    gives (N, Lq, D).

    ``mode`` is "self" (``forward(x)``: the context is the query itself) or "cross"
    (``forward(query, context)``: keys and values come from the context, whose feature size
    Dk may differ). Each of the ``heads`` heads compares every query with every key; a softmax
    turns the scores into weights that sum to 1, and the output is the weighted sum of the
    values. With ``causal``, query i sees key j only when j <= i + (Lk - Lq): no step looks
    at a later one.
    """

    def __init__(self, dim: int, heads: int, mode: str = "self", causal: bool = False,
                 dropout: float = 0.0, context_dim: int | None = None) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"the feature size {dim} is not a multiple of {heads} heads")
        self.dim, self.heads, self.mode, self.causal, self.dropout = \
            dim, heads, mode, causal, dropout
        context_dim = context_dim or dim
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(context_dim, dim)
        self.v_proj = nn.Linear(context_dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # (N, L, D) -> (N, heads, L, D/heads)
        return x.unflatten(-1, (self.heads, self.dim // self.heads)).transpose(1, 2)

    def project(self, query: torch.Tensor, context: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The queries, keys and values, each (N, heads, L, D/heads): the queries made from
        ``query``, the keys and values from ``context`` (the query itself when None)."""
        source = query if context is None else context
        return (self._split(self.q_proj(query)), self._split(self.k_proj(source)),
                self._split(self.v_proj(source)))

    def forward(self, query: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        q, k, v = self.project(query, context)
        q_len, k_len = int(q.shape[-2]), int(k.shape[-2])  # plain ints, also when traced
        square = q_len == k_len
        mask = causal_mask(q_len, k_len, q.device) if self.causal and not square else None
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                             dropout_p=self.dropout if self.training else 0.0,
                                             is_causal=self.causal and square)
        return self.out_proj(out.transpose(1, 2).flatten(2))  # the heads side by side again

    def extra_repr(self) -> str:
        return f"heads={self.heads}, mode={self.mode!r}, causal={self.causal}"


def activation_layer(name: str) -> nn.Module:
    """The feed-forward network's activation: "gelu" or "relu"."""
    return nn.GELU() if name == "gelu" else nn.ReLU()


class TransformerEncoderLayer(nn.Module):
    """Self-attention, then a two-layer network on each step (the feed-forward network). Each
    adds its result to its own input (a residual connection), with a LayerNorm before it
    (``norm_first``) or after the sum.

    The submodules carry the names of ``torch.nn.TransformerEncoderLayer`` (``self_attn``,
    ``linear1``, ``norm1`` ...).
    """

    def __init__(self, dim: int, heads: int, ff: int, dropout: float = 0.1,
                 causal: bool = False, activation: str = "relu", norm_first: bool = True) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, "self", causal, dropout)
        self.linear1 = nn.Linear(dim, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = activation_layer(activation)
        self.norm_first = norm_first

    def _feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm_first:
            x = x + self.dropout1(self.self_attn(self.norm1(x)))
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self.dropout1(self.self_attn(x)))
        return self.norm2(x + self._feed_forward(x))


class TransformerDecoderLayer(nn.Module):
    """Causal self-attention, cross-attention on the encoder's output (``memory``), then a
    two-layer network on each step; each with a residual connection and a LayerNorm (before
    it with ``norm_first``, else after the sum)."""

    def __init__(self, dim: int, heads: int, ff: int, dropout: float = 0.1,
                 causal: bool = True, activation: str = "relu", norm_first: bool = True,
                 memory_dim: int | None = None) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, "self", causal, dropout)
        self.cross_attn = MultiHeadAttention(dim, heads, "cross", False, dropout,
                                             context_dim=memory_dim)
        self.linear1 = nn.Linear(dim, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = activation_layer(activation)
        self.norm_first = norm_first

    def _feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        if self.norm_first:
            x = x + self.dropout1(self.self_attn(self.norm1(x)))
            x = x + self.dropout2(self.cross_attn(self.norm2(x), memory))
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self.dropout1(self.self_attn(x)))
        x = self.norm2(x + self.dropout2(self.cross_attn(x, memory)))
        return self.norm3(x + self._feed_forward(x))


class ConformerFeedForward(nn.Module):
    """LayerNorm, Linear to ``mult`` * D, SiLU, Dropout, Linear back to D, Dropout."""

    def __init__(self, dim: int, mult: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.linear1 = nn.Linear(dim, mult * dim)
        self.act = nn.SiLU()
        self.dropout1 = nn.Dropout(dropout)
        self.linear2 = nn.Linear(mult * dim, dim)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout2(self.linear2(self.dropout1(self.act(self.linear1(self.norm(x))))))


class ConformerConvolution(nn.Module):
    """LayerNorm, pointwise to 2 D and a GLU gate, a depthwise convolution over the steps (one
    filter per feature, 'same' padding), BatchNorm, SiLU, pointwise back to D, Dropout.

    A pointwise convolution is a Linear layer applied to each step: the same thing on (N, L, D).
    """

    def __init__(self, dim: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.pointwise1 = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.batch_norm = nn.BatchNorm1d(dim)
        self.act = nn.SiLU()
        self.pointwise2 = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.glu(self.pointwise1(self.norm(x)), dim=-1).transpose(1, 2)  # (N, D, L)
        h = self.act(self.batch_norm(self.depthwise(h))).transpose(1, 2)   # (N, L, D)
        return self.dropout(self.pointwise2(h))


class ConformerBlock(nn.Module):
    """x + FF(x) / 2, + self-attention, + the convolution module, + FF / 2, then LayerNorm."""

    def __init__(self, dim: int, heads: int, kernel_size: int = 15, ff_mult: int = 4,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.ff1 = ConformerFeedForward(dim, ff_mult, dropout)
        self.attn_norm = nn.LayerNorm(dim)
        self.self_attn = MultiHeadAttention(dim, heads, "self", False, dropout)
        self.attn_dropout = nn.Dropout(dropout)
        self.conv = ConformerConvolution(dim, kernel_size, dropout)
        self.ff2 = ConformerFeedForward(dim, ff_mult, dropout)
        self.final_norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn_dropout(self.self_attn(self.attn_norm(x)))
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(x)
        return self.final_norm(x)


# --- the studio's side: small blocks, recording the weights, builders --------------------------

class Scale(nn.Module):
    """Multiplies its input by a fixed number."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.factor * x

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


class GLU(nn.Module):
    """First half of the last axis times sigmoid of the second half."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(x, dim=-1)


# --- recording the weights --------------------------------------------------------------------
#
# MultiHeadAttention above always takes the fast path, which never forms the weights. For the
# panels the studio adds ``record_weights`` to it here, outside the part scripts carry: while
# it is on, a forward hook computes softmax(QKᵀ/√d + mask) from the same inputs and keeps it,
# detached, in ``last_weights``. The module's output is the fast path's either way.


def attention_weights(module: MultiHeadAttention, query: torch.Tensor,
                      context: torch.Tensor | None = None) -> torch.Tensor:
    """The (N, heads, Lq, Lk) weights with which ``module`` mixes the values for these
    inputs: each query's softmax over its scaled dot products with the keys it may see."""
    q, k, _ = module.project(query, context)
    scores = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5)
    if module.causal:
        mask = causal_mask(int(q.shape[-2]), int(k.shape[-2]), scores.device)
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1)


def _keep_weights(module: MultiHeadAttention, args: tuple, kwargs: dict,
                  output: torch.Tensor) -> None:
    query = args[0] if args else kwargs["query"]
    context = args[1] if len(args) > 1 else kwargs.get("context")
    with torch.no_grad():
        module.last_weights = attention_weights(module, query, context)


def _is_recording(module: MultiHeadAttention) -> bool:
    return vars(module).get("_recording") is not None


def _set_recording(module: MultiHeadAttention, on: bool) -> None:
    handle = vars(module).pop("_recording", None)
    if handle is not None:
        handle.remove()
    if on:
        vars(module)["_recording"] = module.register_forward_hook(_keep_weights,
                                                                   with_kwargs=True)


MultiHeadAttention.record_weights = property(
    _is_recording, _set_recording,
    doc="Whether each forward pass keeps its (N, heads, Lq, Lk) weights in last_weights.")
MultiHeadAttention.last_weights = None  # those of the last pass recorded, else None


# --- reading the weights back --------------------------------------------------------------------

@dataclass(frozen=True)
class AttentionRecord:
    """One attention module's weights from one forward pass.

    ``key`` names the block in the GraphModule (``"n4"``; a nested module adds its path, as in
    ``"n4.cross_attn"``); ``label`` is what the canvas shows ("TransformerDecoderLayer 4",
    plus " · cross" for a layer's cross-attention); ``weights`` is (N, heads, Lq, Lk).
    """

    key: str
    label: str
    weights: torch.Tensor
    causal: bool
    mode: str


def _attention_modules(model: nn.Module) -> Iterator[tuple[str, str, MultiHeadAttention]]:
    """(key, label, module) for every attention module, in network order."""
    blocks = getattr(model, "blocks", None)
    labels = getattr(model, "labels", {})
    if isinstance(blocks, nn.ModuleDict):
        parents = blocks.items()
    else:
        parents = [("", model)]
    for block_key, block in parents:
        label = labels.get(block_key, block_key)
        for name, module in block.named_modules():
            if not isinstance(module, MultiHeadAttention):
                continue
            key = ".".join(part for part in (block_key, name) if part)
            nested_cross = bool(name) and module.mode == "cross"
            shown = (label or name) + (" · cross" if nested_cross and label else "")
            yield key, shown, module


def capture_attention(model: nn.Module,
                      *inputs: torch.Tensor) -> tuple[torch.Tensor, list[AttentionRecord]]:
    """Run ``model`` once with every attention module recording; the output and the records.

    ``model`` is usually a GraphModule: records follow its blocks' order and carry their
    canvas labels; attention inside composite blocks is found too. Runs without gradients,
    in the mode the model is in (call ``eval()`` first to leave dropout out). Each module's
    recording is set back as it was (off) afterwards, even when the forward pass fails.
    """
    found = list(_attention_modules(model))
    before = [module.record_weights for _, _, module in found]
    try:
        for _, _, module in found:
            module.record_weights = True
            module.last_weights = None
        with torch.no_grad():
            output = model(*inputs)
        records = [AttentionRecord(key, label, module.last_weights, module.causal, module.mode)
                   for key, label, module in found if module.last_weights is not None]
    finally:
        for (_, _, module), was in zip(found, before, strict=True):
            module.record_weights = was
            module.last_weights = None
    return output, records


# --- builders ------------------------------------------------------------------------------------

def _build_attention(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                     ctx: Context) -> nn.Module:
    dim = in_shapes[0][-1]
    if spec.type == "MultiHeadAttention":
        context_dim = in_shapes[1][-1] if params["mode"] == "cross" else None
        return MultiHeadAttention(dim, params["heads"], params["mode"], params["causal"],
                                  params["dropout"], context_dim)
    layer = {k: params[k] for k in ("heads", "ff", "dropout", "causal", "activation",
                                    "norm_first") if k in params}
    if spec.type == "TransformerEncoderLayer":
        return TransformerEncoderLayer(dim, **layer)
    if spec.type == "TransformerDecoderLayer":
        return TransformerDecoderLayer(dim, **layer, memory_dim=in_shapes[1][-1])
    if spec.type == "ConformerBlock":
        return ConformerBlock(dim, params["heads"], params["kernel_size"], params["ff_mult"],
                              params["dropout"])
    raise LookupError(f"the 'attention' builder does not know the block {spec.type!r}")


def _build_part(spec: BlockSpec, params: dict, in_shapes: list[Shape],
                ctx: Context) -> nn.Module:
    if spec.type == "SiLU":
        return nn.SiLU()
    if spec.type == "GLU":
        return GLU()
    if spec.type == "Scale":
        return Scale(params["factor"])
    raise LookupError(f"the 'attention_part' builder does not know the block {spec.type!r}")


BUILDERS.register("attention", _build_attention)
BUILDERS.register("attention_part", _build_part)
