"""Script code for the generative blocks, and the small classes written into the script when a
network uses them (time and class embeddings, the residual block, gradient reversal).

Each class builds its parameters in the same order, with the same initialisation, as the
studio's module (``nn/generative.py``), so a script seeded alike starts from the same weights.
"""

from __future__ import annotations

from typing import Any

from ..spec.blocks import BlockSpec, Shape
from ..spec.catalog.generative import group_count

TIME_EMBEDDING = '''\
class TimeEmbedding(nn.Module):
    """Turns a time step t (N, 1) into a vector (N, dim): the sines and then the cosines of t
    at dim // 2 speeds f_i = 10000^(-i / (dim // 2)) (Vaswani et al. 2017, used for diffusion
    time steps by Ho et al. 2020), one more 0 when dim is odd, then Dense, SiLU, Dense."""

    def __init__(self, dim, hidden):
        super().__init__()
        half = dim // 2
        speeds = torch.exp(torch.arange(half, dtype=torch.float32)
                           * float(-np.log(10000.0) / half))
        self.register_buffer("speeds", speeds, persistent=False)
        self.pad = dim % 2
        self.mlp_in = nn.Linear(dim, hidden)
        self.mlp_out = nn.Linear(hidden, dim)

    def forward(self, t):  # (N, 1) -> (N, dim)
        angles = t * self.speeds  # (N, dim // 2)
        waves = F.pad(torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1), (0, self.pad))
        return self.mlp_out(F.silu(self.mlp_in(waves)))
'''

CONDITION_EMBEDDING = '''\
class ConditionEmbedding(nn.Module):
    """Turns a class id stored as a number (N, 1) into a learned vector (N, dim). Ids are
    rounded; an id below 0 or past the last class picks the extra last row, "no class"."""

    def __init__(self, classes, dim):
        super().__init__()
        self.classes = classes
        self.table = nn.Embedding(classes + 1, dim)

    def forward(self, c):  # (N, 1) -> (N, dim)
        ids = torch.round(c[:, 0])
        known = (ids >= 0) & (ids < self.classes)  # not a number: False, so "no class"
        return self.table(torch.where(known, ids, float(self.classes)).long())
'''

RES_BLOCK = '''\
class ResBlock(nn.Module):
    """A residual block (Ho et al. 2020): norm, SiLU, layer, norm, plus a projection of the
    condition for every channel, SiLU, layer, plus the input (through a 1x1 layer when the
    width changes). Layers are 3-wide convolutions over signals (dims 1) and images (dims 2),
    Dense over vectors (dims 0); norms are group norms, a layer norm over vectors. The
    condition comes after the second norm, which would otherwise remove it."""

    def __init__(self, c_in, c_out, dims, groups=(1, 1), cond_dim=None):
        super().__init__()
        self.dims = dims

        def norm(channels, count):
            return nn.LayerNorm(channels) if dims == 0 else nn.GroupNorm(count, channels)

        def layer(a, b, size=3):
            if dims == 0:
                return nn.Linear(a, b)
            return (nn.Conv1d if dims == 1 else nn.Conv2d)(a, b, size, padding=size // 2)

        self.norm1, self.layer1 = norm(c_in, groups[0]), layer(c_in, c_out)
        self.cond = nn.Linear(cond_dim, c_out) if cond_dim else None
        self.norm2, self.layer2 = norm(c_out, groups[1]), layer(c_out, c_out)
        self.skip = layer(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, cond=None):
        h = self.norm2(self.layer1(F.silu(self.norm1(x))))
        if cond is not None:  # the same shift at every position of a channel
            h = h + self.cond(cond).reshape(len(x), -1, *[1] * self.dims)
        return self.layer2(F.silu(h)) + self.skip(x)
'''

REVERSE_GRADIENT = '''\
class ReverseGradient(torch.autograd.Function):
    """Passes x on unchanged; on the way back its gradient is multiplied by -scale
    (Ganin & Lempitsky 2015), so the layers before it learn to fool those after it."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.scale * grad, None
'''

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
        module = _call(kind, shape[0], out_shape[0], dims, groups=groups,
                       cond_dim=in_shapes[1][0] if params["conditioned"] else None)
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
