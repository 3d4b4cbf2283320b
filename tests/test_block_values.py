"""The numbers behind a block's equation: true to the network (a dense layer's output is
W x + b, its worked sum adds up), of the right shapes for an LSTM and attention, for one
example that stays fixed while the weights learn, given by the engine for any paradigm, and
unchanged by the wire."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
import torch

from mlsp_studio.engine import Engine
from mlsp_studio.messages.events import Built
from mlsp_studio.messages.wire import decode, encode
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.paradigms.block_values import KIND, BlockValuesProbe
from mlsp_studio.snapshots.math import OPTION, BlockValues


def _tables(snap: BlockValues) -> dict[str, np.ndarray]:
    return {t.name: np.asarray(t.values) for t in (*snap.inputs, *snap.params, *snap.output,
                                                    *snap.inside)}


def _probe(graph: Graph, ctx: Context, x: torch.Tensor) -> tuple[BlockValuesProbe, object]:
    net = compile_graph(graph, BLOCKS, ctx)
    probe = BlockValuesProbe({"model": net}, ["model"])
    net(x)  # the first batch it is given: its first example is kept
    return probe, net


def test_a_dense_layer_gives_y_equal_w_x_plus_b_and_a_sum_that_adds_up() -> None:
    torch.manual_seed(0)
    graph = Graph.chain([("Input", {"shape": [5]}), ("Dense", {"units": 4}), "Tanh",
                         ("Dense", {"units": 3, "bias": False}), "Output"])
    x = torch.randn(7, 5)
    probe, net = _probe(graph, Context(), x)
    probe.choose(["model", 2])
    (snap,) = probe.snapshots(step=3)
    assert (snap.slot, snap.node, snap.label, snap.step) == ("model", 2, "Dense 2", 3)
    assert snap.in_shapes == ((5,),) and snap.out_shape == (4,)
    t = _tables(snap)
    assert np.allclose(t["input 1"][0], x[0].numpy())  # the first example of the first batch
    assert t["weight"].shape == (4, 5) and t["bias"].shape == (1, 4)
    assert np.allclose(t["output"][0], t["weight"] @ t["input 1"][0] + t["bias"][0], atol=1e-6)
    worked = snap.worked
    assert worked.count == 5 and len(worked.weights) == 5 and worked.rest == 0.0
    total = float(np.dot(worked.weights, worked.inputs)) + worked.rest + worked.bias
    assert total == pytest.approx(worked.output, abs=1e-6)
    assert worked.output == pytest.approx(float(t["output"][0, 0]), abs=1e-6)
    probe.choose(["model", 4])
    (last,) = probe.snapshots(step=3)
    assert np.isnan(last.worked.bias) and last.worked.count == 4
    assert "first example the model network was given" in last.example


def test_a_wide_dense_layer_sums_its_other_terms_together() -> None:
    graph = Graph.chain([("Input", {"shape": [40]}), ("Dense", {"units": 30}), "Output"])
    probe, _ = _probe(graph, Context(), torch.randn(3, 40))
    (snap,) = probe.snapshots(step=0)  # the first block with weights, unasked
    assert snap.node == 2 and len(snap.worked.weights) == 6 and snap.worked.count == 40
    total = float(np.dot(snap.worked.weights, snap.worked.inputs)) + snap.worked.rest \
        + snap.worked.bias
    assert total == pytest.approx(snap.worked.output, abs=1e-5)
    weight = next(t for t in snap.params if t.name == "weight")
    assert weight.shape == (30, 40) and np.asarray(weight.values).shape == (6, 8)


def test_an_lstm_shows_its_gates_and_the_state_it_gives() -> None:
    engine = Engine(load_preset("rnn-vs-lstm"), max_steps=2, threads=1)
    engine.build()
    probe = BlockValuesProbe(engine.nets, engine.project.slots, engine.data)
    engine.run_blocking()
    node = next(n.id for n in engine.project.slots["model"].nodes.values() if n.type == "LSTM")
    probe.choose(["model", node])
    (snap,) = probe.snapshots(engine.step_count)
    length, features = engine.nets["model"].shapes[f"n{node - 1}"]
    assert snap.in_shapes == ((length, features),) and snap.out_shape == (32,)
    gates = snap.inside[0]
    assert gates.name == "gates" and gates.shape == (6, 32)
    assert gates.row_names == ("i_t", "f_t", "o_t", "g_t", "c_t", "h_t")
    values = np.asarray(gates.values)
    assert values.shape == (6, 8) and ((values[:3] >= 0) & (values[:3] <= 1)).all()
    assert np.allclose(values[-1], np.asarray(snap.output[0].values)[0], atol=1e-5)
    names = [t.name for t in snap.params]
    assert names == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"]
    assert snap.params[0].shape == (128, features)
    assert snap.example.startswith("validation example 1") and "of class" in snap.example


def test_attention_shows_its_weights_each_row_adding_up_to_one() -> None:
    graph = Graph.chain([("Input", {"shape": [5, 8]}), ("MultiHeadAttention", {"heads": 2}),
                         "Output"])
    probe, _ = _probe(graph, Context(), torch.randn(4, 5, 8))
    probe.choose(["model", 2])
    (snap,) = probe.snapshots(step=1)
    weights = snap.inside[0]
    assert weights.name == "A" and weights.shape == (5, 5)
    assert np.allclose(np.asarray(weights.values).sum(axis=1), 1.0, atol=1e-5)
    assert snap.in_shapes == ((5, 8),) and snap.out_shape == (5, 8)
    assert [t.name for t in snap.params][:2] == ["q_proj.weight", "q_proj.bias"]


def test_a_transformer_layer_of_transformer_reverse_carries_its_shapes() -> None:
    engine = Engine(load_preset("transformer-reverse"), max_steps=1, threads=1)
    engine.build()
    probe = BlockValuesProbe(engine.nets, engine.project.slots, engine.data)
    node = next(n.id for n in engine.project.slots["model"].nodes.values()
                if n.type == "TransformerEncoderLayer")
    probe.choose(["model", node])
    (snap,) = probe.snapshots(0)
    assert snap.in_shapes == ((12, 64),) and snap.out_shape == (12, 64)
    assert snap.inside[0].name == "A" and snap.inside[0].shape == (12, 12)
    assert len(snap.params) == 8 and snap.more_params == 8


def test_the_example_stays_while_the_weights_learn_and_training_is_untouched() -> None:
    engine = Engine(load_preset("spiral"), max_steps=30, threads=1)
    engine.build()
    probe = BlockValuesProbe(engine.nets, engine.project.slots, engine.data)
    net = engine.nets["model"]
    net.train()
    probe.choose(["model", 2])
    (before,) = probe.snapshots(0)
    assert net.training and all(m.training for m in net.modules())  # put back as it was
    engine.run_blocking()
    (after,) = probe.snapshots(engine.step_count)
    assert np.array_equal(before.inputs[0].values, after.inputs[0].values)
    assert not np.allclose(before.params[0].values, after.params[0].values)
    assert before.example == after.example == "validation example 1, of class " + \
        engine.data.class_names[int(engine.data.val.y[0])]


def test_a_block_the_run_does_not_have_says_so() -> None:
    graph = Graph.chain([("Input", {"shape": [2]}), ("Dense", {"units": 2}), "Output"])
    probe, _ = _probe(graph, Context(), torch.randn(2, 2))
    probe.choose(["model", 99])
    (snap,) = probe.snapshots(0)
    assert snap.node == 99 and "added after the run started" in snap.note
    probe.choose("nonsense")
    assert probe.chosen() == ("model", 99)
    unfed = BlockValuesProbe({"model": compile_graph(graph, BLOCKS, Context())}, ["model"])
    (waiting,) = unfed.snapshots(0)
    assert "not been run" in waiting.note


@pytest.mark.parametrize(("preset", "slot", "block"), [
    ("spiral", "model", "Dense"), ("gpt-chars", "model", "TransformerEncoderLayer"),
    ("gan-ring", "discriminator", "Dense"), ("gan-ring", "generator", "Dense")])
def test_the_engine_gives_the_numbers_for_any_paradigm(preset: str, slot: str,
                                                       block: str) -> None:
    events: list = []
    engine = Engine(load_preset(preset), sink=events.append, max_steps=3, threads=1)
    node = max(n.id for n in engine.project.slots[slot].nodes.values() if n.type == block)
    engine.set_visual_option(OPTION, [slot, node])
    engine.request_visuals({KIND}, 0.0)
    engine.start(running=True, build_in_worker=True)
    deadline = time.monotonic() + 120
    while engine.finished is None and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.stop()
    assert engine.join(10) and engine.finished is not None
    built = [e for e in events if isinstance(e, Built)]
    assert built and KIND in built[0].visual_kinds
    snaps = [e for e in events if isinstance(e, BlockValues)]
    assert snaps and all((s.slot, s.node) == (slot, node) for s in snaps)
    last = snaps[-1]
    assert last.output and last.params and not last.note, last.note
    if slot == "generator":
        assert "first example the generator network was given" in last.example


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(
            a, b, equal_nan=a.dtype.kind == "f")
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def test_the_numbers_travel_unchanged() -> None:
    engine = Engine(load_preset("rnn-vs-lstm"), max_steps=1, threads=1)
    engine.build()
    probe = BlockValuesProbe(engine.nets, engine.project.slots, engine.data)
    for node in engine.project.slots["model"].nodes:
        probe.choose(["model", node])
        (snap,) = probe.snapshots(1)
        back = decode(encode(snap))
        assert _same(snap, back), snap.label
    graph = Graph.chain([("Input", {"shape": [3]}), ("Dense", {"units": 2, "bias": False}),
                         "Output"])
    probe, _ = _probe(graph, Context(), torch.randn(2, 3))
    (snap,) = probe.snapshots(0)
    assert np.isnan(decode(encode(snap)).worked.bias)


def test_the_figure_shows_the_equation_and_the_numbers(tmp_path) -> None:
    from mlsp_studio.report.math_drawings import FIGURES, block_values_figure

    graph = Graph.chain([("Input", {"shape": [4]}), ("Dense", {"units": 3}), "Output"])
    probe, _ = _probe(graph, Context(), torch.randn(2, 4))
    (snap,) = probe.snapshots(5)
    fig = block_values_figure(snap)
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "Dense 2 — step 5, the first example the model network was given in " \
        "this run"
    assert "y = W x + b" in texts[2] and "(the network gives" in texts[3]
    assert FIGURES["block_values"][0] == "block_values.png"
    for empty in (BlockValues(step=0), dataclasses.replace(snap, worked=None, inputs=())):
        path = tmp_path / f"{empty.step}.png"
        block_values_figure(empty).savefig(path)
        assert path.stat().st_size > 0
