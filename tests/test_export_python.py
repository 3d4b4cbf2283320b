"""The standalone script export: it compiles, builds the studio's layers, makes the studio's
data, and trains to a comparable score with torch and numpy alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from block_cases_attention import export_graph as attention_graph
from block_cases_generative import export_graph as generative_graph
from block_cases_skip import skip_graph
from script_checks import assert_same_data, assert_same_network, load_script, preset_projects

from mlsp_studio.data import make_dataset
from mlsp_studio.engine import Engine
from mlsp_studio.errors import StudioError
from mlsp_studio.export import script_data
from mlsp_studio.export.python_script import export_python, python_source
from mlsp_studio.export.source_copy import source_of
from mlsp_studio.model.blocks import BlockSpec
from mlsp_studio.model.catalog import BLOCKS, builtin_blocks
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.params import ParamSet
from mlsp_studio.model.presets import load_preset, preset_names
from mlsp_studio.model.project import Project

FINAL = re.compile(r"^test (accuracy|mse) (\d+\.\d+)$")
EPOCH = re.compile(r"^epoch\s+(\d+)/(\d+)\s+loss (\d+\.\d+)")


# Presets whose paradigm and data the script writer knows; the others are refused in words.
SCRIPT_READY = ("xor-perceptron", "spiral", "regression-sine", "digits-cnn", "signal-cnn1d",
                "vit-digits", "optimizers", "overfit-regularize", "deep-gradients", "unet-denoise",
                "rnn-vs-lstm", "rnn-stacked", "attention-pooling", "bidirectional-tagging",
                "conformer-signals", "transformer-reverse")
PROJECTS = preset_projects(SCRIPT_READY)


@pytest.mark.parametrize("name,project", PROJECTS, ids=[n for n, _ in PROJECTS])
def test_preset_script_builds_the_studios_network_and_data(name: str, project: Project) -> None:
    source = python_source(project)
    assert "mlsp_studio" not in "\n".join(line for line in source.splitlines()
                                         if line.startswith(("import", "from")))
    script = load_script(source)
    engine = Engine(project)
    engine.build()
    net = engine.nets["model"]
    torch.manual_seed(project.seed)
    model = script["Model"]()
    # same layers in the same order from the same seed: the same count and the same starting
    # weights as the engine's network, which is built but not trained yet
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in net.parameters())
    pairs = list(zip(model.parameters(), net.parameters(), strict=True))
    assert all(a.shape == b.shape and torch.equal(a, b) for a, b in pairs)
    assert_same_data(script, project)


def _run(path: Path, epochs: int | None = None) -> tuple[list[float], str, float]:
    env = dict(os.environ)
    if epochs is not None:
        env["EPOCHS"] = str(epochs)
    result = subprocess.run([sys.executable, path.name], cwd=path.parent, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    losses = [float(m.group(3)) for m in map(EPOCH.match, lines) if m]
    final = FINAL.match(lines[-1])
    assert final, lines[-1]
    return losses, final.group(1), float(final.group(2))


@pytest.mark.parametrize("name,metric,good", [("spiral", "accuracy", lambda v: v >= 0.95),
                                              ("regression-sine", "mse", lambda v: v <= 0.02)])
def test_script_trains_to_the_studios_score(tmp_path: Path, name: str, metric: str,
                                            good) -> None:
    path = export_python(load_preset(name), tmp_path)
    assert path == tmp_path / f"{name.replace('-', '_')}.py"
    losses, printed, value = _run(path)
    assert printed == metric and good(value), value
    assert len(losses) == 10 and losses[-1] < losses[0]


@pytest.mark.parametrize("name", ["digits-cnn", "signal-cnn1d"])
def test_script_honours_epochs_and_its_loss_goes_down(tmp_path: Path, name: str) -> None:
    path = export_python(load_preset(name), tmp_path / "run.py")
    losses, metric, value = _run(path, epochs=3)
    assert metric == "accuracy" and 0.0 <= value <= 1.0
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_export_is_atomic_and_the_script_is_ruff_clean(tmp_path: Path) -> None:
    project = load_preset("digits-cnn")
    path = export_python(project, tmp_path / "digits.py")
    assert path.read_text(encoding="utf-8") == python_source(project, script_name="digits.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.py"]
    _assert_ruff_clean(path)


def _assert_ruff_clean(path: Path) -> None:
    """ruff finds nothing to say of the script, with the studio's own rules."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", "--isolated", "--line-length", "100", "--select",
                             "E,F,W,I,B,UP", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("settings", [{"ensemble": 3, "augment": True, "grad_clip": 1.0},
                                      {"schedule": "cosine", "warmup_steps": 5}])
def test_a_script_with_regularisers_is_ruff_clean(tmp_path: Path, settings: dict) -> None:
    project = load_preset("digits-cnn")
    project.hparams.update(settings)
    _assert_ruff_clean(export_python(project, tmp_path / "digits.py"))


def test_the_script_copies_the_studios_step() -> None:
    """The loss, the accuracy, the chunked predictions and the moving of pictures are the
    studio's own code, copied as it stands; only the loop is the script's."""
    project = load_preset("digits-cnn")
    project.hparams.update(augment=True, grad_clip=1.0)
    source = python_source(project)
    copied = [source_of("mlsp_studio.paradigms.supervised.train_parts", "supervised_loss",
                        "accuracy", "predict"),
              source_of("mlsp_studio.paradigms.augment", "_as_pictures", "_shifted")]
    assert all(text in source for text in copied)
    assert source.rstrip().endswith("train(augmentation=PictureAugmentation)")
    for old in ("torch.optim.Adam(", "epoch_batches", "def augment(", "def lr_factor(step, total)"):
        assert old not in source


def _toy_project(dataset: str, options: dict, head: str) -> Project:
    graph = Graph.chain([("Input", {}), ("Dense", {"units": 8}), "ReLU", (head, {})])
    return Project(name="mine", paradigm="supervised", dataset=dataset, slots={"model": graph},
                   dataset_options=options, hparams={"epochs": 2, "batch_size": 16})


def test_csv_and_npz_files_are_read_as_the_studio_reads_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(40, 3))
    text = ["a,b,c,species"] + [f"{r[0]:.4f}, {r[1]:.4f},{r[2]:.4f},{'xyz'[i % 3]}"
                                for i, r in enumerate(values)]
    (tmp_path / "flowers.csv").write_text("\n".join(text) + "\n")
    decimal = ["a;b;height"] + [f"{r[0]:.3f};{r[1]:.3f};{r[2]:.2f}".replace(".", ",")
                                for r in values]
    (tmp_path / "heights.csv").write_text("\n".join(decimal) + "\n")
    np.savez(tmp_path / "waves.npz", x=rng.normal(size=(30, 1, 12)), y=np.arange(30) % 2)
    np.savez(tmp_path / "line.npz", x=rng.normal(size=30), y=rng.normal(size=30))
    projects = [
        _toy_project("csv", {"path": str(tmp_path / "flowers.csv"),
                             "label_column": "species"}, "ClassifierHead"),
        _toy_project("csv", {"path": str(tmp_path / "heights.csv"), "label_column": "height",
                             "task": "regression", "standardize": False}, "RegressionHead"),
        _toy_project("npz", {"path": str(tmp_path / "line.npz")}, "RegressionHead"),
    ]
    waves = _toy_project("npz", {"path": str(tmp_path / "waves.npz")}, "ClassifierHead")
    waves.slots["model"] = Graph.chain([("Input", {}), ("Conv1d", {"out_channels": 4,
                                        "causal": True}), "Flatten", ("ClassifierHead", {})])
    for project in [*projects, waves]:
        source = python_source(project)
        assert_same_data(load_script(source), project)
    assert "F.pad(x, (2, 0))" in python_source(waves)


def test_a_block_the_exporter_does_not_know_is_named(tmp_path: Path) -> None:
    registry = builtin_blocks()
    registry.register(BlockSpec("Swish", "Activation", "x times sigmoid(x)", ParamSet(()),
                                lambda params, shapes, ctx: shapes[0], family="activation"))
    project = load_preset("spiral")
    project.slots["model"].nodes[3].type = "Swish"
    with pytest.raises(StudioError, match="Swish 3"):
        python_source(project, registry=registry)
    with pytest.raises(StudioError, match="Swish 3"):
        export_python(project, tmp_path / "x.py", registry=registry)
    assert not list(tmp_path.iterdir())


def test_a_dataset_the_exporter_cannot_write_is_refused(monkeypatch) -> None:
    monkeypatch.delitem(script_data.DATA_WRITERS, "spiral")
    with pytest.raises(StudioError, match="'spiral' dataset cannot be written out"):
        python_source(load_preset("spiral"))
    with pytest.raises(StudioError):  # an invalid project is refused with its first problem
        python_source(_toy_project("circles", {}, "Dense"))


def _every_block_graph() -> Graph:
    """A digits network that uses every built-in block type, with branches and merges."""
    g = Graph()
    chain = [
        (1, "Input", {}, []), (2, "Conv2d", {"out_channels": 8}, [1]),
        (3, "BatchNorm", {"momentum": 0.2}, [2]), (4, "LeakyReLU", {"negative_slope": 0.1}, [3]),
        (5, "Conv2d", {"out_channels": 8, "groups": 2, "bias": False}, [4]), (6, "ReLU", {}, [5]),
        (7, "Add", {}, [4, 6]), (8, "MaxPool2d", {}, [7]), (9, "ConvTranspose2d", {
            "out_channels": 8}, [8]), (10, "AvgPool2d", {}, [9]),
        (11, "Upsample", {"mode": "linear"}, [10]), (12, "Concat", {}, [11, 3]),
        (13, "Sigmoid", {}, [12]), (14, "Multiply", {}, [12, 13]),
        (15, "GlobalMaxPool2d", {}, [14]), (16, "GlobalAvgPool2d", {}, [14]),
        (17, "Concat", {"axis": -1}, [15, 16]), (18, "Reshape", {"shape": [4, -1]}, [17]),
        (19, "Conv1d", {"out_channels": 6, "causal": True, "dilation": 2}, [18]),
        (20, "MaxPool1d", {}, [19]), (21, "ConvTranspose1d", {"out_channels": 6}, [20]),
        (22, "AvgPool1d", {}, [21]), (23, "Upsample", {}, [22]),
        (24, "Conv1d", {"out_channels": 6, "stride": 2}, [23]), (25, "BatchNorm", {}, [24]),
        (26, "GlobalAvgPool1d", {}, [25]), (27, "GlobalMaxPool1d", {}, [25]),
        (28, "Add", {}, [26, 27]), (29, "Dense", {"units": 16}, [28]),
        (30, "LayerNorm", {"eps": 1e-4}, [29]), (31, "GELU", {}, [30]),
        (32, "Dropout", {"p": 0.1}, [31]), (33, "Tanh", {}, [32]), (34, "Flatten", {}, [33]),
        (35, "BatchNorm", {"affine": False}, [34]), (36, "Softmax", {}, [35]),
        (37, "Dense", {"units": 10}, [36]), (38, "Output", {}, [37]),
    ]
    for node_id, kind, params, feeds in chain:
        g.add_node(kind, params, node_id=node_id)
        for i, src in enumerate(feeds):
            g.connect(src, node_id, f"in{i + 1}" if len(feeds) > 1 else "in")
    return g


@pytest.mark.parametrize("graph", [_every_block_graph, generative_graph, skip_graph])
def test_every_block_type_is_written_as_the_studio_builds_it(graph) -> None:
    project = load_preset("digits-cnn")
    project.slots["model"] = graph()
    types = {node.type for node in _every_block_graph().nodes.values()}
    types |= {node.type for _, graph in _sequence_graphs() for node in graph.nodes.values()}
    types |= {node.type for node in attention_graph().nodes.values()}  # test_attention.py
    types |= {node.type for node in generative_graph().nodes.values()}
    types |= {node.type for node in skip_graph().nodes.values()}
    assert types | {"ClassifierHead", "RegressionHead"} == set(BLOCKS.names())  # the presets'
    model, net = assert_same_network(load_script(python_source(project)), project.slots["model"],
                                     make_dataset("digits", {}).context(), (5, 1, 8, 8))
    assert sum(p.numel() for p in model.parameters()) == net.num_params


def _sequence_graphs() -> list[tuple[str, Graph]]:
    """Networks that use every sequence block, each with the data it reads: "tokens" (token
    ids, (12,)) or "digits" (images, (1, 8, 8))."""
    def chain(*blocks) -> Graph:
        return Graph.chain([("Input", {}), *blocks])

    return [
        ("tokens", chain(("Embedding", {"vocab": 20, "dim": 7}),
                         ("PositionalEncoding", {"max_len": 20}),
                         ("LSTM", {"hidden": 5, "bidirectional": True}),
                         ("AttentionPooling", {"hidden": 6}), ("ClassifierHead", {}))),
        ("tokens", chain(("Embedding", {"vocab": 20, "dim": 6}),
                         ("PositionalEncoding", {"kind": "learned", "max_len": 12}),
                         ("GRU", {"hidden": 4, "layers": 2, "bidirectional": True,
                                  "return_sequence": False, "dropout": 0.3}),
                         ("RepeatVector", {"times": 3}), ("RNN", {"hidden": 5, "layers": 2}),
                         ("TakeToken", {"index": -1}), ("ClassifierHead", {}))),
        ("tokens", chain(("Embedding", {"vocab": 25, "dim": 4}),
                         ("PositionalEncoding", {"kind": "none"}),
                         "Transpose", ("Conv1d", {"out_channels": 4}), "Transpose",
                         ("RNN", {"hidden": 3, "return_sequence": False}),
                         ("ClassifierHead", {}))),
        ("digits", chain(("PatchEmbedding", {"patch": 4, "dim": 6}),
                         ("LSTM", {"hidden": 3, "return_sequence": False}),
                         ("Dense", {"units": 10}), "Output")),
        ("digits", chain(("PatchEmbedding", {"patch": 2, "dim": 5, "class_token": False}),
                         ("GRU", {"hidden": 4, "bidirectional": True}),
                         ("TakeToken", {"index": 3}), ("ClassifierHead", {}))),
    ]


def _token_project(folder: Path, graph: Graph) -> Project:
    """A project on an .npz file of token ids 0..19, 12 per example, in 3 classes."""
    rng = np.random.default_rng(0)
    path = folder / "tokens.npz"
    np.savez(path, x=rng.integers(0, 20, size=(60, 12)), y=np.arange(60) % 3)
    project = load_preset("spiral")
    project.dataset, project.dataset_options = "npz", {"path": str(path)}
    project.slots["model"] = graph
    return project


@pytest.mark.parametrize("index", range(len(_sequence_graphs())))
def test_sequence_blocks_are_written_as_the_studio_builds_them(tmp_path: Path,
                                                                index: int) -> None:
    data, graph = _sequence_graphs()[index]
    if data == "tokens":
        project = _token_project(tmp_path, graph)
        x = torch.randint(0, 20, (5, 12))
    else:
        project = load_preset("digits-cnn")
        project.slots["model"] = graph
        x = torch.rand(5, 1, 8, 8)
    ctx = make_dataset(project.dataset, project.dataset_options).context()
    model, net = assert_same_network(load_script(python_source(project)), graph, ctx, x)
    if data == "tokens":  # the data as the script reads it: ids stored as numbers
        with torch.no_grad():
            assert torch.allclose(model(x.float()), net(x), atol=1e-6)


def _refused() -> list[str]:
    """Presets whose paradigm has no script writer yet (those of other paradigms are tested
    with their writers), and supervised ones the writer does not know."""
    from mlsp_studio.export.script_paradigms import paradigm_scripts

    return [n for n in preset_names() if n not in SCRIPT_READY
            and load_preset(n).paradigm not in paradigm_scripts()]


def test_other_presets_are_refused_in_one_sentence(monkeypatch) -> None:
    from mlsp_studio.export.script_paradigms import paradigm_scripts

    # a paradigm whose writer is missing is refused too, even once every preset has one
    monkeypatch.delitem(paradigm_scripts(), "gan")
    for name in [*_refused(), "gan-ring"]:
        with pytest.raises(StudioError) as err:
            python_source(load_preset(name))
        text = str(err.value)
        assert "\n" not in text and 20 < len(text) < 300 and "script" in text, (name, text)
