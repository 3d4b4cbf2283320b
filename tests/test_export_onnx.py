"""ONNX export: every preset runs in onnxruntime as it does in PyTorch, trained weights too."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mlsp_studio.engine.checkpoints import CheckpointError, save_checkpoint
from mlsp_studio.engine.engine import Engine
from mlsp_studio.errors import ProjectError, StudioError
from mlsp_studio.export.onnx_export import (
    ExportError,
    check_onnx,
    export_onnx,
    run_torch,
    sample_inputs,
)
from mlsp_studio.model.presets import load_preset, preset_names

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def run_onnx(path: Path, inputs: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: t.numpy() for n, t in zip(names, inputs, strict=True)})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Engine]:
    folder = tmp_path_factory.mktemp("run")
    engine = Engine(load_preset("digits-cnn"), max_steps=30)
    engine.run_blocking()
    save_checkpoint(engine.nets["model"], folder / "model.safetensors")
    return folder / "model.safetensors", engine


def _preset_networks() -> list[tuple[str, str]]:
    return [(name, slot) for name in preset_names() for slot in load_preset(name).slots]


@pytest.mark.parametrize(("name", "slot"), _preset_networks())
def test_every_preset_network_matches_pytorch(name: str, slot: str, tmp_path: Path) -> None:
    project = load_preset(name)
    out = export_onnx(project, tmp_path / f"{name}.onnx", slot=slot)
    assert out == tmp_path / f"{name}.onnx" and out.is_file()
    assert leftovers(tmp_path) == []
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    inputs = sample_inputs(project, slot)
    engine = Engine(project)
    engine.build()
    assert [i.name for i in session.get_inputs()] == list(engine.nets[slot].sources)
    assert [o.name for o in session.get_outputs()] == ["output"]
    assert inputs[0].shape[0] > 2  # not the traced batch of 2: the batch axis is dynamic
    got = run_onnx(out, inputs)
    assert got[0].shape[0] == inputs[0].shape[0]
    assert check_onnx(project, out, slot=slot) <= 1e-4


def test_trained_weights_are_exported(trained, tmp_path: Path) -> None:
    path, engine = trained
    project = load_preset("digits-cnn")
    out = export_onnx(project, tmp_path / "trained.onnx", weights=path)
    assert check_onnx(project, out, weights=path) <= 1e-4
    inputs = sample_inputs(project)
    net = engine.nets["model"].eval()
    expected = run_torch(net, tuple(t.to(next(net.parameters()).device) for t in inputs))
    got = run_onnx(out, inputs)
    np.testing.assert_allclose(got[0], expected[0], atol=1e-4, rtol=0)
    untrained = export_onnx(project, tmp_path / "untrained.onnx")
    assert np.max(np.abs(run_onnx(untrained, inputs)[0] - got[0])) > 1e-2
    with pytest.raises(ExportError, match="differs from PyTorch"):
        check_onnx(project, untrained, weights=path)


def test_run_folder_gives_the_slots_checkpoint(trained, tmp_path: Path) -> None:
    path, _ = trained
    project = load_preset("digits-cnn")
    out = export_onnx(project, tmp_path / "m.onnx", weights=path.parent)
    assert check_onnx(project, out, weights=path) <= 1e-4


def test_mismatching_checkpoint_is_refused(tmp_path: Path) -> None:
    spiral = Engine(load_preset("spiral"))
    spiral.build()
    wrong = save_checkpoint(spiral.nets["model"], tmp_path / "spiral.safetensors")
    out = tmp_path / "digits.onnx"
    with pytest.raises(CheckpointError, match=r"spiral\.safetensors does not fit .*n2\."):
        export_onnx(load_preset("digits-cnn"), out, weights=wrong)
    assert not out.exists() and leftovers(tmp_path) == []


def test_unknown_slot_and_invalid_project(tmp_path: Path) -> None:
    project = load_preset("xor-perceptron")
    with pytest.raises(StudioError, match="no network called 'generator'"):
        export_onnx(project, tmp_path / "x.onnx", slot="generator")
    project.dataset = "no-such-dataset"
    with pytest.raises(ProjectError):
        export_onnx(project, tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def test_missing_onnx_package_is_one_sentence(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    message = r"^ONNX export needs the onnx package: pip install onnx$"
    with pytest.raises(ExportError, match=message):
        export_onnx(load_preset("xor-perceptron"), tmp_path / "x.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ExportError, match="needs the onnxruntime package"):
        check_onnx(load_preset("xor-perceptron"), tmp_path / "x.onnx")


def test_failed_export_leaves_nothing_behind(monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "x.onnx"
    out.write_bytes(b"previous export")

    def broken(*args, **kwargs) -> None:
        Path(args[2]).write_bytes(b"half")
        raise RuntimeError("Exporting the operator 'aten::frobnicate' is not supported.\nmore")

    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(ExportError) as info:
        export_onnx(load_preset("xor-perceptron"), out)
    assert str(info.value) == ("PyTorch cannot export network 'model' to ONNX: Exporting the "
                               "operator 'aten::frobnicate' is not supported")
    assert out.read_bytes() == b"previous export" and leftovers(tmp_path) == []


def test_an_input_the_data_does_not_fit_gets_seeded_examples_of_its_own_shape() -> None:
    """A network whose ``x`` is not shaped like the data's (a paradigm feeding it something
    else) is checked on examples of its own shape, not on the data."""
    from types import SimpleNamespace

    from mlsp_studio.export.onnx_export import _inputs

    net = SimpleNamespace(input_shapes={"x": (1,)}, sources=("x",))
    data = SimpleNamespace(test=SimpleNamespace(x=torch.zeros(5, 2)), vocab=())
    (x,) = _inputs(net, data, 4)
    assert tuple(x.shape) == (4, 1) and x.dtype == torch.float32
    fits = SimpleNamespace(input_shapes={"x": (2,)}, sources=("x",))
    (x,) = _inputs(fits, SimpleNamespace(test=SimpleNamespace(x=torch.ones(5, 2)), vocab=()), 4)
    assert torch.equal(x, torch.ones(4, 2))  # the data itself when it fits
