"""The block classes an exported script writes are the studio's own, copied from ``nn/``: the
script holds exactly their source, that source is plain torch a script can carry, and no
exporter module keeps a second copy of a class in a string."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
from block_cases_attention import export_graph as attention_graph
from block_cases_generative import export_graph as generative_graph
from script_checks import assert_same_network, load_script

from mlsp_studio.data import make_dataset
from mlsp_studio.export.python_script import python_source
from mlsp_studio.export.source_copy import source_of
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset

EXPORT = Path(__file__).resolve().parents[1] / "mlsp_studio" / "export"

# What a script copies from each module of nn/, in the order the script writes it.
COPIED = {
    "mlsp_studio.nn.attention": (
        "causal_mask", "MultiHeadAttention", "activation_layer", "TransformerEncoderLayer",
        "TransformerDecoderLayer", "ConformerFeedForward", "ConformerConvolution",
        "ConformerBlock"),
    "mlsp_studio.nn.sequence": (
        "sinusoid_table", "PositionalEncoding", "last_state", "open_gate", "AttentionPooling",
        "PatchEmbedding"),
    "mlsp_studio.nn.generative": (
        "MAX_PERIOD", "time_frequencies", "TimeEmbedding", "ConditionEmbedding", "ResBlock",
        "ReverseGradient"),
}
CASES = [(module, name) for module, names in COPIED.items() for name in names]
# What every script imports at its top: all a copied part may use besides the other parts.
SCRIPT_NAMES = {"np", "torch", "nn", "F"}


def _sequence_graphs() -> list[Graph]:
    """Digits networks (1, 8, 8) that between them need every sequence helper."""
    return [
        Graph.chain([("Input", {}), ("PatchEmbedding", {"patch": 4, "dim": 6}),
                     ("PositionalEncoding", {"max_len": 8}),
                     ("LSTM", {"hidden": 4, "bidirectional": True, "return_sequence": False,
                               "gate_bias": 1.0}), ("ClassifierHead", {})]),
        Graph.chain([("Input", {}), ("PatchEmbedding", {"patch": 2, "dim": 5,
                                                        "class_token": False}),
                     ("AttentionPooling", {"hidden": 3}), ("ClassifierHead", {})]),
    ]


def _scripts() -> list[tuple[Graph, str]]:
    out = []
    for graph in [attention_graph(), generative_graph(), *_sequence_graphs()]:
        project = load_preset("digits-cnn")
        project.slots["model"] = graph
        out.append((graph, python_source(project)))
    return out


@pytest.fixture(scope="module")
def scripts() -> list[tuple[Graph, str]]:
    return _scripts()


@pytest.mark.parametrize(("module", "name"), CASES, ids=[n for _, n in CASES])
def test_the_script_holds_exactly_the_studios_source(scripts, module: str, name: str) -> None:
    text = source_of(module, name)
    holding = [source for _, source in scripts if text in source]
    assert holding, f"no exported script holds {module}.{name} as it is written in nn/"
    for source in holding:  # written once, and not a second, different version beside it
        assert len(re.findall(rf"^(class|def) {name}\b|^{name} = ", source, re.M)) == 1


def test_the_scripts_build_the_studios_weights_and_outputs(scripts) -> None:
    ctx = make_dataset("digits", {}).context()
    for graph, source in scripts:
        assert_same_network(load_script(source), graph, ctx, (5, 1, 8, 8))


def _free_names(text: str) -> set[str]:
    """Names ``text`` reads that it never binds itself (its globals, roughly)."""
    tree = ast.parse(text)
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read - bound - set(dir(builtins))


@pytest.mark.parametrize("module", list(COPIED))
def test_the_copied_parts_use_only_what_a_script_imports(module: str) -> None:
    copied = {name for names in COPIED.values() for name in names}
    for name in COPIED[module]:
        extra = _free_names(source_of(module, name)) - SCRIPT_NAMES - copied
        assert not extra, f"{module}.{name} reads {sorted(extra)}, which a script lacks"


CODE_IN_STRING = re.compile(r"^\s*(class \w+\s*[(:]|def \w+\s*\()", re.M)


@pytest.mark.parametrize("path", sorted(EXPORT.glob("script_*_blocks.py")),
                         ids=lambda p: p.name)
def test_no_block_module_keeps_a_class_in_a_string(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found = CODE_IN_STRING.search(node.value)
            assert found is None, f"{path.name}:{node.lineno} writes {found.group(1)!r} " \
                                  "in a string: copy it from nn/ with source_of"
