"""Figures of the sequence and text snapshots: every kind becomes a readable PNG, awkward
snapshots too (empty, ragged, NaN, odd characters), and ``write_figures`` names each file.
What each figure draws is checked on its artists (the ``drawn`` fixture): the attention maps,
states, weights, norms, points and words of the snapshot, or the sentence an empty one gets."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from mlsp_studio.paradigms.language_model.snapshots import Generation
from mlsp_studio.paradigms.masked_lm.snapshots import FillMask
from mlsp_studio.paradigms.seq2seq.snapshots import Alignment
from mlsp_studio.paradigms.word2vec.snapshots import Embeddings
from mlsp_studio.report.figures import FILE_NAMES, snapshot_figure, write_figures
from mlsp_studio.report.text_drawings import _wrap
from mlsp_studio.snapshots.kinds import (
    AttentionLayer,
    AttentionMaps,
    GradientThroughTime,
    PatchAttention,
    PoolingWeights,
    RecurrentStates,
    Snapshot,
)

NEW_KINDS = ("attention", "alignment", "recurrent", "bptt", "pooling", "patch_attention",
             "generation", "fill_mask", "embeddings")


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention(layers: int = 2, heads: int = 4, length: int = 9, causal: bool = True
              ) -> AttentionMaps:
    rng = np.random.default_rng(0)
    tokens = tuple("the cat sat on the mat . <sep> x".split())[:length]
    tokens += tuple(f"t{i}" for i in range(len(tokens), length))
    out = []
    for k in range(layers):
        w = rng.normal(size=(heads, length, length)) * 2
        if causal:
            w = np.where(np.tri(length, dtype=bool), w, -np.inf)
        out.append(AttentionLayer(f"TransformerEncoderLayer {k + 3}", _softmax(w), tokens,
                                  tokens, causal=causal))
    return AttentionMaps(step=500, index=3, text="the cat sat on the mat → mat", layers=tuple(out))


def alignment(n_in: int = 6, n_out: int = 6) -> Alignment:
    rng = np.random.default_rng(1)
    w = _softmax(rng.normal(size=(n_out, n_in)) + 4 * np.eye(n_out, n_in)[:, ::-1])
    src = tuple("3 1 4 1 5 9 2 6 5 3".split())[:n_in]
    return Alignment(step=800, index=2, weights=w, source_tokens=src,
                     output_tokens=tuple(reversed(src))[:n_out - 1] + ("7",),
                     target_tokens=tuple(reversed(src))[:n_out], label="reverse")


def recurrent(cell: str = "LSTM", t: int = 20, h: int = 16) -> RecurrentStates:
    rng = np.random.default_rng(2)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    gates = ()
    if cell == "LSTM":
        gates = tuple((n, sig(rng.normal(size=(t, h)))) for n in
                      ("input gate", "forget gate", "output gate"))
        gates += (("candidate", np.tanh(rng.normal(size=(t, h)))),)
    return RecurrentStates(step=100, index=0, label="LSTM 2", cell_type=cell,
                           tokens=tuple("ABCD") + tuple("." for _ in range(t - 5)) + ("?",),
                           hidden=np.tanh(rng.normal(size=(t, h))), gates=gates,
                           cell=rng.normal(size=(t, h)) if cell == "LSTM" else None)


def bptt(t: int = 40) -> GradientThroughTime:
    return GradientThroughTime(step=50, label="RNN 2", norms=10.0 ** np.linspace(-7, -1, t))


def pooling(features: int = 1) -> PoolingWeights:
    rng = np.random.default_rng(3)
    signal = rng.normal(size=(100, features)) * 0.3
    signal[40:55] += 2.0
    w = _softmax(np.where((np.arange(100) >= 40) & (np.arange(100) < 55), 3.0, 0.0)
                 + rng.normal(size=100) * 0.3)
    return PoolingWeights(step=300, index=5, label="AttentionPooling 4",
                          signal=signal[:, 0] if features == 1 else signal, weights=w,
                          event=(40, 55), true_class="chirp", predicted_class="chirp")


def patch_attention(heads: int = 4) -> PatchAttention:
    rng = np.random.default_rng(4)
    image = np.zeros((28, 28))
    image[5:23, 12:16] = 1.0
    return PatchAttention(step=700, index=1, label="TransformerEncoderLayer 5", image=image,
                          weights=_softmax(rng.normal(size=(heads, 49))).reshape(heads, 7, 7),
                          true_class="1", predicted_class="7")


def generation() -> Generation:
    return Generation(step=1500, prompt="abc -> cba\nxyz -> ", completion="zyx\nthe dog runs "
                      "to the park and the cat sleeps on the mat while $5 is spent " * 3,
                      temperature=0.8, top_k=5, note="2 characters not in the vocabulary "
                      "were dropped: 'É', '€'", seconds=0.034,
                      examples=(("zero-shot", "xyz -> "), ("few-shot", "abc -> cba\nxyz -> ")))


def fill_mask() -> FillMask:
    return FillMask(step=900, tokens=("<cls>", "the", "<mask>", "sat", "on", "the", "<mask>",
                                      ".", "<pad>"),
                    masked=(2, 6), truth=("cat", "mat"), note="",
                    predictions=((("dog", 0.41), ("cat", 0.33), ("bird", 0.1), ("man", 0.05)),
                                 (("mat", 0.7), ("sofa", 0.2), ("floor", 0.05))))


def embeddings(n: int = 40) -> Embeddings:
    rng = np.random.default_rng(5)
    groups = ("animal", "food", "place", "verb")
    g = [groups[i % 4] for i in range(n)]
    centres = {name: rng.normal(size=2) * 3 for name in groups}
    points = np.array([centres[x] + rng.normal(size=2) * 0.6 for x in g])
    words = tuple(f"{x[:3]}{i}" for i, x in enumerate(g))
    return Embeddings(step=2000, label="Embedding 1", words=words, points=points, groups=tuple(g),
                      explained=(0.31, 0.17), query=words[0],
                      neighbours=tuple((words[i], 0.9 - 0.05 * k)
                                       for k, i in enumerate(range(4, 24, 4))))


def ordinary() -> dict[str, Snapshot]:
    return {"attention": attention(), "alignment": alignment(), "recurrent": recurrent(),
            "bptt": bptt(), "pooling": pooling(), "patch_attention": patch_attention(),
            "generation": generation(), "fill_mask": fill_mask(), "embeddings": embeddings()}


def awkward() -> dict[str, Snapshot]:
    nan = np.nan
    return {
        "attention-empty": AttentionMaps(step=0),
        "attention-one-token": AttentionMaps(step=1, layers=(
            AttentionLayer("MHA", np.ones((1, 1, 1))),)),
        "attention-nan-2d-and-ragged": AttentionMaps(step=1, layers=(
            AttentionLayer("a", np.full((2, 3, 3), nan), ("x",), ("y", "z")),
            AttentionLayer("b", np.ones((4, 5)) / 5, mode="cross"),
            AttentionLayer("c", np.zeros((0, 0, 0))))),
        "attention-long-many": attention(layers=8, heads=8, length=120, causal=False),
        "alignment-empty": Alignment(step=0),
        "alignment-nan-no-tokens": Alignment(step=1, weights=np.full((3, 4), nan)),
        "alignment-long": alignment(n_in=10, n_out=10),
        "recurrent-empty": RecurrentStates(step=0),
        "recurrent-rnn-one-step": recurrent("RNN", t=1, h=1),
        "recurrent-gru-wide-nan": RecurrentStates(
            step=1, cell_type="GRU", hidden=np.full((30, 200), nan),
            gates=(("reset gate", np.zeros((30, 200))), ("bad", np.zeros(3)))),
        "bptt-empty": GradientThroughTime(step=0),
        "bptt-zero-and-nan": GradientThroughTime(step=1, norms=np.array([0.0, nan, np.inf])),
        "bptt-one-and-exploding": GradientThroughTime(step=1, norms=np.array([1e-3, 0, 10.0])),
        "bptt-single": GradientThroughTime(step=1, norms=np.array([0.5])),
        "pooling-empty": PoolingWeights(step=0),
        "pooling-spectrogram": pooling(features=40),
        "pooling-no-signal-nan": PoolingWeights(step=1, weights=np.array([nan, 0.5, 0.5]),
                                                event=(5, 2)),
        "patch-empty": PatchAttention(step=0),
        "patch-image-only-rgb": PatchAttention(step=1, image=np.random.default_rng(0).random(
            (3, 16, 16))),
        "patch-one-head-no-image": PatchAttention(step=1, weights=np.ones((1, 2, 2)) / 4),
        "patch-many-heads-nan": PatchAttention(step=1, image=np.full((8, 8), nan),
                                               weights=np.full((12, 2, 2), nan)),
        "generation-empty": Generation(step=0),
        "generation-odd": Generation(step=1, prompt="$x$ \t\x00 " + "é" * 300,
                                     completion="\n\n" * 50 + "a" * 5000, top_k=0,
                                     note="x" * 400),
        "fill-empty": FillMask(step=0),
        "fill-no-blank": FillMask(step=1, tokens=tuple("hello")),
        "fill-chars-many-blanks-no-guesses": FillMask(
            step=1, tokens=tuple("the ___ sat on a ___ in the ___ by $"), masked=tuple(range(8)),
            predictions=((("a", float("nan")),), ()), note="unknown characters: '€'"),
        "embeddings-empty": Embeddings(step=0),
        "embeddings-one-nan-mismatch": Embeddings(step=1, words=("a", "b", "c"),
                                                  points=np.array([[nan, 1.0], [2.0, 2.0]]),
                                                  groups=("x",), query="zzz"),
        "embeddings-many": Embeddings(step=1, words=tuple(f"w{i}" for i in range(600)),
                                      points=np.random.default_rng(0).normal(size=(600, 2)),
                                      query="w3", neighbours=(("w4", 0.5),)),
        "embeddings-constant-1d": Embeddings(step=1, words=("a", "b"), points=np.zeros((2, 2))),
        "embeddings-wrong-rank": Embeddings(step=1, words=("a",), points=np.zeros(3)),
    }


SNAPSHOTS = {**ordinary(), **awkward()}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR", path.name
    return struct.unpack(">II", data[16:24])


def _equal(got, want) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float))


def _check_attention(snap: AttentionMaps, fig, drawn) -> None:
    want = [w for layer in snap.layers for w in layer.weights]  # a map per head, per layer
    images = drawn.images(fig)
    assert len(images) == len(want)
    for got, w in zip(images, want, strict=True):
        _equal(got, w)
    texts = drawn.texts(fig)
    assert {f"head {h + 1}" for h in range(len(snap.layers[0].weights))} <= set(texts)
    assert set(snap.layers[0].query_tokens) <= set(texts)  # the tokens label the rows


def _check_alignment(snap: Alignment, fig, drawn) -> None:
    (image,) = drawn.images(fig)
    _equal(image, snap.weights)  # row: a token written, column: a token read
    ax = drawn.axes(fig)[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(snap.source_tokens)
    # a wrong token is written with the right one in brackets
    wrong = [(o, t) for o, t in zip(snap.output_tokens, snap.target_tokens, strict=True)
             if o != t]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        o if o == t else f"{o} (→ {t})"
        for o, t in zip(snap.output_tokens, snap.target_tokens, strict=True)]
    assert f"{len(wrong)} wrong token" in drawn.text(fig)


def _check_recurrent(snap: RecurrentStates, fig, drawn) -> None:
    rows = [("hidden state", snap.hidden), *snap.gates, ("cell state", snap.cell)]
    images = drawn.images(fig)
    assert len(images) == len(rows)
    for got, (name, states) in zip(images, rows, strict=True):
        _equal(got, np.asarray(states).T)  # a row per unit, time across
        assert name in drawn.texts(fig)


def _check_bptt(snap: GradientThroughTime, fig, drawn) -> None:
    (line,) = drawn.lines(fig)
    _equal(line.get_ydata(), snap.norms)
    _equal(line.get_xdata(), np.arange(len(snap.norms)))
    assert drawn.axes(fig)[0].get_yscale() == "log"  # norms over six decades


def _check_pooling(snap: PoolingWeights, fig, drawn) -> None:
    signal, weights, *_ = drawn.lines(fig)
    _equal(signal.get_ydata(), snap.signal)
    _equal(weights.get_ydata(), snap.weights)
    assert any(snap.true_class in t for t in drawn.texts(fig))


def _check_patch_attention(snap: PatchAttention, fig, drawn) -> None:
    images = drawn.images(fig)
    picture, *panels = images
    _equal(picture, snap.image)
    # each panel: the image again, with a map over it: the mean of the heads, then each head
    assert len(panels) == 2 * (1 + len(snap.weights))
    for under in panels[0::2]:
        _equal(under, snap.image)
    maps = panels[1::2]
    _equal(maps[0], snap.weights.mean(0))
    for got, w in zip(maps[1:], snap.weights, strict=True):
        _equal(got, w)


def _check_generation(snap: Generation, fig, drawn) -> None:
    text = drawn.text(fig)
    for line in snap.prompt.splitlines():
        assert line.strip() in text
    assert "the dog runs to the park" in text and "zyx" in text  # the model's words
    assert "temperature 0.8" in text and "top-k 5" in text
    assert "'É', '€'" in text  # the note on what was dropped


def _check_fill_mask(snap: FillMask, fig, drawn) -> None:
    texts = drawn.texts(fig)
    for guesses in snap.predictions:  # every guess with its share
        for word, share in guesses:
            assert word in texts and f"{share:.0%}" in texts, (word, share)


def _check_embeddings(snap: Embeddings, fig, drawn) -> None:
    every, ringed, star = drawn.points(fig)
    _equal(every, snap.points)
    at = {w: p for w, p in zip(snap.words, snap.points, strict=True)}
    _equal(ringed, [at[w] for w, _ in snap.neighbours])  # the query's nearest are ringed
    _equal(star, [at[snap.query]])
    assert set(snap.words) <= set(drawn.texts(fig))


CONTENT = {"attention": _check_attention, "alignment": _check_alignment,
           "alignment-long": _check_alignment, "recurrent": _check_recurrent,
           "bptt": _check_bptt, "pooling": _check_pooling,
           "patch_attention": _check_patch_attention, "generation": _check_generation,
           "fill_mask": _check_fill_mask, "embeddings": _check_embeddings}
# what an empty snapshot says instead of a picture
MESSAGES = {
    "attention-empty": "No attention weights to show",
    "alignment-empty": "No alignment to show yet",
    "recurrent-empty": "No recurrent states to show yet",
    "bptt-empty": "No gradient norms to show yet",
    "bptt-zero-and-nan": "No gradient reached the inputs yet",
    "pooling-empty": "No pooling weights to show yet",
    "patch-empty": "No image and no attention weights to show yet",
    "generation-empty": "Nothing written yet",
    "fill-empty": "No sentence to fill in yet",
    "fill-no-blank": "The sentence has no blank",
    "embeddings-empty": "No word vectors to show yet",
    "embeddings-wrong-rank": "No word vectors to show yet",
}


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_every_sequence_snapshot_becomes_a_png(name: str, tmp_path: Path, drawn) -> None:
    snap = SNAPSHOTS[name]
    path = snapshot_figure(snap, tmp_path / f"{name}.png")
    width, height = _png_size(path)
    assert 500 <= width <= 900 and 250 <= height <= 2000, (name, width, height)
    fig = drawn.last
    assert f"step {snap.step}" in drawn.text(fig)
    assert drawn.ink(path) > 0.005  # read back: not a blank page
    if name in MESSAGES:
        assert any(t.startswith(MESSAGES[name]) for t in drawn.texts(fig)), drawn.texts(fig)
    else:
        assert drawn.ink(path) > 0.025, name  # more than a sentence is drawn
    if name in CONTENT:
        CONTENT[name](snap, fig, drawn)


def test_every_new_kind_has_a_drawer_and_file_name(tmp_path: Path, drawn) -> None:
    snapshots = list(ordinary().values())
    assert {s.kind for s in snapshots} == set(NEW_KINDS)
    paths = write_figures(tmp_path, [], snapshots)
    assert sorted(p.name for p in paths[1:]) == sorted(FILE_NAMES[k] for k in NEW_KINDS)
    for path in paths:
        _png_size(path)
    for path, fig, snap in zip(paths[1:], drawn[1:], snapshots, strict=True):
        assert path.name == FILE_NAMES[snap.kind]
        CONTENT[snap.kind](snap, fig, drawn)  # each file draws its own snapshot


def test_wrapping_keeps_every_character_and_breaks_at_spaces() -> None:
    text = "abc def ghi jkl\n\nmnopqrstuvwxyz"
    lines = _wrap(text, 8)
    assert [text[s:e] for s, e in lines] == ["abc def ", "ghi jkl", "", "mnopqrst", "uvwxyz"]
