"""Hostile project files: every one loads as a project or is refused in one plain sentence.

Each preset's file is mutated (cut short, bytes flipped, values swapped for odd JSON, keys
duplicated or dropped, blocks wired to missing ids or in cycles, nesting thousands deep, lists
far too long) and random JSON is written as a project. Whatever the file, ``load_project``,
``check_project``, saving and loading again, ``with_variant`` and ``apply_setting`` either work
or raise a ``StudioError`` whose message is one line, and no file hangs.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from project_fuzzing import assert_sentence, exercise

from mlsp_studio.errors import StudioError
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import MAX_NODES
from mlsp_studio.model.presets import presets_dir
from mlsp_studio.model.project import FORMAT, MAX_VALUES, Project, check_project, load_project

PRESET_FILES = sorted(presets_dir().glob("*.mlsp.json"))
PRESET_TEXTS = {p.name: p.read_text(encoding="utf-8") for p in PRESET_FILES}

KEYS = ("format", "version", "name", "description", "paradigm", "dataset", "options", "slots",
        "model", "nodes", "edges", "id", "type", "params", "pos", "from", "to", "port", "hparams",
        "seed", "device", "variants", "ui", "units", "classes", "lr", "batch_size", "noise",
        "inputs", "shape", "in", "in1", "in2", "title", "summary")
STRINGS = ("", " ", "\n", "\x00", "x" * 5000, "NaN", "Infinity", "supervised", "spiral",
           "digits", "csv", "npz", "Dense", "Input", "Add", "Concat", "ClassifierHead", "model",
           "in", "in2", "auto", "cuda", "tpu", "1e-3", "-1", "1,2,3", "(1, 8, 8)", "true",
           "üñï©ødé", "\u202e", "\ud7ff", FORMAT)
NUMBERS = (0, 1, -1, 2, 3, 64, 2**31 - 1, 2**31, 2**63, -(2**63), 10**9, 10**300, -(10**300),
           0.5, -0.0, 1e-300, 1e300, math.inf, -math.inf, math.nan)
SETTING_NAMES = ("seed", "device", "dataset", "lr", "batch_size", "epochs", "optimizer",
                 "momentum", "weight_decay", "eval_every", "noise", "dataset.noise", "classes",
                 "dataset.classes", "n_samples", "flatten", "length", "path", "task",
                 "val_fraction", "test_fraction", "frequency", "", "dataset.", "nope")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(STRINGS),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.sampled_from(STRINGS))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)

# text put where a sentinel string stands: what ``json.dumps`` cannot write for us
DEEP = ("[" * 10_000 + "]" * 10_000, "[" * 990 + "]" * 990, "[" * 600 + "]" * 600,
        "[" * 300 + "]" * 300, '{"a": ' * 5000 + "1" + "}" * 5000, '{"a": ' * 400 + "1" + "}" * 400,
        "[" * 100_000)
NUMBER_TEXTS = ("9" * 4300, "9" * 4301, "-" + "9" * 20_000, "1e999", "-1e999", "1E-999",
                "0.0000000000000000000000000000000000001", "1" + "0" * 400 + ".5", "-0",
                "NaN", "Infinity", "-Infinity")


def _node(i: int) -> str:
    return json.dumps({"id": i, "type": "Dense", "params": {"units": 4}, "pos": [0, i]})


HUGE_LISTS = (
    "[" + ", ".join(_node(i) for i in range(1, 100_001)) + "]",
    "[" + ", ".join(_node(i) for i in range(1, MAX_NODES + 2)) + "]",
    "[" + ", ".join(json.dumps({"from": 1, "to": 2, "port": f"p{i}"}) for i in range(40_001))
    + "]",
    "[" + ",".join(["0"] * 200_000) + "]",
    "[" + ",".join(["0"] * (MAX_VALUES - 500)) + "]",               # just under MAX_VALUES
    "[" + ",".join(["[" * 5 + "0" + "]" * 5] * (MAX_VALUES // 6 - 500)) + "]",  # slowest to save
    '"' + "x" * 200_000 + '"',
    '"' + "\\u00e9" * 1_400_000 + '"',                            # 8 MB once escaped
    '"' + "é" * 1_400_000 + '"',
)
SPLICES = {"DEEP": DEEP, "NUMBER": NUMBER_TEXTS, "HUGE": HUGE_LISTS}


# -- building hostile files ---------------------------------------------------------------------

def _containers(tree: Any) -> list[Any]:
    """Every dict and list in the tree (iteratively: the trees may be deep)."""
    out, stack = [], [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            out.append(item)
            stack.extend(item)
    return out


def _pick_slot(data: st.DataObject, tree: dict) -> dict | None:
    slots = tree.get("slots") if isinstance(tree, dict) else None
    graphs = [g for g in slots.values() if isinstance(g, dict)] if isinstance(slots, dict) else []
    return data.draw(st.sampled_from(graphs)) if graphs else None


def _nodes(graph: dict | None) -> list[dict]:
    nodes = (graph or {}).get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _node_ids(graph: dict) -> list[Any]:
    return [n.get("id") for n in _nodes(graph)] or [1]


def _replace_value(data, tree):
    boxes = [c for c in _containers(tree) if c]
    box = data.draw(st.sampled_from(boxes))
    key = data.draw(st.sampled_from(list(box) if isinstance(box, dict) else range(len(box))))
    box[key] = data.draw(json_values | st.sampled_from(sorted(SPLICES)).map(lambda k: f"@{k}@"))


def _delete_key(data, tree):
    boxes = [c for c in _containers(tree) if c]
    box = data.draw(st.sampled_from(boxes))
    key = data.draw(st.sampled_from(list(box) if isinstance(box, dict) else range(len(box))))
    del box[key]


def _rename_key(data, tree):
    """A key renamed: a network, setting or field under a name of odd text."""
    boxes = [c for c in _containers(tree) if isinstance(c, dict) and c]
    box = data.draw(st.sampled_from(boxes))
    key = data.draw(st.sampled_from(list(box)))
    box[data.draw(keys | st.sampled_from(STRINGS))] = box.pop(key)


def _duplicate_key(data, tree):
    """A key written twice (JSON allows it; the last one wins)."""
    boxes = [c for c in _containers(tree) if isinstance(c, dict) and c]
    box = data.draw(st.sampled_from(boxes))
    key = data.draw(st.sampled_from(list(box)))
    box[f"@DUP:{key}@"] = data.draw(json_values)


def _missing_ids(data, tree):
    graph = _pick_slot(data, tree)
    if graph is not None and isinstance(graph.get("edges"), list):
        ids = _node_ids(graph)
        ghost = data.draw(st.integers(-5, 0) | st.integers(10**6, 10**10) | json_values)
        end = data.draw(st.sampled_from(["from", "to"]))
        edge = {"from": data.draw(st.sampled_from(ids)), "to": data.draw(st.sampled_from(ids)),
                "port": "in"}
        edge[end] = ghost
        graph["edges"].append(edge)


def _cycle(data, tree):
    """An edge turned round (a loop through two blocks) or a new edge between any two."""
    graph = _pick_slot(data, tree)
    edges = (graph or {}).get("edges")
    edges = [e for e in edges if isinstance(e, dict)] if isinstance(edges, list) else []
    if edges and data.draw(st.booleans()):
        edge = data.draw(st.sampled_from(edges))
        edge["from"], edge["to"] = edge.get("to"), edge.get("from")
    elif graph is not None and isinstance(graph.get("edges"), list):
        ids = _node_ids(graph)
        src, dst = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
        port = data.draw(st.sampled_from(["in", "in1", "in2", "extra", ""]))
        graph["edges"].append({"from": src, "to": dst, "port": port})


def _unknown_type(data, tree):
    nodes = _nodes(_pick_slot(data, tree))
    if nodes:
        node = data.draw(st.sampled_from(nodes))
        node["type"] = data.draw(st.text(max_size=70) | st.sampled_from(STRINGS) | json_values)


def _shuffle_ids(data, tree):
    graph = _pick_slot(data, tree)
    nodes = _nodes(graph)
    if nodes:
        node = data.draw(st.sampled_from(nodes))
        node["id"] = data.draw(st.sampled_from(_node_ids(graph)) | st.sampled_from(NUMBERS))


def _splice(data, tree):
    """Deep nesting, long numbers or huge lists in ``ui``, params, nodes or anywhere."""
    kind = data.draw(st.sampled_from(sorted(SPLICES)))
    target = data.draw(st.sampled_from(["ui", "params", "nodes", "edges", "hparams",
                                        "anywhere"]))
    marker = f"@{kind}@"
    graph = _pick_slot(data, tree)
    nodes = _nodes(graph)
    if target == "ui":
        if isinstance(tree.setdefault("ui", {}), dict):
            tree["ui"]["deep"] = marker
    elif target == "params" and nodes:
        data.draw(st.sampled_from(nodes))["params"] = {"units": marker}
    elif target in ("nodes", "edges") and graph is not None:
        graph[target] = marker
    elif target == "hparams" and isinstance(tree.get("hparams"), dict):
        tree["hparams"]["lr"] = marker
    else:
        boxes = [c for c in _containers(tree) if c]
        box = data.draw(st.sampled_from(boxes))
        key = data.draw(st.sampled_from(list(box) if isinstance(box, dict) else range(len(box))))
        box[key] = marker


MUTATIONS = (_replace_value, _delete_key, _rename_key, _duplicate_key, _missing_ids, _cycle,
             _unknown_type, _shuffle_ids, _splice)


def _dumps(tree: Any, data: st.DataObject) -> str:
    """JSON text of a tree, with markers swapped for duplicate keys and spliced text."""
    text = json.dumps(tree, allow_nan=True)
    for kind, options in SPLICES.items():
        while f'"@{kind}@"' in text:
            text = text.replace(f'"@{kind}@"', data.draw(st.sampled_from(options)), 1)
    while '"@DUP:' in text:
        start = text.index('"@DUP:')
        end = text.index('@"', start)
        key = json.loads(f'"{text[start + 6:end]}"')
        text = text[:start] + json.dumps(key) + text[end + 2:]
    return text


def _byte_mutation(data: st.DataObject, raw: bytes) -> bytes:
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "truncate":
            raw = raw[:at]
        elif op == "flip" and raw:
            raw = raw[:at] + bytes([raw[at] ^ (1 << data.draw(st.integers(0, 7)))]) + raw[at + 1:]
        elif op == "insert":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=8)
                                       | st.sampled_from([b"{", b"[", b'"', b",", b"}", b"]",
                                                          b"\\", b"\xff", b"\x00", b"NaN"])) \
                + raw[at:]
        elif op == "delete":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 16)):]
    return raw


settings_drawn = st.tuples(st.sampled_from(SETTING_NAMES) | st.text(max_size=10)
                           | st.sampled_from(STRINGS), json_values)
# no "explain" phase: it traces every line, which makes the largest files crawl.
# Exploring runs find new cases on a developer's machine; CI runs the same fixed set every
# time, so that a red CI always means a change broke something.
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=os.environ.get("CI") == "true",
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(FUZZ, max_examples=1200)
@given(data=st.data(), preset=st.sampled_from(sorted(PRESET_TEXTS)), setting=settings_drawn)
def test_mutated_presets(folder, data, preset, setting) -> None:
    tree = json.loads(PRESET_TEXTS[preset])
    for _ in range(data.draw(st.integers(1, 3))):
        data.draw(st.sampled_from(MUTATIONS))(data, tree)
    exercise(folder, _dumps(tree, data).encode("utf-8"), setting)


@settings(FUZZ, max_examples=600)
@given(data=st.data(), preset=st.sampled_from(sorted(PRESET_TEXTS)), setting=settings_drawn)
def test_damaged_preset_bytes(folder, data, preset, setting) -> None:
    exercise(folder, _byte_mutation(data, PRESET_TEXTS[preset].encode("utf-8")), setting)


@settings(FUZZ, max_examples=400)
@given(value=json_values, setting=settings_drawn)
def test_random_json(folder, value, setting) -> None:
    exercise(folder, json.dumps(value, allow_nan=True).encode("utf-8"), setting)


@settings(FUZZ, max_examples=500)
@given(body=st.dictionaries(keys, json_values, max_size=8), setting=settings_drawn)
def test_random_json_with_a_project_header(folder, body, setting) -> None:
    """Past the format check, so the rest of the reader meets the random values."""
    value = {"format": FORMAT, "version": 1, **body}
    exercise(folder, json.dumps(value, allow_nan=True).encode("utf-8"), setting)


@settings(FUZZ, max_examples=150)
@given(raw=st.binary(max_size=200))
def test_random_bytes(folder, raw) -> None:
    exercise(folder, raw)


# -- what the fuzzing found, kept as plain tests -------------------------------------------------

def _preset(name: str = "spiral") -> dict:
    return json.loads(PRESET_TEXTS[f"{name}.mlsp.json"])


def _refusal(folder: Path, text: str) -> str:
    """The sentence a file is refused with (after the same checks as every fuzzed file)."""
    exercise(folder, text.encode("utf-8"))
    with pytest.raises(StudioError) as info:
        load_project(folder / "fuzz.mlsp.json")
    return str(info.value)


def test_a_number_of_thousands_of_digits_is_refused(folder) -> None:
    # json.loads raised a bare ValueError ("Exceeds the limit (4300 digits)...")
    text = json.dumps(_preset()).replace('"seed": 0', '"seed": ' + "9" * 5000)
    assert "number too long" in _refusal(folder, text)


@pytest.mark.parametrize("end", [[1], {"id": 1}, True, 1.0])
def test_connection_ends_must_be_block_ids(folder, end) -> None:
    # a list or object as "from" raised TypeError (unhashable); true was taken for block 1
    data = _preset()
    data["slots"]["model"]["edges"].append({"from": end, "to": 2, "port": "extra"})
    assert "connection #6 joins blocks that do not exist" in _refusal(folder, json.dumps(data))


@pytest.mark.parametrize("depth", [20, 400, 900])
@pytest.mark.parametrize("where", ["ui", "params", "hparams"])
def test_nesting_deeper_than_a_project_needs_is_refused(folder, depth, where) -> None:
    # json.loads reads ~990 levels, but copying and saving 400 ran out of stack (RecursionError)
    data = _preset()
    box = {"ui": data["ui"], "params": data["slots"]["model"]["nodes"][1]["params"],
           "hparams": data["hparams"]}[where]
    box["units"] = "@DEEP@"
    text = json.dumps(data).replace('"@DEEP@"', "[" * depth + "]" * depth)
    assert "nested too deeply" in _refusal(folder, text)


def test_nesting_beyond_what_json_reads_is_refused(folder) -> None:
    data = _preset()
    data["ui"]["deep"] = "@DEEP@"
    for deep in ("[" * 10_000 + "]" * 10_000, '{"a": ' * 5000 + "1" + "}" * 5000):
        assert "nested too deeply" in _refusal(folder, json.dumps(data).replace('"@DEEP@"', deep))


@pytest.mark.parametrize("name", ["Dense\nReLU", "Dense\r", "Dense\u2028"])
def test_block_types_are_one_line(folder, name) -> None:
    # an unknown type on two lines made check_project's sentences two lines
    data = _preset()
    data["slots"]["model"]["nodes"][1]["type"] = name
    assert "block #2 has no valid type" in _refusal(folder, json.dumps(data))


@pytest.mark.parametrize("slot", ["model\nextra", "", "m" * 65])
def test_network_names_are_short_and_one_line(folder, slot) -> None:
    # check_project starts each problem of a second network with its name, as written
    data = _preset()
    data["slots"][slot] = {"nodes": [{"id": 1, "type": "Nope"}], "edges": []}
    assert "networks need names" in _refusal(folder, json.dumps(data))


@pytest.mark.parametrize("variant", ["x" * 5000, "two\nlines", ""])
def test_variant_names_are_short_and_one_line(folder, variant) -> None:
    # with_variant's refusals repeated a 5000-character name whole
    data = _preset()
    data["variants"] = {variant: {"hparams": "not an object"}}
    assert "variants need names" in _refusal(folder, json.dumps(data))


@pytest.mark.parametrize("slot", ["model\nextra", "m" * 5000])
def test_variant_network_names_are_short_and_one_line(folder, slot) -> None:
    data = _preset()
    data["variants"] = {"odd": {"slots": {slot: {"nodes": [{"id": 1, "type": "Nope"}]}}}}
    exercise(folder, json.dumps(data).encode())
    project = load_project(folder / "fuzz.mlsp.json")
    with pytest.raises(StudioError, match="variant 'odd': its networks need names"):
        project.with_variant("odd")


def test_dataset_names_are_short(folder) -> None:
    data = _preset()
    data["dataset"]["name"] = "x" * 100_000  # was repeated whole in check_project's sentence
    assert "'dataset' must be an object with a 'name'" in _refusal(folder, json.dumps(data))


def test_connection_inputs_are_short(folder) -> None:
    data = _preset()
    data["slots"]["model"]["edges"][0]["port"] = "p" * 100_000
    assert "has no valid input name" in _refusal(folder, json.dumps(data))


@pytest.mark.parametrize("part", ["hparams", "dataset_options", "slots"])
@pytest.mark.parametrize("value", [[1], "text", 3])
def test_variant_parts_must_be_objects(folder, part, value) -> None:
    # with_variant raised TypeError ("dictionary update sequence") or AttributeError
    data = _preset()
    data["variants"] = {"odd": {part: value}}
    exercise(folder, json.dumps(data).encode())
    project = load_project(folder / "fuzz.mlsp.json")
    with pytest.raises(StudioError, match=f"variant 'odd': its '{part}' must be an object"):
        project.with_variant("odd")


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["huge", "minus-huge"])
def test_numbers_beyond_any_float_are_out_of_range(folder, value) -> None:
    # a float setting given a whole number too large for a float raised OverflowError
    data = _preset()
    data["hparams"]["lr"] = value
    data["dataset"]["options"]["noise"] = value
    exercise(folder, json.dumps(data).encode())
    check = check_project(load_project(folder / "fuzz.mlsp.json"), BLOCKS)
    assert any(e.startswith("settings: lr must be 1e-06 to 10, not ") for e in check.errors)
    project = load_project(folder / "fuzz.mlsp.json")
    for name in ("lr", "noise", "momentum"):
        with pytest.raises(StudioError, match=f"{name} must be"):
            project.apply_setting(name, value)


def test_largest_network_opens_and_checks(folder) -> None:
    # adding each connection scanned all the others, and ordering the blocks scanned every
    # connection for every block: 2000 blocks with 8000 connections took about 2 s (the
    # bench's largest_project_open_s times it now)
    data = _preset()
    nodes = [{"id": i, "type": "Add", "params": {"inputs": 4}} for i in range(1, MAX_NODES + 1)]
    edges = [{"from": i, "to": i + 1, "port": f"in{k}"} for k in range(1, 5)
             for i in range(1, MAX_NODES)]
    data["slots"]["model"] = {"nodes": nodes, "edges": edges}
    exercise(folder, json.dumps(data).encode())
    project = load_project(folder / "fuzz.mlsp.json")
    assert len(project.slots["model"].edges) == 4 * (MAX_NODES - 1)
    assert len(project.slots["model"].nodes) == MAX_NODES


@pytest.mark.parametrize("junk", ["[" + "[]," * 3_000_000 + "[]]", "[" + "0," * 5_000_000 + "0]",
                                  HUGE_LISTS[0]], ids=["lists", "zeros", "100000-blocks"])
def test_millions_of_values_are_refused_before_reading(folder, junk) -> None:
    # a 16 MB file of small values took seconds and gigabytes to read, copy and save
    data = _preset()
    data["ui"]["junk"] = "@JUNK@"
    assert "too many values" in _refusal(folder, json.dumps(data).replace('"@JUNK@"', junk))


def test_what_opens_saves_small_enough_to_open_again(folder) -> None:
    # 3 MB of "é" is 18 MB written as JSON escapes: saved, the project could not be opened
    data = _preset()
    data["ui"]["note"] = "é" * 3_000_000
    assert "too much text" in _refusal(folder, json.dumps(data, ensure_ascii=False))
    data["ui"]["note"] = "é" * 1_300_000
    data["ui"]["many"] = [[0] * 1000] * 75
    exercise(folder, json.dumps(data, ensure_ascii=False).encode())  # saved and opened again


def test_long_setting_names_and_values_are_refused_briefly() -> None:
    project = Project.from_json(PRESET_TEXTS["spiral.mlsp.json"])
    for name, value in (("dataset", "x" * 5000), ("dataset", ["a"] * 3000), ("x" * 5000, 1),
                        ("lr", "9" * 5000), ("classes", list(range(5000)))):
        with pytest.raises(StudioError) as info:
            project.apply_setting(name, value)
        assert_sentence(str(info.value))
