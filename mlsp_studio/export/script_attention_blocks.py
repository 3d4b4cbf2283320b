"""Script code for the attention blocks, and the small classes written into the script when a
network uses them (multi-head attention, the transformer layers, the Conformer block).

Each class builds its parameters in the same order, with the same initialisation, as the
studio's module (``nn/attention.py``), so a script seeded alike starts from the same weights.
The script always takes the fast path, ``F.scaled_dot_product_attention``.
"""

from __future__ import annotations

from typing import Any

from ..spec.blocks import BlockSpec, Shape

MULTI_HEAD_ATTENTION = '''\
class MultiHeadAttention(nn.Module):
    """Multi-head attention: a query sequence (N, Lq, D) looks at a context (N, Lk, Dk), which
    is the query itself for self-attention, and gives (N, Lq, D).

    Each head compares every query with every key, a softmax turns the scores into weights
    that sum to 1, and the output is the weighted sum of the values. With causal, query i
    sees key j only when j <= i + (Lk - Lq): no step looks at a later one.
    """

    def __init__(self, dim, heads=4, causal=False, dropout=0.0, context_dim=None):
        super().__init__()
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(context_dim or dim, dim)
        self.v_proj = nn.Linear(context_dim or dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def split(self, x):  # (N, L, D) -> (N, heads, L, D / heads)
        return x.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def forward(self, query, context=None):
        context = query if context is None else context
        q = self.split(self.q_proj(query))
        k, v = self.split(self.k_proj(context)), self.split(self.v_proj(context))
        q_len, k_len = q.shape[2], k.shape[2]
        square = self.causal and q_len == k_len
        mask = None
        if self.causal and not square:
            mask = torch.ones(q_len, k_len, dtype=torch.bool, device=q.device).tril(k_len - q_len)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=square,
                                             dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(out.transpose(1, 2).flatten(2))  # the heads side by side again
'''

ENCODER_LAYER = '''\
class TransformerEncoderLayer(nn.Module):
    """Self-attention, then a two-layer network on each step. Each adds its result to its own
    input (a residual connection), with a LayerNorm before it (norm_first) or after the sum."""

    def __init__(self, dim, heads=4, ff=128, dropout=0.1, causal=False, activation="relu",
                 norm_first=True):
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, causal, dropout)
        self.linear1 = nn.Linear(dim, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = nn.GELU() if activation == "gelu" else nn.ReLU()
        self.norm_first = norm_first

    def feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, x):
        if self.norm_first:
            x = x + self.dropout1(self.self_attn(self.norm1(x)))
            return x + self.feed_forward(self.norm2(x))
        x = self.norm1(x + self.dropout1(self.self_attn(x)))
        return self.norm2(x + self.feed_forward(x))
'''

DECODER_LAYER = '''\
class TransformerDecoderLayer(nn.Module):
    """Causal self-attention, cross-attention on the encoder's output (memory), then a
    two-layer network on each step; each with a residual connection and a LayerNorm."""

    def __init__(self, dim, heads=4, ff=128, dropout=0.1, causal=True, activation="relu",
                 norm_first=True, memory_dim=None):
        super().__init__()
        self.self_attn = MultiHeadAttention(dim, heads, causal, dropout)
        self.cross_attn = MultiHeadAttention(dim, heads, False, dropout, memory_dim)
        self.linear1 = nn.Linear(dim, ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ff, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = nn.GELU() if activation == "gelu" else nn.ReLU()
        self.norm_first = norm_first

    def feed_forward(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, x, memory):
        if self.norm_first:
            x = x + self.dropout1(self.self_attn(self.norm1(x)))
            x = x + self.dropout2(self.cross_attn(self.norm2(x), memory))
            return x + self.feed_forward(self.norm3(x))
        x = self.norm1(x + self.dropout1(self.self_attn(x)))
        x = self.norm2(x + self.dropout2(self.cross_attn(x, memory)))
        return self.norm3(x + self.feed_forward(x))
'''

CONFORMER = '''\
class ConformerFeedForward(nn.Module):
    """LayerNorm, a wider Linear, SiLU, Dropout, Linear back to D, Dropout."""

    def __init__(self, dim, mult, dropout):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.linear1 = nn.Linear(dim, mult * dim)
        self.act = nn.SiLU()
        self.dropout1 = nn.Dropout(dropout)
        self.linear2 = nn.Linear(mult * dim, dim)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout2(self.linear2(self.dropout1(self.act(self.linear1(self.norm(x))))))


class ConformerConvolution(nn.Module):
    """LayerNorm, pointwise to 2 D and a GLU gate, one filter per feature sliding over the
    steps, BatchNorm, SiLU, pointwise back to D, Dropout. (A pointwise convolution is a
    Linear layer applied to each step.)"""

    def __init__(self, dim, kernel_size, dropout):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.pointwise1 = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.batch_norm = nn.BatchNorm1d(dim)
        self.act = nn.SiLU()
        self.pointwise2 = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):  # (N, L, D) -> (N, L, D)
        h = F.glu(self.pointwise1(self.norm(x)), dim=-1).transpose(1, 2)  # (N, D, L)
        h = self.act(self.batch_norm(self.depthwise(h))).transpose(1, 2)
        return self.dropout(self.pointwise2(h))


class ConformerBlock(nn.Module):
    """x + FF(x) / 2, + self-attention, + the convolution part, + FF / 2, then LayerNorm."""

    def __init__(self, dim, heads=4, kernel_size=15, ff_mult=4, dropout=0.1):
        super().__init__()
        self.ff1 = ConformerFeedForward(dim, ff_mult, dropout)
        self.attn_norm = nn.LayerNorm(dim)
        self.self_attn = MultiHeadAttention(dim, heads, False, dropout)
        self.attn_dropout = nn.Dropout(dropout)
        self.conv = ConformerConvolution(dim, kernel_size, dropout)
        self.ff2 = ConformerFeedForward(dim, ff_mult, dropout)
        self.final_norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn_dropout(self.self_attn(self.attn_norm(x)))
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(x)
        return self.final_norm(x)
'''

WIDTH = 100                # the script's longest line
CONTINUATION = " " * 12    # a call's arguments on the lines after it, inside __init__
INIT = 8 + len(" = ")     # what comes before a module on its line in __init__, less its name

NEEDS = {
    "MultiHeadAttention": (MULTI_HEAD_ATTENTION,),
    "TransformerEncoderLayer": (MULTI_HEAD_ATTENTION, ENCODER_LAYER),
    "TransformerDecoderLayer": (MULTI_HEAD_ATTENTION, DECODER_LAYER),
    "ConformerBlock": (MULTI_HEAD_ATTENTION, CONFORMER),
}
ORDER = (MULTI_HEAD_ATTENTION, ENCODER_LAYER, DECODER_LAYER, CONFORMER)


def attention_helpers(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The classes a network of ``(type, params)`` blocks needs, as text to put before its
    class (empty when it uses no attention block)."""
    needed = {text for kind, _ in blocks for text in NEEDS.get(kind, ())}
    return "".join(text + "\n\n" for text in ORDER if text in needed)


def attention_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                         in_shapes: list[Shape]) -> tuple[str | None, str, str] | None:
    """One attention block as (module, forward expression, comment) like ``block_code``, or
    None for a block that is not one of them."""
    kind = spec.type
    x = ins[0] if ins else "x"
    dim = in_shapes[0][-1] if in_shapes else 0
    start = INIT + len(attr)
    if kind == "MultiHeadAttention":
        cross = params["mode"] == "cross"
        module = _call(kind, dim, start=start, heads=_unless(params["heads"], 4),
                       causal=_unless(params["causal"], False),
                       dropout=_unless(params["dropout"], 0.0),
                       context_dim=in_shapes[1][-1] if cross else None)
        return module, f"{attr}({', '.join(ins)})", "cross-attention" if cross else ""
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        decoder = kind == "TransformerDecoderLayer"
        module = _call(kind, dim, start=start, heads=_unless(params["heads"], 4),
                       ff=_unless(params["ff"], 128), dropout=_unless(params["dropout"], 0.1),
                       causal=_unless(params["causal"], decoder),
                       activation=_unless(params["activation"], "relu"),
                       norm_first=_unless(params["norm_first"], True),
                       memory_dim=in_shapes[1][-1] if decoder else None)
        return module, f"{attr}({', '.join(ins)})", ""
    if kind == "ConformerBlock":
        return _call(kind, dim, start=start, heads=_unless(params["heads"], 4),
                     kernel_size=_unless(params["kernel_size"], 15),
                     ff_mult=_unless(params["ff_mult"], 4),
                     dropout=_unless(params["dropout"], 0.1)), f"{attr}({x})", ""
    if kind == "SiLU":
        return None, f"F.silu({x})", ""
    if kind == "GLU":
        return None, f"F.glu({x}, dim=-1)", ""
    if kind == "Scale":
        return None, f"{params['factor']!r} * {x}", ""
    return None


def _unless(value: Any, default: Any) -> Any:
    """``value``, or None (left out of the call) when it is the helper's default anyway."""
    return None if value == default else value


def _call(name: str, *args: Any, start: int = 0, **kwargs: Any) -> str:
    """``name(args, key=value …)``; its arguments go on the next line(s) when the call would
    end past the script's width, starting at column ``start``."""
    words = [_lit(a) for a in args] + [f"{k}={_lit(v)}" for k, v in kwargs.items()
                                       if v is not None]
    line = f"{name}({', '.join(words)})"
    if start + len(line) <= WIDTH:
        return line
    lines, current = [f"{name}("], CONTINUATION
    for i, word in enumerate(words):
        piece = word + ("," if i < len(words) - 1 else ")")
        if current.strip() and len(current) + len(piece) > WIDTH:
            lines.append(current.rstrip())
            current = CONTINUATION
        current += piece + " "
    return "\n".join([*lines, current.rstrip()])


def _lit(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
