"""Sequence and attention snapshots for the panel tests, made with numpy only (no torch).

``SEQ_ORDINARY[kind](seed)`` is a realistic snapshot whose shape does not depend on the seed;
``SEQ_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.paradigms.seq2seq.snapshots import Alignment
from mlsp_studio.snapshots.kinds import (
    AttentionLayer,
    AttentionMaps,
    GradientThroughTime,
    PatchAttention,
    PoolingWeights,
    RecurrentStates,
)

NAN = np.nan
WORDS = tuple("the cat sat on the mat and then it slept in the warm sun".split())


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(seed: int = 0, length: int = 10, heads: int = 4, causal: bool = True,
              index: int = 3) -> AttentionMaps:
    rng = np.random.default_rng(seed)
    tokens = (WORDS * (length // len(WORDS) + 1))[:length]
    scores = rng.normal(size=(heads, length, length)) + 3 * np.eye(length)
    if causal:
        scores = np.where(np.triu(np.ones((length, length)), 1) > 0, -np.inf, scores)
    cross = softmax(rng.normal(size=(2, 4, length)))
    return AttentionMaps(
        step=seed, index=index, text="the cat sat → on",
        layers=(AttentionLayer("TransformerEncoderLayer 3", softmax(scores), tokens, tokens,
                               causal, "self"),
                AttentionLayer("TransformerDecoderLayer 5 · cross", cross,
                               ("<bos>", "a", "b", "c"), tokens, False, "cross")))


def alignment(seed: int = 0, index: int = 1) -> Alignment:
    rng = np.random.default_rng(seed)
    source = tuple("3 1 4 1 5 9".split())
    target = source[::-1]
    output = list(target)
    output[2] = "7"
    weights = softmax(rng.normal(size=(6, 6)) + 4 * np.eye(6)[::-1])
    return Alignment(step=seed, index=index, weights=weights, source_tokens=source,
                     output_tokens=tuple(output), target_tokens=target,
                     label="TransformerDecoderLayer 5 · cross")


def recurrent(seed: int = 0, cell_type: str = "LSTM", steps: int = 20, units: int = 8,
              index: int = 0) -> RecurrentStates:
    rng = np.random.default_rng(seed)
    tokens = tuple(rng.choice(list("abcd"), steps))

    def gate() -> np.ndarray:
        return 1 / (1 + np.exp(-rng.normal(size=(steps, units))))

    names = {"LSTM": ("input gate", "forget gate", "output gate"),
             "GRU": ("reset gate", "update gate"), "RNN": ()}[cell_type]
    gates = tuple((n, gate()) for n in names)
    if names:
        gates += (("candidate", np.tanh(rng.normal(size=(steps, units)))),)
    return RecurrentStates(
        step=seed, index=index, label=f"{cell_type} 2", cell_type=cell_type, tokens=tokens,
        hidden=np.tanh(rng.normal(size=(steps, units))), gates=gates,
        cell=rng.normal(size=(steps, units)) if cell_type == "LSTM" else None)


def bptt(seed: int = 0, steps: int = 30) -> GradientThroughTime:
    t = np.arange(steps)
    return GradientThroughTime(step=100 * seed, label="LSTM 2",
                               norms=10.0 ** (-(steps - 1 - t) * (0.2 - 0.01 * seed)))


def pooling(seed: int = 0, steps: int = 60, features: int = 6,
            index: int = 2) -> PoolingWeights:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(steps, features))
    signal[20:30] += 2
    inside = (np.arange(steps) >= 20) & (np.arange(steps) < 30)
    return PoolingWeights(step=seed, index=index, label="AttentionPooling 3", signal=signal,
                          weights=softmax(rng.normal(size=steps) + 3 * inside),
                          event=(20, 30), true_class="event B", predicted_class="event B")


def patch(seed: int = 0, heads: int = 3, index: int = 4) -> PatchAttention:
    rng = np.random.default_rng(seed)
    image = np.zeros((16, 16))
    image[3:13, 7:10] = 1
    weights = softmax(rng.normal(size=(heads, 16))).reshape(heads, 4, 4)
    return PatchAttention(step=seed, index=index, label="TransformerEncoderLayer 4",
                          image=image, weights=weights, true_class="1", predicted_class="7")


SEQ_ORDINARY = {"attention": attention, "alignment": alignment, "recurrent": recurrent,
                "bptt": bptt, "pooling": pooling, "patch_attention": patch}

SEQ_SNAPSHOTS = {
    "attention": lambda: [
        attention(),
        attention(length=1, heads=1),
        attention(length=40, heads=20, causal=False),
        AttentionMaps(step=1, layers=(AttentionLayer("empty", np.zeros((0, 0, 0))),)),
        AttentionMaps(step=2, layers=(AttentionLayer("nan", np.full((2, 3, 3), NAN),
                                                     ("a",), (), True),)),
        AttentionMaps(step=3, layers=(AttentionLayer("2-D", np.full((3, 5), 0.2)),
                                      AttentionLayer("wrong rank", np.zeros(4)))),
        AttentionMaps(step=4, text="x" * 500),
    ],
    "alignment": lambda: [
        alignment(),
        Alignment(step=1, weights=np.ones((1, 1)), source_tokens=("a",), output_tokens=("a",),
                  target_tokens=("a",)),
        Alignment(step=2, weights=np.full((3, 2), NAN), output_tokens=("x", "y", "z", "w"),
                  target_tokens=("x",)),
        Alignment(step=3, weights=np.zeros((2, 3, 4)), output_tokens=(), target_tokens=("a",)),
        Alignment(step=4),
    ],
    "recurrent": lambda: [
        recurrent(),
        recurrent(cell_type="GRU", steps=1, units=1),
        recurrent(cell_type="RNN"),
        RecurrentStates(step=1, hidden=np.full((4, 3), NAN), gates=(("input gate",
                                                                      np.zeros((2, 2))),),
                        cell=np.zeros((5,))),
        RecurrentStates(step=2),
    ],
    "bptt": lambda: [
        bptt(),
        GradientThroughTime(step=1, norms=np.ones(1)),
        GradientThroughTime(step=2, norms=np.array([0.0, -1.0, NAN, np.inf])),
        GradientThroughTime(step=3, norms=np.zeros((2, 2))),
        GradientThroughTime(step=4),
    ],
    "pooling": lambda: [
        pooling(),
        PoolingWeights(step=1, signal=np.sin(np.linspace(0, 6, 50)), weights=np.full(50, 0.02),
                       event=(10, 20)),
        PoolingWeights(step=2, signal=np.ones((1, 1)), weights=np.ones(1)),
        PoolingWeights(step=3, signal=np.zeros((10, 2)), weights=np.full(7, NAN),
                       event=(-5, 99)),
        PoolingWeights(step=4, signal=np.zeros((2, 2, 2)), weights=np.zeros(3)),
        PoolingWeights(step=5),
    ],
    "patch_attention": lambda: [
        patch(),
        PatchAttention(step=1, image=np.random.default_rng(0).random((3, 8, 8)),
                       weights=np.ones((1, 2, 2)) / 4, true_class="cat", predicted_class="cat"),
        PatchAttention(step=2, image=np.ones((4, 4)), weights=np.full((2, 2), NAN)),
        PatchAttention(step=3, image=np.full((5, 5), NAN), weights=np.zeros((0, 0, 0))),
        PatchAttention(step=4, image=np.ones((1, 1)), weights=np.ones((1, 1, 1))),
        PatchAttention(step=5),
    ],
}
