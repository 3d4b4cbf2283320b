"""Every block says what it computes: an equation in plain notation, a sentence for each
symbol, and the sizes of the network filled in (no torch)."""

from __future__ import annotations

import math

import pytest

from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.equations import (
    EQUATIONS,
    UNKNOWN,
    Equation,
    block_equation,
    node_equation,
    says,
    shapes_words,
)
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import list_presets, load_preset
from mlsp_studio.model.project import check_project


def _well_formed(eq: Equation, what: str) -> None:
    assert eq is not UNKNOWN and eq.lines and all(line.strip() for line in eq.lines), what
    assert eq.symbols and all(sym and words for sym, words in eq.symbols), what
    text = " ".join([*eq.lines, *(w for _, w in eq.symbols), eq.note])
    assert "{" not in text and "None" not in text, (what, text)


def test_every_block_says_what_it_computes() -> None:
    """Each built-in block has an equation of its own, with its defaults and no shapes."""
    for spec in BLOCKS:
        assert spec.type in EQUATIONS, spec.type
        _well_formed(block_equation(spec.type), spec.type)


@pytest.mark.parametrize("preset", [info.name for info in list_presets()])
def test_every_block_of_every_preset_has_its_sizes_filled_in(preset: str) -> None:
    project = load_preset(preset)
    check = check_project(project, BLOCKS)
    for slot, graph in project.slots.items():
        analysis = check.analyses[slot]
        for node_id, node in graph.nodes.items():
            eq = node_equation(graph, analysis, BLOCKS, node_id)
            _well_formed(eq, node.label)
            out = analysis.shapes[node_id]
            words = " ".join(w for _, w in eq.symbols)
            if node.type != "Input":
                assert "(N, …)" not in words, (node.label, words)  # every shape is known
            assert "(N, " + ", ".join(map(str, out)) + ")" in words + " ".join(eq.lines) \
                or node.type in ("GradientReversal",), (node.label, out, words)


def test_a_dense_layer_reads_y_equals_w_x_plus_b_with_its_sizes() -> None:
    graph = Graph.chain([("Input", {"shape": [3]}), ("Dense", {"units": 4}), "Output"])
    analysis = graph.analyze(BLOCKS, Context())
    eq = node_equation(graph, analysis, BLOCKS, 2)
    assert eq.lines[0] == "y = W x + b"
    assert "i = 1…3, j = 1…4" in eq.lines[1]
    assert dict(eq.symbols)["W"].startswith("the weights, a 4 × 3 table")
    assert eq.symbol_of("weight") == "W" and eq.symbol_of("bias") == "b"
    assert shapes_words(eq, ((3,),), (4,)) == "x (N, 3) → y (N, 4)"
    no_bias = block_equation("Dense", {"units": 4, "bias": False}, [(3,)], (4,))
    assert no_bias.lines[0] == "y = W x" and "b" not in dict(no_bias.symbols)


def test_attention_the_lstm_and_the_classifier_say_their_parts() -> None:
    attention = block_equation("MultiHeadAttention", {"heads": 4}, [(10, 32)], (10, 32))
    assert any("softmax(Q Kᵀ / √d)" in line for line in attention.lines)
    assert "d = 8" in dict(attention.symbols)["Q, K, V"]
    assert attention.symbol_of("q_proj.weight") == "W_Q"
    causal = block_equation("MultiHeadAttention", {"causal": True, "heads": 2}, [(5, 8)], (5, 8))
    assert "M" in dict(causal.symbols) and "+ M" in causal.lines[1]
    cross = block_equation("MultiHeadAttention", {"mode": "cross"}, [(5, 8), (7, 6)], (5, 8))
    assert cross.inputs == ("X", "C") and "(N, 7, 6)" in dict(cross.symbols)["C"]
    lstm = block_equation("LSTM", {"hidden": 16}, [(20, 3)], (20, 16))
    assert lstm.lines[-1] == "h_t = o_t ⊙ tanh(c_t)" and len(lstm.lines) == 6
    assert {"i_t, f_t, o_t", "g_t", "c_t"} <= set(dict(lstm.symbols))
    assert lstm.symbol_of("rnn.weight_hh_l0") == "U"
    head = block_equation("ClassifierHead", {}, [(16,)], (10,))
    assert head.lines[-1].startswith("loss = −ln p_c") and "nats" in head.lines[-1]
    assert f"{math.log(10):.2f} nats" in head.note
    layer = block_equation("TransformerEncoderLayer", {}, [(12, 64)], (12, 64))
    assert layer.symbol_of("self_attn.k_proj.weight") == "W_K"
    assert layer.symbol_of("linear2.bias") == "b₂"


def test_a_new_block_type_adds_its_rule_and_an_unknown_one_reads_as_f() -> None:
    assert block_equation("NoSuchBlock") is UNKNOWN
    with pytest.raises(ValueError, match="two equations"):
        says("Dense")(lambda f: UNKNOWN)
    says("TestOnlyBlock")(lambda f: Equation((f"y = {f.p('k', 2)} x",), (("x", "it"),)))
    try:
        assert block_equation("TestOnlyBlock", {"k": 3}).lines == ("y = 3 x",)
    finally:
        del EQUATIONS["TestOnlyBlock"]


def test_bad_settings_fall_back_to_the_defaults() -> None:
    eq = block_equation("Conv2d", {"kernel_size": "wide"}, [(1, 8, 8)], (16, 8, 8))
    assert "0…2" in dict(eq.symbols)["u, v"]  # the default kernel of 3
