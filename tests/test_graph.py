"""Graph edits, validation messages in words, and JSON round-trips."""

from __future__ import annotations

import pytest

from mlsp_studio.errors import GraphError
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph

CTX = Context(inputs={"x": (2,)}, num_classes=3)
IMG = Context(inputs={"x": (1, 8, 8)}, num_classes=10)


def test_valid_chain_has_shapes_and_counts() -> None:
    graph = Graph.chain(["Input", ("Dense", {"units": 16}), "ReLU", "ClassifierHead"])
    analysis = graph.analyze(BLOCKS, CTX)
    assert analysis.ok, analysis.messages()
    assert analysis.shapes == {1: (2,), 2: (16,), 3: (16,), 4: (3,)}
    assert analysis.total_params == 2 * 16 + 16 + 16 * 3 + 3


def test_conv_after_dense_names_both_blocks() -> None:
    graph = Graph.chain(["Input", "Flatten", ("Dense", {"units": 64}),
                         ("Conv2d", {"out_channels": 4}), "ClassifierHead"])
    messages = graph.analyze(BLOCKS, IMG).messages()
    assert any(m.startswith("Conv2d 4 needs") and "4-D" in m and "(N, 64) from Dense 3" in m
               for m in messages), messages


def test_unconnected_output_is_named() -> None:
    graph = Graph.chain(["Input", ("Dense", {"units": 8}), "ClassifierHead"])
    extra = graph.add_node("Dense", {"units": 4})
    graph.connect(2, extra)
    assert f"Dense {extra}'s output is not connected" in graph.analyze(BLOCKS, CTX).messages()


def test_missing_input_is_named() -> None:
    graph = Graph.chain(["Input", "ClassifierHead"])
    lonely = graph.add_node("ReLU")
    graph.connect(lonely, graph.add_node("Output"))
    assert f"ReLU {lonely} has no input connected" in graph.analyze(BLOCKS, CTX).messages()


def test_cycle_is_reported_with_its_path() -> None:
    graph = Graph()
    a = graph.add_node("Input")
    b = graph.add_node("Add")
    c = graph.add_node("Dense", {"units": 2})
    d = graph.add_node("ClassifierHead")
    graph.connect(a, b, "in1")
    graph.connect(b, c)
    graph.connect(c, b, "in2")
    graph.connect(c, d)
    messages = graph.analyze(BLOCKS, CTX).messages()
    assert any(m.startswith("cycle through") and "Add 2" in m and "Dense 3" in m
               for m in messages), messages


def test_residual_connection_through_add() -> None:
    graph = Graph()
    x = graph.add_node("Input")
    h = graph.add_node("Dense", {"units": 2})
    act = graph.add_node("Tanh")
    add = graph.add_node("Add")
    head = graph.add_node("ClassifierHead")
    graph.connect(x, h)
    graph.connect(h, act)
    graph.connect(act, add, "in1")
    graph.connect(x, add, "in2")
    graph.connect(add, head)
    assert graph.analyze(BLOCKS, CTX).ok


def test_add_of_different_shapes_explains() -> None:
    graph = Graph()
    x = graph.add_node("Input")
    h = graph.add_node("Dense", {"units": 5})
    add = graph.add_node("Add")
    graph.connect(x, h)
    graph.connect(h, add, "in1")
    graph.connect(x, add, "in2")
    graph.connect(add, graph.add_node("ClassifierHead"))
    (message,) = graph.analyze(BLOCKS, CTX).problems_for(add)
    assert "(N, 5) from Dense 2" in message and "(N, 2) from Input 1" in message


def test_unknown_block_and_bad_param_are_named() -> None:
    graph = Graph.chain(["Input", ("Dense", {"units": 0}), "ClassifierHead"])
    graph.add_node("Teleporter")
    messages = graph.analyze(BLOCKS, CTX).messages()
    assert any("Dense 2" in m and "units" in m and "1 to" in m for m in messages), messages
    assert any("Teleporter" in m and "no block type" in m for m in messages), messages


def test_no_input_and_no_output() -> None:
    graph = Graph.chain([("Dense", {"units": 3})])
    messages = graph.analyze(BLOCKS, CTX).messages()
    assert "the network has no Input block" in messages
    assert any("no output" in m for m in messages)


def test_edges_refuse_busy_ports_self_loops_and_unknown_ports() -> None:
    graph = Graph.chain(["Input", ("Dense", {"units": 3}), "ClassifierHead"])
    with pytest.raises(GraphError, match="already fed by Input 1"):
        graph.connect(1, 2)
    with pytest.raises(GraphError, match="cannot feed itself"):
        graph.connect(2, 2)
    with pytest.raises(GraphError, match="no input called 'b'"):
        graph.connect(1, 3, "b", registry=BLOCKS)
    with pytest.raises(GraphError, match="takes no input"):
        graph.connect(2, 1, registry=BLOCKS)


def test_json_round_trip_is_exact() -> None:
    graph = Graph.chain(["Input", ("Conv2d", {"out_channels": 4, "kernel_size": 3}), "Flatten",
                         "ClassifierHead"])
    graph.move(2, (12.5, -40))
    data = graph.to_dict()
    again = Graph.from_dict(data).to_dict()
    assert again == data
    removed = graph.remove_node(2)
    assert len(removed) == 2 and 2 not in graph.nodes


@pytest.mark.parametrize("bad", [
    [], {"nodes": "x"}, {"nodes": [1]}, {"nodes": [{"id": "a", "type": "Dense"}]},
    {"nodes": [{"id": 1, "type": 5}]}, {"nodes": [{"id": 1, "type": "Dense", "params": []}]},
    {"nodes": [{"id": 1, "type": "Input"}], "edges": [{"from": 1, "to": 9}]},
    {"nodes": [{"id": 1, "type": "Input"}, {"id": 1, "type": "Input"}]},
])
def test_malformed_graph_json_is_refused_in_words(bad) -> None:
    with pytest.raises(GraphError):
        Graph.from_dict(bad)
