"""The whole window: start-up, Run / Pause / Step, closing mid-training, bad input."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.app import open_window
from mlsp_studio.gui.commands import AddBlockCommand, ConnectCommand, RemoveBlocksCommand


@pytest.fixture
def messages(monkeypatch):
    """Modal boxes would block an offscreen test: record them instead."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.Discard))
    return shown


def _open(qtbot, tmp_path, target="spiral"):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = open_window(target, settings=settings)
    qtbot.waitUntil(lambda: window.bridge.is_ready and bool(window.panels), timeout=120_000)
    return window


@pytest.fixture
def window(qtbot, tmp_path, messages):
    win = _open(qtbot, tmp_path)
    yield win
    win.bridge.shutdown(2.0)
    win.doc.undo_stack.setClean()
    win.close()


def _engine_steps(window) -> int:
    return window.bridge.step_count


def test_window_opens_before_torch_is_imported(tmp_path) -> None:
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSettings\n"
        "from mlsp_studio.gui.app import open_window\n"
        f"w = open_window(None, settings=QSettings({str(tmp_path / 's.ini')!r}, "
        "QSettings.IniFormat))\n"
        "assert w.isVisible()\n"
        "print('torch' in sys.modules, w.act_run.isEnabled())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "False"]  # no torch yet, Run not enabled


def test_run_fills_the_curves_and_the_boundary(window, qtbot) -> None:
    assert window.act_run.isEnabled()
    window.act_run.trigger()
    qtbot.waitUntil(lambda: _engine_steps(window) > 200, timeout=60_000)
    curves = window.panels["curves"]
    qtbot.waitUntil(lambda: curves.point_count() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.panels["boundary"].has_image(), timeout=10_000)
    assert window.lbl_step.text().startswith("step ")
    window.act_pause.trigger()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=5_000)


def test_pause_stops_and_step_advances_by_exactly_one(window, qtbot) -> None:
    window.on_run()
    qtbot.waitUntil(lambda: _engine_steps(window) > 20, timeout=60_000)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=5_000)
    paused_at = _engine_steps(window)
    qtbot.wait(300)
    assert _engine_steps(window) == paused_at
    assert window.act_step.isEnabled()
    window.act_step.trigger()
    qtbot.waitUntil(lambda: _engine_steps(window) == paused_at + 1, timeout=5_000)
    qtbot.wait(300)
    assert _engine_steps(window) == paused_at + 1
    qtbot.waitUntil(lambda: window.lbl_step.text() == f"step {paused_at + 1:,}", timeout=5_000)


def test_closing_mid_training_ends_the_run_and_keeps_the_process_for_the_next_window(
        qtbot, tmp_path, messages) -> None:
    window = _open(qtbot, tmp_path, "digits-cnn")
    window.on_run()
    qtbot.waitUntil(lambda: _engine_steps(window) > 5, timeout=60_000)
    bridge, process = window.bridge, window.bridge.process
    window.close()
    assert not bridge.active and bridge.process is None  # ended, and given back
    assert process.alive
    again = _open(qtbot, tmp_path)
    assert again.bridge.process is process  # warm: no second start of PyTorch
    again.on_run()
    qtbot.waitUntil(lambda: _engine_steps(again) > 5, timeout=60_000)
    again.bridge.shutdown()
    again.close()


def test_invalid_graph_disables_run_with_the_reason(window, qtbot) -> None:
    doc = window.doc
    add = AddBlockCommand(doc, "Conv2d", {"out_channels": 4}, (300.0, 300.0))
    doc.undo_stack.push(add)
    dense = max(n.id for n in doc.graph.nodes.values() if n.type == "Dense")
    head = next(n.id for n in doc.graph.nodes.values() if n.type == "ClassifierHead")
    feeder = next(e.src for e in doc.graph.inputs_of(head))
    doc.undo_stack.push(RemoveBlocksCommand(doc, [feeder]))
    doc.undo_stack.push(ConnectCommand(doc, dense, add.node_id, "in"))
    doc.undo_stack.push(ConnectCommand(doc, add.node_id, head, "in"))
    assert not window.act_run.isEnabled()
    assert "needs" in window.act_run.toolTip()
    assert window.banner.isVisibleTo(window) and "Run is disabled" in window.banner.text()
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert window.act_run.isEnabled()
    assert not window.banner.isVisibleTo(window)


def test_a_corrupt_project_leaves_the_open_one_untouched(window, tmp_path, messages) -> None:
    before = window.doc.project.to_dict()
    bad = tmp_path / "broken.mlsp.json"
    bad.write_text('{"format": "mlsp-studio-project", "version": 1, "slots": {"model": ')
    assert window.open_path(bad) is False
    assert messages and "not valid JSON" in messages[-1]
    assert window.doc.project.to_dict() == before


def test_open_and_save_round_trip(window, tmp_path) -> None:
    path = tmp_path / "mine.mlsp.json"
    assert window._save_to(path)
    saved = json.loads(path.read_text())
    assert saved["name"] == "spiral"
    assert window.open_path(path)
    assert window.doc.path == path and "mine.mlsp.json" in window.windowTitle()


def test_widget_slots_refuse_other_threads(window) -> None:
    errors = []

    def call() -> None:
        try:
            window.bridge._on_news()
        except AssertionError as err:
            errors.append(str(err))

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    assert errors and "GUI thread" in errors[0]


def test_layout_and_theme_are_remembered(qtbot, tmp_path, messages) -> None:
    window = _open(qtbot, tmp_path)
    window.resize(760, 560)  # the offscreen screen is 800×600: stay inside it
    window.act_dark.trigger()
    window.close()
    again = _open(qtbot, tmp_path)
    assert again.dark
    assert (again.width(), again.height()) == (760, 560)
    again.act_dark.trigger()
    again.close()


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_command_writes_a_big_png(tmp_path, drawn) -> None:
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "mlsp_studio.cli", "screenshot", "spiral",
                             "-o", str(out), "--train-seconds", "1"], capture_output=True,
                            text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stderr
    width, height = _png_size(out)
    assert width >= 1280 and height >= 800
    # read back: the window with its panels, the spiral's three classes in their colours
    from mlsp_studio.snapshots.drawing import class_colour

    assert drawn.colours(out) > 1000  # panels, curves and blocks, not a flat page
    for k in range(3):
        assert drawn.colour_share(out, class_colour(k), tol=0.1) > 0.0005, k


def test_export_from_the_window_uses_the_trained_weights(window, qtbot, tmp_path,
                                                         monkeypatch) -> None:
    import numpy as np
    import onnxruntime
    import torch
    from PySide6.QtWidgets import QFileDialog

    script = tmp_path / "spiral.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(script), "")))
    window.on_export_python()
    assert "def make_data" in script.read_text()
    window.on_run()
    qtbot.waitUntil(lambda: _engine_steps(window) > 200, timeout=60_000)
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    window.on_export_onnx()  # refused while training: nothing written
    window.on_export_weights()
    assert not (tmp_path / "spiral.onnx").exists()
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=5_000)
    onnx_file = tmp_path / "spiral.onnx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(onnx_file), "")))
    window.on_export_onnx()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "weights")))
    window.on_export_weights()
    weights = tmp_path / "weights" / "model.safetensors"
    qtbot.waitUntil(lambda: onnx_file.exists() and weights.exists(), timeout=60_000)
    qtbot.waitUntil(lambda: "written to" in window.lbl_state.text(), timeout=10_000)
    from mlsp_studio.engine.checkpoints import load_checkpoint
    from mlsp_studio.model.catalog import BLOCKS
    from mlsp_studio.model.datasets import dataset_context
    from mlsp_studio.nn.compile import compile_graph

    project = window.doc.project
    net = compile_graph(project.slots["model"], BLOCKS,
                        dataset_context(project.dataset, project.dataset_options)[1])
    load_checkpoint(net, weights)  # the weights the paused run has, from its own process
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"x": x})
    with torch.inference_mode():
        trained = net.eval()(torch.from_numpy(x)).numpy()
    assert np.abs(onnx_out - trained).max() < 1e-4
    untrained = compile_graph(project.slots["model"], BLOCKS,
                              dataset_context(project.dataset, project.dataset_options)[1])
    with torch.inference_mode():
        assert np.abs(untrained.eval()(torch.from_numpy(x)).numpy() - onnx_out).max() > 1e-3


def test_no_screen_gives_a_plain_message_and_screenshots_still_work(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    opened = subprocess.run([sys.executable, "-m", "mlsp_studio.cli"], capture_output=True,
                            text=True, timeout=120, env=env)
    assert opened.returncode == 2
    assert "no screen" in opened.stderr and "Traceback" not in opened.stderr
    out = tmp_path / "shot.png"
    shot = subprocess.run([sys.executable, "-m", "mlsp_studio.cli", "screenshot", "spiral",
                           "-o", str(out), "--train-seconds", "0"], capture_output=True,
                          text=True, timeout=240, env=env)
    assert shot.returncode == 0, shot.stderr
    assert _png_size(out)[0] >= 1280
