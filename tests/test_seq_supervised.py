"""Supervised learning on sequences: token inputs, per-token targets, gradient clipping, the
sequence pictures (attention, recurrent states, gradient through time, pooling, patches) and
the four recurrent and pooling presets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlsp_studio.data.bundle import DataBundle, Split
from mlsp_studio.engine import Engine
from mlsp_studio.export.python_script import python_source
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project
from mlsp_studio.nn.attention import MultiHeadAttention
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.paradigms.registry import PARADIGMS

SEQ_KINDS = {"attention", "recurrent", "bptt", "pooling", "patch_attention"}


def _bundle(per_token: bool = False, n: int = 120, length: int = 10, vocab: int = 6,
            image: bool = False) -> DataBundle:
    """A small made-up dataset: tokens (or 8×8 images), 3 classes, an 'event' per example."""
    g = torch.Generator().manual_seed(0)
    if image:
        x = torch.rand(n, 1, 8, 8, generator=g)
        y = (x.mean((1, 2, 3)) * 30).long() % 3
    else:
        x = torch.randint(1, vocab, (n, length), generator=g)
        y = x % 3 if per_token else x[:, 0] % 3
    events = torch.tensor([[2, 5]] * n)

    def part(a: int, b: int) -> Split:
        return Split(x[a:b], y[a:b], {"event": events[a:b]})

    words = ("<pad>", *(f"w{i}" for i in range(1, vocab)))
    return DataBundle("made-up", "classification", "image" if image else "tokens",
                      part(0, 80), part(80, 100), part(100, n), tuple(x.shape[1:]), 3, 0,
                      ["a", "b", "c"], vocab=() if image else words)


def _paradigm(blocks: list, data: DataBundle, **hparams):
    model = compile_graph(Graph.chain([("Input", {}), *blocks]), BLOCKS, data.context())
    project = Project("test", "supervised", "made-up", {}, hparams={"batch_size": 16, **hparams})
    paradigm = PARADIGMS.create("supervised")
    paradigm.setup(project, {"model": model}, data, torch.device("cpu"))
    return paradigm


LSTM = [("Embedding", {"dim": 8}), ("LSTM", {"hidden": 12, "return_sequence": False}),
        "ClassifierHead"]
ENCODER = [("Embedding", {"dim": 8}), ("PositionalEncoding", {}),
           ("TransformerEncoderLayer", {"heads": 2, "ff": 16}), ("TakeToken", {"index": 0}),
           "ClassifierHead"]
POOLING = [("Embedding", {"dim": 8}), ("AttentionPooling", {"hidden": 8}), "ClassifierHead"]
VIT = [("PatchEmbedding", {"patch": 4, "dim": 8}),
       ("TransformerEncoderLayer", {"heads": 2, "ff": 16}), ("TakeToken", {"index": 0}),
       "ClassifierHead"]


@pytest.mark.parametrize(("blocks", "image", "kinds"), [
    ([("Embedding", {"dim": 4}), "Flatten", "ClassifierHead"], False, set()),
    (LSTM, False, {"recurrent", "bptt"}),
    (ENCODER, False, {"attention", "bptt"}),
    (POOLING, False, {"pooling"}),
    (VIT, True, {"attention", "bptt", "patch_attention"}),
])
def test_sequence_pictures_only_for_the_blocks_there(blocks, image, kinds) -> None:
    paradigm = _paradigm(blocks, _bundle(image=image))
    assert paradigm.visual_kinds & SEQ_KINDS == kinds
    assert "confusion" in paradigm.visual_kinds
    shown = {s.kind for s in paradigm.visualize(set(paradigm.visual_kinds))}
    assert shown == set(paradigm.visual_kinds)


def test_recurrent_states_of_the_chosen_example() -> None:
    data = _bundle()
    paradigm = _paradigm(LSTM, data)
    paradigm.set_visual_option("example_index", 3)
    (snap,) = paradigm.visualize({"recurrent"})
    assert snap.index == 3 and snap.cell_type == "LSTM" and snap.label == "LSTM 3"
    assert snap.hidden.shape == (10, 12) and snap.cell.shape == (10, 12)
    assert [name for name, _ in snap.gates] == ["input gate", "forget gate", "output gate",
                                                "candidate"]
    assert all(g.shape == (10, 12) for _, g in snap.gates)
    assert snap.tokens == tuple(data.vocab[i] for i in data.test.x[3].tolist())


def test_attention_maps_rows_sum_to_one_and_the_fast_path_stays_on() -> None:
    data = _bundle()
    paradigm = _paradigm(ENCODER, data)
    paradigm.step()
    (snap,) = paradigm.visualize({"attention"})
    (layer,) = snap.layers
    assert layer.label == "TransformerEncoderLayer 4" and layer.mode == "self"
    assert layer.weights.shape == (2, 10, 10)
    np.testing.assert_allclose(layer.weights.sum(-1), 1.0, atol=1e-5)
    words = tuple(data.vocab[i] for i in data.test.x[0].tolist())
    assert layer.query_tokens == words and layer.key_tokens == words
    assert "→" in snap.text
    attention = [m for m in paradigm.model.modules() if isinstance(m, MultiHeadAttention)]
    assert attention and not any(m.record_weights for m in attention)


def test_bptt_norms_leave_weights_grads_and_optimiser_alone() -> None:
    paradigm = _paradigm(LSTM, _bundle())
    for _ in range(3):
        paradigm.step()
    model = paradigm.model
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    state = {k: {n: t.clone() for n, t in s.items() if torch.is_tensor(t)}
             for k, s in paradigm.optimizer.state.items()}
    (snap,) = paradigm.visualize({"bptt"})
    assert snap.label == "LSTM 3"
    assert snap.norms.shape == (10,) and np.all(np.isfinite(snap.norms))
    assert np.all(snap.norms >= 0) and snap.norms.max() > 0
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    for before, p in zip(grads, model.parameters(), strict=True):
        assert (before is None and p.grad is None) or torch.equal(before, p.grad)
    for k, s in paradigm.optimizer.state.items():
        assert all(torch.equal(state[k][n], t) for n, t in s.items() if torch.is_tensor(t))


def test_pooling_weights_and_attention_on_event() -> None:
    paradigm = _paradigm(POOLING, _bundle())
    (snap,) = paradigm.visualize({"pooling"})
    assert snap.weights.shape == (10,) and math.isclose(snap.weights.sum(), 1.0, rel_tol=1e-5)
    assert snap.event == (2, 5) and snap.true_class in ("a", "b", "c")
    assert snap.predicted_class in ("a", "b", "c")
    final = paradigm.final_metrics()
    # untrained: the weights are near uniform, so about 3 of the 10 steps' share
    assert 0.2 < final["attention_on_event"] < 0.4
    assert "attention_on_event" not in _paradigm(LSTM, _bundle()).final_metrics()


def test_patch_attention_over_the_grid() -> None:
    paradigm = _paradigm(VIT, _bundle(image=True))
    (snap,) = paradigm.visualize({"patch_attention"})
    assert snap.weights.shape == (2, 2, 2) and snap.image.shape == (8, 8)
    (maps,) = paradigm.visualize({"attention"})
    assert maps.layers[0].query_tokens == ("cls", "p0", "p1", "p2", "p3")


def test_per_token_targets_count_tokens() -> None:
    data = _bundle(per_token=True)
    blocks = [("Embedding", {"dim": 8}), ("GRU", {"hidden": 12, "bidirectional": True}),
              "ClassifierHead"]
    paradigm = _paradigm(blocks, data, lr=0.03)
    first = paradigm.evaluate("test")["accuracy"]
    for _ in range(60):
        paradigm.step()
    assert paradigm.evaluate("test")["accuracy"] > max(first, 0.8)
    (confusion,) = paradigm.visualize({"confusion"})
    assert confusion.matrix.sum() == len(data.test) * 10
    (snap,) = paradigm.visualize({"recurrent"})
    assert snap.gates[0][0] == "reset gate" and snap.cell is None


def test_gradient_clipping_bounds_each_step() -> None:
    paradigm = _paradigm(LSTM, _bundle(), optimizer="sgd", momentum=0.0, lr=1.0,
                         grad_clip=0.01)
    before = torch.cat([p.detach().flatten().clone() for p in paradigm.model.parameters()])
    paradigm.step()
    after = torch.cat([p.detach().flatten() for p in paradigm.model.parameters()])
    assert 0 < (after - before).norm().item() <= 0.01 + 1e-6


def test_the_exported_script_clips_when_asked() -> None:
    project = load_preset("spiral")
    text = python_source(project)
    assert "GRAD_CLIP = 0.0" in text  # the clip is skipped while GRAD_CLIP is 0
    assert "if GRAD_CLIP > 0:" in text
    project.hparams["grad_clip"] = 1.0
    text = python_source(project)
    assert "GRAD_CLIP = 1.0" in text
    # each member's gradient on its own
    assert "clipped = [m.parameters() for m in members]" in text
    assert "torch.nn.utils.clip_grad_norm_(weights, GRAD_CLIP)" in text


# --- the presets -----------------------------------------------------------------------------

def _preset_run(name: str, variant: str | None, options: dict, steps: int) -> tuple[float, Engine]:
    project = load_preset(name)
    if variant is not None:
        project = project.with_variant(variant)
    project.dataset_options.update(options)
    engine = Engine(project, max_steps=steps, threads=1)
    engine.build()
    before = engine.paradigm.evaluate("test")["accuracy"]
    engine.run_blocking()
    return before, engine


@pytest.mark.parametrize(("name", "variant", "options", "steps", "target"), [
    ("rnn-vs-lstm", "lstm", {"delay": 4, "n_samples": 800}, 250, 0.9),
    ("rnn-vs-lstm", "gru", {"delay": 4, "n_samples": 800}, 250, 0.9),
    ("bidirectional-tagging", "bi", {"n_samples": 400}, 120, 0.9),
    ("rnn-stacked", None, {"delay": 4, "n_samples": 800}, 200, 0.9),
    ("rnn-stacked", "vec2seq", {"n_samples": 400}, 250, 0.5),
    ("attention-pooling", None, {"n_samples": 400}, 120, 0.9),
])
def test_a_short_run_of_each_preset_learns(name, variant, options, steps, target) -> None:
    before, engine = _preset_run(name, variant, options, steps)
    final = dict(engine.finished.final)
    assert final["test_accuracy"] >= target > before
    if name == "attention-pooling":
        assert final["attention_on_event"] > 0.5  # 10 of 100 steps: 0.1 when spread evenly
    shown = {s.kind for s in engine.snapshots()}
    assert shown >= engine.paradigm.visual_kinds & SEQ_KINDS


def test_one_way_tagging_stays_clearly_below_bidirectional() -> None:
    _, engine = _preset_run("bidirectional-tagging", "uni", {"n_samples": 400}, 120)
    assert dict(engine.finished.final)["test_accuracy"] < 0.6


def test_gate_bias_opens_the_gate_and_the_script_starts_alike(tmp_path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "tokens.npz"
    np.savez(path, x=rng.integers(0, 20, size=(60, 12)), y=np.arange(60) % 3)
    project = load_preset("spiral")
    project.dataset, project.dataset_options = "npz", {"path": str(path)}
    for cell in ("LSTM", "GRU"):
        project.slots["model"] = Graph.chain([
            "Input", ("Embedding", {"vocab": 20, "dim": 4}),
            (cell, {"hidden": 5, "layers": 2, "bidirectional": True, "return_sequence": False,
                    "gate_bias": 4.0}), "ClassifierHead"])
        engine = Engine(project)
        engine.build()
        net = engine.nets["model"]
        rnn = next(m for m in net.modules() if isinstance(m, torch.nn.RNNBase))
        for name, value in rnn.named_parameters():
            if name.startswith("bias_"):
                assert torch.all(value[5:10] == (4.0 if "_ih_" in name else 0.0)), name
        namespace: dict = {"__name__": "exported"}
        exec(compile(python_source(project), "exported.py", "exec"), namespace)
        torch.manual_seed(project.seed)
        model = namespace["Model"]()
        pairs = zip(model.parameters(), net.parameters(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)


def test_over_the_full_delay_lstm_remembers_and_the_plain_rnn_does_not() -> None:
    accuracy = {}
    for variant in ("lstm", "rnn"):
        _, engine = _preset_run("rnn-vs-lstm", variant, {"n_samples": 1000}, 250)
        accuracy[variant] = dict(engine.finished.final)["test_accuracy"]
    assert engine.data.input_shape == (102,)  # a symbol, 100 fillers, the question mark
    assert accuracy["lstm"] >= 0.95 and accuracy["rnn"] < 0.4, accuracy
