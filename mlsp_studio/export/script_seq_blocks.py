"""Script code for the sequence blocks: plain ``nn`` layers, and a few small classes written
into the script when a network uses them (positional encoding, attention pooling, patches).

Each helper class builds its parameters in the same order, with the same initialisation, as
the studio's module (``nn/sequence.py``), so a script seeded alike starts from the same
weights.
"""

from __future__ import annotations

from typing import Any

from ..spec.blocks import BlockSpec, Shape

RECURRENT = ("RNN", "LSTM", "GRU")

POSITIONAL_ENCODING = '''\
class PositionalEncoding(nn.Module):
    """Adds a pattern that depends on each token's position: (N, L, D) -> (N, L, D).

    "sinusoidal": fixed waves, sin on the even features and cos on the odd ones, each pair
    slower than the one before; "learned": one trained vector per position.
    """

    def __init__(self, kind, max_len, dim):
        super().__init__()
        if kind == "learned":
            self.table = nn.Parameter(torch.zeros(max_len, dim))
            nn.init.normal_(self.table, std=0.02)
        else:
            position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
            speed = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32)
                              * float(-np.log(10000.0) / dim))
            table = torch.zeros(max_len, dim)
            table[:, 0::2] = torch.sin(position * speed)
            table[:, 1::2] = torch.cos(position * speed[: dim // 2])
            self.register_buffer("table", table, persistent=False)

    def forward(self, x):
        return x + self.table[: x.shape[1]]  # the first L positions
'''

LAST_STATE = '''\
def last_state(out, hidden):
    """The final state of a bidirectional recurrent layer, from its outputs (N, L, 2 hidden):
    the forward direction after the last step and the backward one after the first step."""
    return torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=-1)
'''

OPEN_GATE = '''\
@torch.no_grad()
def open_gate(rnn, bias):
    """Start an LSTM's forget gate (a GRU's update gate) at ``bias`` in every layer: above 0
    the layer at first keeps its state from step to step, so it can learn long gaps."""
    hidden = rnn.hidden_size
    for name, value in rnn.named_parameters():
        if name.startswith(("bias_ih", "bias_hh")):
            value[hidden:2 * hidden] = bias if name.startswith("bias_ih") else 0.0
    return rnn
'''

ATTENTION_POOLING = '''\
class AttentionPooling(nn.Module):
    """Sums a sequence into one vector: each token gets a score v . tanh(W x + b), a softmax
    over the tokens turns the scores into weights, and the output is the weighted sum."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.score = nn.Linear(dim, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, x):  # (N, L, D) -> (N, D)
        weights = torch.softmax(self.v(torch.tanh(self.score(x))).squeeze(-1), dim=-1)
        return (weights.unsqueeze(-1) * x).sum(dim=1)
'''

PATCH_EMBEDDING = '''\
class PatchEmbedding(nn.Module):
    """Cuts an image into square patches and turns each into a vector (a convolution whose
    stride is its size), with a learned class token first when asked for."""

    def __init__(self, channels, patch, dim, class_token):
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, patch, stride=patch)
        self.class_token = None
        if class_token:
            self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
            nn.init.normal_(self.class_token, std=0.02)

    def forward(self, x):  # (N, C, H, W) -> (N, L, dim)
        tokens = self.proj(x).flatten(2).transpose(1, 2)
        if self.class_token is None:
            return tokens
        return torch.cat([self.class_token.expand(len(x), -1, -1), tokens], dim=1)
'''


def seq_helpers(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The helper classes and functions a network of ``(type, params)`` blocks needs, as text
    to put before its class (empty when it needs none)."""
    needed = []
    for kind, params in blocks:
        if kind == "PositionalEncoding" and params["kind"] != "none":
            needed.append(POSITIONAL_ENCODING)
        elif kind in RECURRENT and params["bidirectional"] and not params["return_sequence"]:
            needed.append(LAST_STATE)
        elif kind == "AttentionPooling":
            needed.append(ATTENTION_POOLING)
        elif kind == "PatchEmbedding":
            needed.append(PATCH_EMBEDDING)
        if kind in RECURRENT and params.get("gate_bias"):
            needed.append(OPEN_GATE)
    order = (POSITIONAL_ENCODING, LAST_STATE, OPEN_GATE, ATTENTION_POOLING, PATCH_EMBEDDING)
    return "".join(text + "\n\n" for text in order if text in needed)


def seq_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                   in_shapes: list[Shape], out_shape: Shape,
                   count: int) -> tuple[str | None, str | None, str] | None:
    """One sequence block as (module, forward expression, comment) like ``block_code``, or
    None for a block that is not a sequence block. ``count`` is its number of parameters."""
    kind = spec.type
    shape = in_shapes[0] if in_shapes else ()
    x = ins[0] if ins else "x"
    if kind == "Embedding":
        vocab = params["vocab"] or count // params["dim"]  # 0 follows the data
        return _call("nn.Embedding", vocab, params["dim"]), f"{attr}({x}.long())", \
            "each token id picks one learned row of the table"
    if kind == "PositionalEncoding":
        if params["kind"] == "none":
            return None, None, ""
        return _call("PositionalEncoding", params["kind"], params["max_len"], shape[-1]), \
            f"{attr}({x})", ""
    if kind in RECURRENT:
        return _recurrent(kind, params, attr, x, shape)
    if kind == "AttentionPooling":
        return _call("AttentionPooling", shape[-1], params["hidden"]), f"{attr}({x})", ""
    if kind == "PatchEmbedding":
        return _call("PatchEmbedding", shape[0], params["patch"], params["dim"],
                     class_token=params["class_token"]), f"{attr}({x})", ""
    if kind == "TakeToken":
        return None, f"{x}[:, {params['index']}]", ""
    if kind == "Transpose":
        return None, f"{x}.transpose(1, 2)", ""
    if kind == "RepeatVector":
        return None, f"{x}.unsqueeze(1).repeat(1, {params['times']}, 1)", \
            "the same vector at every step"
    return None


def _recurrent(kind: str, params: dict[str, Any], attr: str, x: str,
               shape: Shape) -> tuple[str, str, str]:
    layers, hidden = params["layers"], params["hidden"]
    dropout = params["dropout"] if layers > 1 else 0.0
    module = _call(f"nn.{kind}", shape[-1], hidden, num_layers=None if layers == 1 else layers,
                   batch_first=True, bidirectional=params["bidirectional"] or None,
                   dropout=dropout or None)
    if params.get("gate_bias"):
        module = f"open_gate({module}, {params['gate_bias']!r})"
    outputs = f"{attr}({x})[0]"  # every step's state; [1] would be the final (h, c)
    if params["return_sequence"]:
        return module, outputs, ""
    if params["bidirectional"]:
        return module, f"last_state({outputs}, {hidden})", \
            "forward direction after the last step, backward after the first"
    return module, f"{outputs}[:, -1]", "the state after the last step"


def _call(name: str, *args: Any, **kwargs: Any) -> str:
    words = [_lit(a) for a in args] + [f"{k}={_lit(v)}" for k, v in kwargs.items()
                                       if v is not None]
    return f"{name}({', '.join(words)})"


def _lit(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
