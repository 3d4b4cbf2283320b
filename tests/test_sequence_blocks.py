"""The sequence blocks: recurrent traces equal torch, positional encoding values and limits,
attention pooling weights, patch embedding, shape errors in words, script and ONNX export."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from block_helpers import NO_CTX, build

from mlsp_studio.errors import GraphError, ShapeError
from mlsp_studio.export.python_script import model_source
from mlsp_studio.model.blocks import Context, Shape
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.nn.sequence import (
    AttentionPoolingModule,
    PositionalEncoding,
    Recurrent,
    capture_pooling,
    sinusoid_table,
)

# --- recurrent layers ----------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_trace_equals_torch(cell: str) -> None:
    block = build(cell, {"hidden": 5}, (9, 3))
    assert isinstance(block, Recurrent) and block.cell == cell and block.rnn.batch_first
    x = torch.randn(9, 3)
    trace = block.trace(x)
    with torch.no_grad():
        out, state = block.rnn(x.unsqueeze(0))
    torch.testing.assert_close(trace["hidden"], out[0], atol=1e-6, rtol=0)
    names = [name for name, _ in trace["gates"]]
    expected = {"RNN": [], "LSTM": ["input gate", "forget gate", "output gate", "candidate"],
                "GRU": ["reset gate", "update gate", "candidate"]}[cell]
    assert names == expected
    for name, values in trace["gates"]:
        assert values.shape == (9, 5)
        low = -1 if name == "candidate" else 0  # tanh, the gates are sigmoids
        assert values.min() >= low and values.max() <= 1
    if cell == "LSTM":
        torch.testing.assert_close(trace["cell"][-1], state[1][0, 0], atol=1e-6, rtol=0)
    else:
        assert trace["cell"] is None
    assert np.asarray(trace["hidden"]).shape == (9, 5)  # numpy-able: no gradient attached


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_trace_follows_the_first_layer_of_a_deep_bidirectional_stack(cell: str) -> None:
    block = build(cell, {"hidden": 4, "layers": 3, "bidirectional": True,
                         "return_sequence": False}, (6, 2))
    single = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[cell](
        2, 4, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(single, name).copy_(getattr(block.rnn, name))
        x = torch.randn(6, 2)
        torch.testing.assert_close(block.trace(x)["hidden"], single(x[None])[0][0],
                                   atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_bidirectional_last_state(cell: str) -> None:
    block = build(cell, {"hidden": 3, "layers": 2, "bidirectional": True,
                         "return_sequence": False}, (7, 2)).eval()
    x = torch.randn(4, 7, 2)
    with torch.no_grad():
        last = block(x)
        out, state = block.rnn(x)
    h_n = state[0] if cell == "LSTM" else state
    assert last.shape == (4, 6)
    # forward direction after the last step, backward direction after the first step
    torch.testing.assert_close(last, torch.cat([out[:, -1, :3], out[:, 0, 3:]], dim=-1))
    torch.testing.assert_close(last, torch.cat([h_n[-2], h_n[-1]], dim=-1))
    one_way = build(cell, {"hidden": 3, "return_sequence": False}, (7, 2))
    with torch.no_grad():
        torch.testing.assert_close(one_way(x), one_way.rnn(x)[0][:, -1])


def test_recurrent_counts_and_dropout_between_layers_only() -> None:
    for cell, gates in (("RNN", 1), ("LSTM", 4), ("GRU", 3)):
        spec = BLOCKS.get(cell)
        params = spec.validate_params({"hidden": 8, "layers": 2, "bidirectional": True})
        per_dir = gates * 8 * (5 + 8 + 2) + gates * 8 * (16 + 8 + 2)
        assert spec.param_count(params, [(10, 5)], NO_CTX) == 2 * per_dir
    assert build("LSTM", {"dropout": 0.5}, (4, 2)).rnn.dropout == 0.0
    assert build("LSTM", {"dropout": 0.5, "layers": 2}, (4, 2)).rnn.dropout == 0.5


# --- positional encoding -------------------------------------------------------------------

def test_positional_encoding_refuses_longer_sequences_in_words() -> None:
    spec = BLOCKS.get("PositionalEncoding")
    params = spec.validate_params({})
    with pytest.raises(ShapeError) as err:
        spec.shape_rule(params, [(600, 16)], NO_CTX)
    assert str(err.value) == ("handles sequences up to 512 tokens; this one has 600 — "
                              "raise max_len")
    assert spec.shape_rule(spec.validate_params({"kind": "none"}), [(600, 16)], NO_CTX) \
        == (600, 16)
    graph = Graph.chain([("Input", {"shape": (600, 16)}), ("PositionalEncoding", {}), "Output"])
    assert graph.analyze(BLOCKS, NO_CTX).messages() == [
        "PositionalEncoding 2 handles sequences up to 512 tokens; this one has 600 — raise "
        "max_len"]


@pytest.mark.parametrize("kind", ["sinusoidal", "learned"])
def test_positional_encoding_takes_shorter_sequences_at_run_time(kind: str) -> None:
    module = build("PositionalEncoding", {"kind": kind, "max_len": 10}, (10, 4))
    x = torch.randn(2, 10, 4)
    with torch.no_grad():
        full = module(x)
        torch.testing.assert_close(module(x[:, :3]), full[:, :3])
        with pytest.raises(ValueError, match="handles sequences up to 10 tokens; this one has "
                                             "11 — raise max_len"):
            module(torch.randn(2, 11, 4))


def test_sinusoidal_values() -> None:
    for dim in (6, 7):
        table = sinusoid_table(50, dim)
        for pos in (0, 1, 17, 49):
            for i in range(dim):
                angle = pos / 10000 ** (2 * (i // 2) / dim)
                want = math.sin(angle) if i % 2 == 0 else math.cos(angle)
                assert abs(float(table[pos, i]) - want) < 1e-5, (dim, pos, i)
    module = PositionalEncoding("sinusoidal", 8, 5)
    assert torch.equal(module(torch.zeros(1, 8, 5))[0], sinusoid_table(8, 5))
    assert list(module.state_dict()) == [] and list(module.parameters()) == []
    learned = PositionalEncoding("learned", 8, 5)
    assert [p.shape for p in learned.parameters()] == [(8, 5)]
    x = torch.randn(2, 4, 5)
    assert torch.equal(PositionalEncoding("none", 8, 5)(x), x)


# --- embedding -----------------------------------------------------------------------------

def test_embedding_follows_the_data_or_says_what_is_missing() -> None:
    spec = BLOCKS.get("Embedding")
    params = spec.validate_params({"dim": 4})
    assert spec.shape_rule(params, [(9,)], Context(vocab_size=30)) == (9, 4)
    assert spec.param_count(params, [(9,)], Context(vocab_size=30)) == 120
    with pytest.raises(ShapeError, match="set 'vocab' or pick a dataset of tokens"):
        spec.shape_rule(params, [(9,)], NO_CTX)
    small = spec.validate_params({"vocab": 10})
    with pytest.raises(ShapeError, match="has rows for 10 tokens but the data uses 30"):
        spec.shape_rule(small, [(9,)], Context(vocab_size=30))
    module = build("Embedding", {"dim": 4}, (9,), ctx=Context(vocab_size=30))
    ids = torch.tensor([[0, 29, 3]])
    torch.testing.assert_close(module(ids), module.weight[ids])
    torch.testing.assert_close(module(ids.float()), module(ids))


# --- attention pooling ---------------------------------------------------------------------

def _pooling_graph() -> Graph:
    return Graph.chain([("Input", {}), ("Dense", {"units": 6}),
                        ("AttentionPooling", {"hidden": 5}), ("ClassifierHead", {})])


def test_pooling_weights_sum_to_one_and_make_the_output() -> None:
    module = build("AttentionPooling", {"hidden": 5}, (7, 3))
    assert isinstance(module, AttentionPoolingModule) and not module.record_weights
    x = torch.randn(4, 7, 3)
    module.record_weights = True
    with torch.no_grad():
        out = module(x)
    weights = module.last_weights
    assert weights.shape == (4, 7) and not weights.requires_grad
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(4))
    torch.testing.assert_close(out, torch.einsum("nl,nld->nd", weights, x))
    scores = module.v(torch.tanh(module.score(x))).squeeze(-1)
    torch.testing.assert_close(weights, torch.softmax(scores, dim=1).detach())


def test_capture_pooling_returns_labelled_weights_and_stops_recording() -> None:
    ctx = Context(inputs={"x": (8, 3)}, num_classes=2)
    net = compile_graph(_pooling_graph(), BLOCKS, ctx)
    x = torch.randn(5, 8, 3)
    with torch.no_grad():
        output, records = capture_pooling(net, x)
        torch.testing.assert_close(output, net(x))
    [(key, label, weights)] = records
    assert (key, label) == ("n3", "AttentionPooling 3") and weights.shape == (5, 8)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(5))
    pooling = net.blocks["n3"]
    assert not pooling.record_weights
    with pytest.raises(ValueError):
        capture_pooling(net, x, x)  # the wrong number of inputs
    assert not pooling.record_weights

    def broken(*args):
        raise RuntimeError("head failed")

    net.blocks["n4"].forward = broken
    with pytest.raises(RuntimeError, match="head failed"):
        capture_pooling(net, x)
    assert not pooling.record_weights


# --- patch embedding and token selection ---------------------------------------------------

def test_patch_embedding_count_shape_and_class_token() -> None:
    spec = BLOCKS.get("PatchEmbedding")
    params = spec.validate_params({"patch": 4, "dim": 10})
    assert spec.shape_rule(params, [(3, 8, 12)], NO_CTX) == (7, 10)
    assert spec.param_count(params, [(3, 8, 12)], NO_CTX) == 3 * 16 * 10 + 10 + 10
    module = build("PatchEmbedding", {"patch": 4, "dim": 10}, (3, 8, 12))
    assert sum(p.numel() for p in module.parameters()) == 3 * 16 * 10 + 20
    x = torch.randn(2, 3, 8, 12)
    with torch.no_grad():
        out = module(x)
        assert out.shape == (2, 7, 10)
        torch.testing.assert_close(out[:, 0], module.class_token[0].expand(2, -1))
        # token 1 + 2 is the patch in row 0, column 2: a dense layer on its pixels
        patch = x[:, :, 0:4, 8:12].reshape(2, -1)
        want = patch @ module.proj.weight.reshape(10, -1).T + module.proj.bias
        torch.testing.assert_close(out[:, 3], want, atol=1e-5, rtol=0)


def test_take_token_transpose_and_repeat() -> None:
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(build("TakeToken", {"index": -2}, (5, 3))(x), x[:, 3])
    assert torch.equal(build("Transpose", {}, (5, 3))(x), x.transpose(1, 2))
    v = torch.randn(2, 3)
    repeated = build("RepeatVector", {"times": 4}, (3,))(v)
    assert repeated.shape == (2, 4, 3) and torch.equal(repeated[:, 2], v)


# --- shape errors in words -----------------------------------------------------------------

BAD = [
    ("Embedding", {"vocab": 10}, (4, 5), "needs token ids (N, L)", True),
    ("PositionalEncoding", {}, (16,), "needs a sequence (N, L, D)", True),
    ("PositionalEncoding", {"max_len": 8}, (9, 4), "handles sequences up to 8 tokens; this "
     "one has 9 — raise max_len", False),
    ("LSTM", {}, (3, 8, 8), "needs a sequence (N, L, D)", True),
    ("GRU", {}, (8,), "needs a sequence (N, L, D)", True),
    ("RNN", {}, (2, 3, 4), "needs a sequence (N, L, D)", True),
    ("AttentionPooling", {}, (16,), "needs a sequence (N, L, D)", True),
    ("PatchEmbedding", {}, (16, 16), "needs an image (N, C, H, W)", True),
    ("PatchEmbedding", {"patch": 4}, (1, 30, 32), "needs the height (30) and width (32) to "
     "be multiples of the patch size (4)", True),
    ("TakeToken", {"index": 5}, (5, 3), "takes token 5, but a sequence of 5 tokens has "
     "indices 0 to 4 (or -5 to -1)", False),
    ("TakeToken", {"index": -6}, (5, 3), "takes token -6", False),
    ("TakeToken", {}, (5,), "needs a sequence (N, L, D)", True),
    ("Transpose", {}, (2, 3, 4), "needs exactly two axes besides the batch, (N, A, B)", True),
    ("RepeatVector", {}, (4, 2), "needs one vector per example, (N, D)", True),
]


@pytest.mark.parametrize(("name", "raw", "shape", "words", "about_input"), BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_shapes_are_explained(name: str, raw: dict, shape: Shape, words: str,
                                  about_input: bool) -> None:
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    ctx = Context(inputs={"x": shape})
    with pytest.raises(ShapeError) as err:
        spec.shape_rule(params, [shape], ctx)
    message = str(err.value)
    assert words in message and err.value.about_input == about_input
    assert message[0].islower() and not message.endswith((".", ","))
    graph = Graph.chain([("Input", {}), (name, raw), "Output"])
    [problem] = graph.analyze(BLOCKS, ctx).messages()
    assert problem.startswith(f"{name} 2 {words}") and len(problem) < 200
    with pytest.raises(GraphError):
        compile_graph(graph, BLOCKS, ctx)


# --- export --------------------------------------------------------------------------------

def test_script_embedding_follows_the_datas_vocabulary() -> None:
    graph = Graph.chain([("Input", {}), ("Embedding", {"dim": 4}),
                         ("GRU", {"hidden": 3, "return_sequence": False}),
                         ("ClassifierHead", {})])
    ctx = Context(inputs={"x": (6,)}, num_classes=2, vocab_size=13)
    source = model_source("model", graph, graph.analyze(BLOCKS, ctx), BLOCKS, True)
    assert "nn.Embedding(13, 4)" in source
    namespace: dict = {}
    exec("import numpy as np\nimport torch\nfrom torch import nn\n" + source, namespace)
    torch.manual_seed(1)
    net = compile_graph(graph, BLOCKS, ctx).eval()
    torch.manual_seed(1)
    model = namespace["Model"]().eval()
    x = torch.randint(0, 13, (4, 6))
    with torch.no_grad():
        torch.testing.assert_close(model(x), net(x), atol=1e-6, rtol=0)


ONNX_GRAPHS = {
    "tokens-lstm-pooling": ("tokens", [("Embedding", {"vocab": 20, "dim": 6}),
                                       ("PositionalEncoding", {"max_len": 12}),
                                       ("LSTM", {"hidden": 5, "layers": 2,
                                                 "bidirectional": True}),
                                       ("AttentionPooling", {"hidden": 4})]),
    "tokens-gru-repeat-rnn": ("tokens", [("Embedding", {"vocab": 20, "dim": 5}),
                                         ("PositionalEncoding", {"kind": "learned",
                                                                 "max_len": 12}),
                                         ("GRU", {"hidden": 4, "bidirectional": True,
                                                  "return_sequence": False}),
                                         ("RepeatVector", {"times": 3}),
                                         ("RNN", {"hidden": 3, "return_sequence": False})]),
    "tokens-transpose-take": ("tokens", [("Embedding", {"vocab": 20, "dim": 4}),
                                         ("PositionalEncoding", {"kind": "none"}),
                                         "Transpose", ("Conv1d", {"out_channels": 4}),
                                         "Transpose", ("TakeToken", {"index": -1})]),
    "image-patches": ("image", [("PatchEmbedding", {"patch": 4, "dim": 6}),
                                ("RNN", {"hidden": 4, "bidirectional": True}),
                                ("TakeToken", {"index": 0})]),
}


@pytest.mark.parametrize("name", list(ONNX_GRAPHS))
def test_onnx_export_matches_pytorch(tmp_path: Path, name: str) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from mlsp_studio.export.onnx_export import check_onnx, export_onnx

    data, blocks = ONNX_GRAPHS[name]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, size=(80, 12)) if data == "tokens" else rng.random((80, 1, 8, 8))
    np.savez(tmp_path / "data.npz", x=x, y=np.arange(80) % 3)
    project = load_preset("spiral")
    project.dataset, project.dataset_options = "npz", {"path": str(tmp_path / "data.npz")}
    project.slots["model"] = Graph.chain([("Input", {}), *blocks, ("ClassifierHead", {})])
    out = export_onnx(project, tmp_path / f"{name}.onnx")
    assert check_onnx(project, out) <= 1e-4
