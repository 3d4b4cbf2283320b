"""Pictures of sequence models, shared by the paradigms that train them.

Every function here takes a compiled network (a ``GraphModule``) and the inputs of a batch
and returns a frozen snapshot: attention maps, a recurrent layer's states and gates, the
gradient through time, attention pooling's weights and a vision transformer's class-token
attention. This module is a toolbox, not a paradigm: any paradigm may import it.

The attention, recurrent and pooling pictures run under ``torch.inference_mode()``; the
gradient through time needs gradients and computes them with ``torch.autograd.grad`` on a
tapped tensor, so neither the weights, their ``.grad`` nor any optimiser state change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from ..snapshots.kinds import (
    AttentionLayer,
    AttentionMaps,
    GradientThroughTime,
    PatchAttention,
    PoolingWeights,
    RecurrentStates,
    Snapshot,
)

RECURRENT_TYPES = ("RNN", "LSTM", "GRU")
ATTENTION_TYPES = ("MultiHeadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
                   "ConformerBlock")
SEQUENCE_TYPES = (*RECURRENT_TYPES, *ATTENTION_TYPES, "AttentionPooling", "PatchEmbedding",
                  "Embedding", "PositionalEncoding", "TakeToken", "Transpose", "RepeatVector")
BPTT_BATCH = 64  # training examples whose gradients the BPTT picture averages

Tokens = Sequence[str]
Labeller = Callable[[Any], tuple[Tokens, Tokens]]


# --- labels ----------------------------------------------------------------------------------

def token_texts(vocab: Sequence[str], ids: torch.Tensor | Sequence[int]) -> tuple[str, ...]:
    """The text of each token id (the id itself where the vocabulary has no entry)."""
    values = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    return tuple(vocab[i] if 0 <= i < len(vocab) else str(i) for i in values)


def step_labels(length: int, prefix: str = "t") -> tuple[str, ...]:
    """``("t0", "t1", …)``: names for positions that have no text of their own."""
    return tuple(f"{prefix}{i}" for i in range(length))


def patch_grid(image_shape: Sequence[int], length: int) -> tuple[int, int, bool] | None:
    """``(rows, columns, class_token)`` of the patch grid behind ``length`` tokens of an image
    ``(C, H, W)``, or None when no grid of the image's proportions has that many patches."""
    if len(image_shape) < 2:
        return None
    height, width = image_shape[-2], image_shape[-1]
    for patches, cls in ((length - 1, True), (length, False)):
        if patches <= 0:
            continue
        rows = round(math.sqrt(patches * height / width))
        if rows > 0 and patches % rows == 0 and rows * width == (patches // rows) * height:
            return rows, patches // rows, cls
    return None


def position_labels(data: Any, x: torch.Tensor, length: int) -> tuple[str, ...]:
    """Labels for ``length`` positions of one example ``x`` (no batch axis).

    Token inputs of that length get their text from ``data.vocab``; image inputs cut into
    patches get ``("cls", "p0", "p1", …)``; anything else ``("t0", "t1", …)``.
    """
    if not x.is_floating_point() and x.dim() == 1 and x.shape[0] == length and \
            getattr(data, "vocab", ()):
        return token_texts(data.vocab, x)
    if getattr(data, "input_kind", "") == "image":
        grid = patch_grid(tuple(x.shape), length)
        if grid is not None:
            return ("cls",) * grid[2] + step_labels(grid[0] * grid[1], "p")
    return step_labels(length)


def _fit(tokens: Tokens, length: int) -> tuple[str, ...]:
    """``tokens`` when there is one per position, else plain position names."""
    tokens = tuple(tokens)
    return tokens if len(tokens) == length else step_labels(length)


# --- finding blocks --------------------------------------------------------------------------

def keys_of(model: Any, types: Sequence[str]) -> list[str]:
    """The block names (``n<id>``) of the given types, in network order."""
    block_types = getattr(model, "types", {})
    return [key for key, _ in getattr(model, "_plan", ()) if block_types.get(key) in types]


@contextmanager
def _tap(module: torch.nn.Module, keep: list[torch.Tensor], grad: bool = False):
    """While open, what ``module`` receives as its first input is appended to ``keep``; with
    ``grad`` it is first cut from the graph and made a leaf that asks for its gradient."""
    def hook(_module, args):
        x = args[0]
        if grad:
            x = x.detach().requires_grad_(True)
        keep.append(x)
        return (x, *args[1:])

    handle = module.register_forward_pre_hook(hook)
    try:
        yield keep
    finally:
        handle.remove()


def block_input(model: Any, key: str, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """What block ``key`` receives as its (first) input when the network runs on ``inputs``."""
    seen: list[torch.Tensor] = []
    with _tap(model.blocks[key], seen):
        model(*inputs)
    return seen[0]


# --- snapshots -------------------------------------------------------------------------------

def attention_snapshot(model: Any, inputs: Sequence[torch.Tensor], query_tokens: Tokens,
                       key_tokens: Tokens, step: int, index: int = 0, text: str = "", *,
                       labeller: Labeller | None = None) -> AttentionMaps:
    """Every attention block's weights for the first example of ``inputs``, in network order.

    ``inputs`` are the network's inputs for a batch (only row 0 is drawn; pass a batch of
    one). ``query_tokens`` and ``key_tokens`` label the rows and columns of each map; a layer
    whose length differs from theirs gets ``t0, t1, …``. ``labeller(record)``, where given,
    returns ``(query_tokens, key_tokens)`` per layer instead (e.g. source tokens for the
    keys of a decoder's cross-attention). ``index`` and ``text`` say which example this is.
    The attention blocks record their weights for this one run only.
    """
    from ..nn.attention import capture_attention

    with torch.inference_mode():
        _, records = capture_attention(model, *inputs)
    layers = []
    for record in records:
        weights = record.weights[0].float().cpu().numpy()
        queries, keys = labeller(record) if labeller is not None else (query_tokens, key_tokens)
        layers.append(AttentionLayer(record.label, weights, _fit(queries, weights.shape[1]),
                                     _fit(keys, weights.shape[2]), bool(record.causal),
                                     str(record.mode)))
    return AttentionMaps(step=step, index=index, text=text, layers=tuple(layers))


def recurrent_snapshot(model: Any, key: str, inputs: Sequence[torch.Tensor], step: int,
                       index: int = 0, tokens: Tokens = ()) -> RecurrentStates:
    """The recurrent block ``key``'s first layer, forward direction, run over the first
    example of ``inputs``: its hidden state, cell state (LSTM) and gates at every step."""
    with torch.inference_mode():
        x = block_input(model, key, inputs)[0]
        module = model.blocks[key]
        trace = module.trace(x)
    hidden = trace["hidden"].float().cpu().numpy()
    cell = trace.get("cell")
    gates = tuple((name, g.float().cpu().numpy()) for name, g in trace.get("gates", ()))
    return RecurrentStates(step=step, index=index, label=model.labels[key],
                           cell_type=str(getattr(module, "cell", model.types[key])),
                           tokens=_fit(tokens, hidden.shape[0]), hidden=hidden, gates=gates,
                           cell=None if cell is None else cell.float().cpu().numpy())


def gradient_through_time(model: Any, key: str, inputs: Sequence[torch.Tensor],
                          loss_fn: Callable[[Any], torch.Tensor],
                          step: int) -> GradientThroughTime:
    """The mean over a batch of ‖dLoss/dx_t‖ at the input of block ``key``, for every t.

    ``loss_fn(output)`` is the batch's mean loss; it is scaled by the batch size so each
    example's gradient is that of its own loss. Runs with gradients on (never inside
    ``inference_mode``) but asks for the gradient of the tapped input only, so the weights'
    ``.grad`` and the optimiser stay as they were. The network runs in eval mode.
    """
    was_training = model.training
    model.eval()
    seen: list[torch.Tensor] = []
    try:
        # cuDNN computes recurrent gradients in training mode only; the plain kernels do both
        with torch.inference_mode(False), torch.enable_grad(), \
                torch.backends.cudnn.flags(enabled=False), _tap(model.blocks[key], seen, True):
            batch = [t.clone() if t.is_inference() else t for t in inputs]
            loss = loss_fn(model(*batch)) * len(batch[0])
            (grad,) = torch.autograd.grad(loss, seen[0])
    finally:
        model.train(was_training)
    norms = grad.detach().flatten(2).norm(dim=-1) if grad.dim() > 2 else grad.detach().abs()
    return GradientThroughTime(step=step, label=model.labels[key],
                               norms=norms.mean(0).float().cpu().numpy())


def pooling_snapshot(model: Any, inputs: Sequence[torch.Tensor], step: int, index: int = 0,
                     event: tuple[int, int] | None = None, true_class: str = "",
                     class_names: Sequence[str] = ()) -> PoolingWeights:
    """The first attention pooling block's weights over time for the first example of
    ``inputs``, drawn over that example (the input sequence, or its token ids). ``event`` is
    the active segment (start, end) where the data knows it."""
    from ..nn.sequence import capture_pooling

    with torch.inference_mode():
        out, records = capture_pooling(model, *inputs)
    _, label, weights = records[0]
    weights = weights[0].float().cpu().numpy()
    signal = inputs[0][0].float().cpu().numpy()
    if signal.shape[:1] != weights.shape:
        event = None  # the pooled sequence is not the input's time axis
    predicted = ""
    if isinstance(out, torch.Tensor) and out.dim() == 2 and class_names:
        predicted = class_names[int(out[0].argmax())]
    return PoolingWeights(step=step, index=index, label=label, signal=signal, weights=weights,
                          event=None if event is None else (int(event[0]), int(event[1])),
                          true_class=true_class, predicted_class=predicted)


def patch_attention_snapshot(model: Any, inputs: Sequence[torch.Tensor], step: int,
                             index: int = 0, true_class: str = "",
                             class_names: Sequence[str] = ()) -> PatchAttention | None:
    """The last attention block's attention from the class token over the image's patches,
    per head, for the first example of ``inputs`` (an image batch). Without a class token,
    the attention each patch receives on average. None when the tokens are not a patch grid.
    """
    from ..nn.attention import capture_attention

    with torch.inference_mode():
        out, records = capture_attention(model, *inputs)
    if not records:
        return None
    weights = records[-1].weights[0].float().cpu().numpy()  # (heads, L, L)
    image = inputs[0][0].float().cpu().numpy()
    grid = patch_grid(image.shape, weights.shape[-1])
    if grid is None:
        return None
    rows, cols, cls = grid
    seen = weights[:, 0, 1:] if cls else weights.mean(axis=1)
    predicted = ""
    if isinstance(out, torch.Tensor) and out.dim() == 2 and class_names:
        predicted = class_names[int(out[0].argmax())]
    return PatchAttention(step=step, index=index, label=records[-1].label,
                          image=image[0] if image.ndim == 3 and image.shape[0] == 1 else image,
                          weights=seen.reshape(-1, rows, cols), true_class=true_class,
                          predicted_class=predicted)


def event_mass(model: Any, x: torch.Tensor, events: torch.Tensor, batch: int = 1024) -> float:
    """The mean share of the first attention pooling block's weight that falls inside each
    example's event segment ``events[i] = (start, end)``, end excluded."""
    from ..nn.sequence import capture_pooling

    total = 0.0
    with torch.inference_mode():
        for start in range(0, len(x), batch):
            _, records = capture_pooling(model, x[start:start + batch])
            weights = records[0][2].float()
            steps = torch.arange(weights.shape[1], device=weights.device)
            ev = events[start:start + batch].to(weights.device)
            inside = (steps >= ev[:, :1]) & (steps < ev[:, 1:2])
            total += (weights * inside).sum().item()
    return total / max(1, len(x))


# --- everything a supervised-style paradigm shows --------------------------------------------

class SequenceVisuals:
    """Which sequence pictures a network can give, and making them for one test example.

    ``kinds`` holds the snapshot kinds this network has the blocks for: ``attention`` (any
    attention block), ``recurrent`` (an RNN, LSTM or GRU), ``bptt`` (a recurrent or attention
    block), ``pooling`` (attention pooling) and ``patch_attention`` (patch embedding followed
    by attention).
    """

    def __init__(self, model: Any, data: Any) -> None:
        self.model, self.data = model, data
        self.recurrent = keys_of(model, RECURRENT_TYPES)
        self.attention = keys_of(model, ATTENTION_TYPES)
        self.pooling = keys_of(model, ("AttentionPooling",))
        patches = keys_of(model, ("PatchEmbedding",))
        kinds = set()
        if self.attention:
            kinds.add("attention")
        if self.recurrent:
            kinds.add("recurrent")
        if self.recurrent or self.attention:
            kinds.add("bptt")
        if self.pooling:
            kinds.add("pooling")
        if patches and self.attention:
            kinds.add("patch_attention")
        self.kinds = frozenset(kinds)
        first = keys_of(model, (*RECURRENT_TYPES, *ATTENTION_TYPES))
        self.bptt_key = first[0] if first else ""

    def tokens(self, x: torch.Tensor) -> tuple[str, ...]:
        """Labels for the positions of one input example ``x`` (no batch axis)."""
        length = x.shape[0] if x.dim() >= 1 else 0
        return position_labels(self.data, x, length)

    def describe(self, index: int) -> str:
        """The chosen test example in words: its tokens (for token data) and its target."""
        test = self.data.test
        x, y = test.x[index], test.y[index]
        words = ""
        if not x.is_floating_point() and getattr(self.data, "vocab", ()):
            words = " ".join(t for t in token_texts(self.data.vocab, x) if t != "<pad>")
        names = self.data.class_names
        if y.dim() == 0 and names:
            target = names[int(y)]
        elif names:
            target = " ".join(names[int(v)] for v in y.reshape(-1))
        else:
            target = ", ".join(f"{float(v):.3g}" for v in y.reshape(-1)[:8])
        return f"{words} → {target}" if words else f"example {index}: {target}"

    def snapshots(self, kinds: set[str], step: int, index: int,
                  loss_fn: Callable[[Any], torch.Tensor], train_x: torch.Tensor,
                  train_y: torch.Tensor) -> list[Snapshot]:
        """The snapshots of ``kinds`` (those this network can give) for test example
        ``index``; ``bptt`` uses the first training examples with ``loss_fn(out, y)``."""
        test = self.data.test
        index = int(index) % max(1, len(test))
        one = (test.x[index:index + 1],)
        y = test.y[index]
        true = self.data.class_names[int(y)] if y.dim() == 0 and self.data.class_names else ""
        snaps: list[Snapshot] = []
        if "attention" in kinds and "attention" in self.kinds:
            labels = self.tokens(one[0][0])
            snaps.append(attention_snapshot(self.model, one, labels, labels, step, index,
                                            self.describe(index),
                                            labeller=self._labeller(one[0][0])))
        if "recurrent" in kinds and self.recurrent:
            snaps.append(recurrent_snapshot(self.model, self.recurrent[0], one, step, index,
                                            self.tokens(one[0][0])))
        if "pooling" in kinds and self.pooling:
            events = test.extra.get("event") if hasattr(test, "extra") else None
            event = None if events is None else tuple(int(v) for v in events[index])
            snaps.append(pooling_snapshot(self.model, one, step, index, event, true,
                                          self.data.class_names))
        if "patch_attention" in kinds and "patch_attention" in self.kinds:
            snap = patch_attention_snapshot(self.model, one, step, index, true,
                                            self.data.class_names)
            if snap is not None:
                snaps.append(snap)
        if "bptt" in kinds and "bptt" in self.kinds:
            n = min(BPTT_BATCH, len(train_x))
            snaps.append(gradient_through_time(
                self.model, self.bptt_key, (train_x[:n],),
                lambda out: loss_fn(out, train_y[:n]), step))
        return snaps

    def _labeller(self, x: torch.Tensor) -> Labeller:
        """Per layer: the input's labels where the lengths match, else position names."""
        def labels(record: Any) -> tuple[Tokens, Tokens]:
            _, _, lq, lk = record.weights.shape
            return (position_labels(self.data, x, lq), position_labels(self.data, x, lk))
        return labels

