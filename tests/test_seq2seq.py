"""The seq2seq paradigm: teacher forcing, greedy decoding that never sees the target, its
metrics, and the alignment picture."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from mlsp_studio.data.bundle import DataBundle, Split
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.project import Project
from mlsp_studio.paradigms.registry import PARADIGMS
from mlsp_studio.paradigms.seq2seq.train import exact_match, shift_right, token_accuracy

VOCAB = ("<pad>", "<bos>", "a", "b", "c", "d")
BOS, LENGTH = 1, 4


class _Tokens:
    pad_id = 0


def _bundle(n: int = 40, seed: int = 0) -> DataBundle:
    """Reverse sequences of the letters a–d: the target is the source read backwards."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(2, len(VOCAB), (n, LENGTH), generator=g)
    y = x.flip(1)
    split = Split(x, y)
    return DataBundle(name="reverse", task="sequence", input_kind="tokens", train=split,
                      val=Split(x[:8], y[:8]), test=Split(x[:8], y[:8]),
                      input_shape=(LENGTH,), num_classes=len(VOCAB), num_targets=0,
                      class_names=list(VOCAB), vocab=VOCAB, tokenizer=_Tokens(),
                      extra_inputs={"dec": (LENGTH,)}, extras={"bos_id": BOS})


def _paradigm(model: nn.Module, data: DataBundle, **hparams):
    project = Project(name="t", paradigm="seq2seq", dataset="seq_pairs",
                      slots={"model": Graph()}, hparams={"batch_size": 8, **hparams})
    paradigm = PARADIGMS.create("seq2seq")
    paradigm.setup(project, {"model": model}, data, torch.device("cpu"))
    if isinstance(model, Spy):
        model.seen.clear()  # set-up runs the network once to look for attention
    return paradigm


def _one_hot(ids: torch.Tensor, scale: float = 20.0) -> torch.Tensor:
    return nn.functional.one_hot(ids, len(VOCAB)).float() * scale


class Cheater(nn.Module):
    """Scores at position i the decoder input at position i + 1: with teacher forcing that is
    the target token itself, so it is perfect exactly when it is shown the answer. (The last
    position has nothing ahead; there it honestly answers the source's first token.)"""

    sources = ("x", "dec")

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(len(VOCAB)))

    def forward(self, x: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        ahead = torch.cat([dec[:, 1:], x[:, :1]], 1)
        return _one_hot(ahead) + self.bias


class Spy(nn.Module):
    """Writes the token ``c`` everywhere and remembers every decoder input it was given."""

    sources = ("dec", "x")  # the paradigm must follow this order

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(len(VOCAB)))
        self.seen: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, dec: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((x.clone(), dec.clone()))
        return _one_hot(torch.full_like(dec, 4)) + self.bias


class Counter(nn.Module):
    """Scores at position i the token after the decoder input at i: from <bos> (1) greedy
    decoding must write 2, 3, 4, 5 by feeding each guess back in."""

    sources = ("x", "dec")

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(len(VOCAB)))

    def forward(self, x: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
        return _one_hot((dec + 1).clamp(max=len(VOCAB) - 1)) + self.bias


def test_greedy_decoding_never_sees_the_target() -> None:
    paradigm = _paradigm(Cheater(), _bundle())
    metrics = paradigm.evaluate("test")
    assert metrics["loss"] < 0.01          # teacher-forced: the answer is in its input
    assert metrics["accuracy"] == 0.25     # greedy: only the honest last position is right
    assert metrics["exact_match"] == 0.0


def test_greedy_decoding_feeds_back_its_own_guesses() -> None:
    paradigm = _paradigm(Counter(), _bundle())
    x = paradigm.data.test.x
    pred, dec = paradigm.greedy(x, LENGTH)
    assert pred.tolist() == [[2, 3, 4, 5]] * len(x)
    assert dec.tolist() == [[BOS, 2, 3, 4]] * len(x)


def test_teacher_forcing_shows_the_target_shifted_right() -> None:
    spy = Spy()
    paradigm = _paradigm(spy, _bundle(), teacher_forcing=1.0)
    for _ in range(3):
        paradigm.step()
    assert len(spy.seen) == 3
    for x, dec in spy.seen:
        target = x.flip(1)
        assert torch.equal(dec[:, 0], torch.full_like(dec[:, 0], BOS))
        assert torch.equal(dec[:, 1:], target[:, :-1])


def test_without_teacher_forcing_the_decoder_reads_its_own_guesses() -> None:
    spy = Spy()
    paradigm = _paradigm(spy, _bundle(), teacher_forcing=0.0)
    paradigm.step()
    # greedy decoding (LENGTH runs without gradients), then the training run on its guesses
    assert len(spy.seen) == LENGTH + 1
    x, dec = spy.seen[-1]
    assert dec.tolist() == [[BOS, 4, 4, 4]] * len(x)
    for i, (_, seen) in enumerate(spy.seen[:LENGTH]):
        assert (seen[:, i + 1:] == 0).all()  # positions not yet written are padding


def test_teacher_forcing_share_mixes_both() -> None:
    spy = Spy()
    paradigm = _paradigm(spy, _bundle(), teacher_forcing=0.5)
    forced = 0
    for _ in range(40):
        before = len(spy.seen)
        paradigm.step()
        forced += len(spy.seen) - before == 1
    assert 8 <= forced <= 32


def test_shift_right() -> None:
    y = torch.tensor([[5, 6, 7], [2, 3, 4]])
    assert shift_right(y, 1).tolist() == [[1, 5, 6], [1, 2, 3]]


def test_metrics_on_hand_made_predictions() -> None:
    target = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 4], [4, 3, 2, 1]])
    pred = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 0], [0, 0, 0, 0]])
    assert token_accuracy(pred, target) == pytest.approx(7 / 12)
    assert exact_match(pred, target) == pytest.approx(1 / 3)
    assert exact_match(target, target) == 1.0


def test_final_metrics_have_test_exact_match() -> None:
    paradigm = _paradigm(Counter(), _bundle())
    final = paradigm.final_metrics()
    for name in ("test_accuracy", "test_exact_match", "test_loss", "val_exact_match"):
        assert name in final and math.isfinite(final[name])


def test_training_reduces_the_loss_of_a_small_model() -> None:
    class Tiny(nn.Module):
        """Reads the source token mirrored to each target position (enough for reverse)."""

        sources = ("x", "dec")

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(len(VOCAB), 16)
            self.out = nn.Linear(16, len(VOCAB))

        def forward(self, x: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
            return self.out(torch.relu(self.embed(x.flip(1))))

    torch.manual_seed(0)
    paradigm = _paradigm(Tiny(), _bundle(), lr=0.05)
    before = paradigm.evaluate("test")
    for _ in range(60):
        paradigm.step()
    after = paradigm.evaluate("test")
    assert after["loss"] < before["loss"] / 4
    assert after["exact_match"] == 1.0


def test_a_network_with_a_wrong_input_is_refused() -> None:
    class Odd(Cheater):
        sources = ("x", "y")

    from mlsp_studio.errors import ProjectError

    with pytest.raises(ProjectError, match="source 'x'"):
        _paradigm(Odd(), _bundle())


def test_a_network_that_does_not_score_each_position_is_refused() -> None:
    class Summary(Cheater):
        def forward(self, x: torch.Tensor, dec: torch.Tensor) -> torch.Tensor:
            return super().forward(x, dec)[:, 0]  # one score vector per example

    from mlsp_studio.errors import ProjectError

    with pytest.raises(ProjectError, match=r"each of the 4 target positions"):
        _paradigm(Summary(), _bundle())


# --- with a real encoder-decoder graph --------------------------------------------------------

def _preset_engine(steps: int, **options):
    from mlsp_studio.engine import Engine
    from mlsp_studio.model.presets import load_preset

    project = load_preset("seq2seq-attention")
    project.dataset_options.update({"n_samples": 400, **options})
    engine = Engine(project, max_steps=steps, threads=1)
    engine.build()
    return engine


def test_alignment_snapshot_shape_and_labels() -> None:
    from mlsp_studio.paradigms.seq2seq.snapshots import Alignment
    from mlsp_studio.snapshots.kinds import AttentionMaps

    engine = _preset_engine(3, length=6)
    engine.run_blocking()
    paradigm = engine.paradigm
    assert paradigm.visual_kinds == {"alignment", "attention"}
    paradigm.set_visual_option("example_index", 3)
    snaps = {s.kind: s for s in paradigm.visualize({"alignment", "attention"})}
    align = snaps["alignment"]
    assert isinstance(align, Alignment) and align.index == 3
    assert align.weights.shape == (6, 6)                      # (L_out, L_in)
    assert abs(align.weights.sum(1) - 1).max() < 1e-4         # each row a distribution
    test, vocab = engine.data.test, engine.data.vocab
    assert align.source_tokens == tuple(vocab[i] for i in test.x[3].tolist())
    assert align.target_tokens == tuple(vocab[i] for i in test.y[3].tolist())
    assert len(align.output_tokens) == 6 and align.label.startswith("MultiHeadAttention")
    maps = snaps["attention"]
    assert isinstance(maps, AttentionMaps) and len(maps.layers) == 1
    layer = maps.layers[0]
    assert layer.mode == "cross" and layer.weights.shape == (1, 6, 6)
    assert layer.key_tokens == align.source_tokens
    assert layer.query_tokens == ("<bos>", *align.output_tokens[:-1])  # what the decoder read


def test_the_alignment_picks_up_the_reversal() -> None:
    engine = _preset_engine(150, length=5)
    engine.run_blocking()
    align = engine.paradigm.visualize({"alignment"})[0]
    mirrored = align.weights[:, ::-1].diagonal()
    assert mirrored.mean() > 0.4  # output i mostly reads source L-1-i


def test_a_network_without_cross_attention_has_no_alignment() -> None:
    from mlsp_studio.engine import Engine
    from mlsp_studio.model.presets import load_preset

    project = load_preset("seq2seq-attention")
    g = Graph()
    x = g.add_node("Input", {"source": "x"})
    ex = g.add_node("Embedding", {"dim": 8})
    enc = g.add_node("GRU", {"hidden": 16, "return_sequence": True})
    d = g.add_node("Input", {"source": "dec"})
    ed = g.add_node("Embedding", {"dim": 8})
    cat = g.add_node("Concat", {"axis": -1})
    dec = g.add_node("GRU", {"hidden": 16, "return_sequence": True})
    head = g.add_node("ClassifierHead")
    for a, b in ((x, ex), (ex, enc), (d, ed), (dec, head)):
        g.connect(a, b)
    g.connect(enc, cat, "in1")
    g.connect(ed, cat, "in2")
    g.connect(cat, dec)
    project.slots["model"] = g
    project.dataset_options["n_samples"] = 200
    engine = Engine(project, max_steps=2, threads=1)
    engine.run_blocking()
    assert engine.paradigm.visual_kinds == frozenset()
    assert engine.paradigm.visualize({"alignment", "attention"}) == []
    assert "test_exact_match" in dict(engine.finished.final)


def _transformer_seq2seq() -> Graph:
    g = Graph()
    x = g.add_node("Input", {"source": "x"})
    ex = g.add_node("Embedding", {"dim": 16})
    px = g.add_node("PositionalEncoding", {})
    enc = g.add_node("TransformerEncoderLayer", {"heads": 2, "ff": 32})
    d = g.add_node("Input", {"source": "dec"})
    ed = g.add_node("Embedding", {"dim": 16})
    pd = g.add_node("PositionalEncoding", {})
    dec = g.add_node("TransformerDecoderLayer", {"heads": 2, "ff": 32})
    head = g.add_node("ClassifierHead")
    for a, b in ((x, ex), (ex, px), (px, enc), (d, ed), (ed, pd), (pd, dec), (dec, head)):
        g.connect(a, b)
    g.connect(enc, dec, "memory")
    return g


def test_attention_maps_label_encoder_and_decoder_tokens() -> None:
    from mlsp_studio.engine import Engine
    from mlsp_studio.model.presets import load_preset

    project = load_preset("seq2seq-attention")
    project.slots["model"] = _transformer_seq2seq()
    project.dataset_options.update({"n_samples": 200, "length": 5})
    engine = Engine(project, max_steps=2, threads=1)
    engine.run_blocking()
    snaps = {s.kind: s for s in engine.paradigm.visualize({"alignment", "attention"})}
    align, maps = snaps["alignment"], snaps["attention"]
    assert align.label.endswith("cross") and align.weights.shape == (5, 5)
    encoder, decoder_self, cross = maps.layers
    source = align.source_tokens
    assert (encoder.mode, encoder.causal) == ("self", False)
    assert encoder.query_tokens == encoder.key_tokens == source
    written = ("<bos>", *align.output_tokens[:-1])
    assert (decoder_self.mode, decoder_self.causal) == ("self", True)
    assert decoder_self.query_tokens == decoder_self.key_tokens == written
    assert cross.mode == "cross" and cross.query_tokens == written
    assert cross.key_tokens == source
