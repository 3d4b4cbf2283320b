"""The bench under the window: training speed beside a bare loop or the headless engine,
frames drawn, a picture's age when painted, Run and Stop, the first window, whether the
window's process ever loads torch, and what the pictures cost to send between processes."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from ..messages.wire import decode, encode
from ..model.presets import load_preset
from ..model.project import save_project
from ..snapshots.kinds import FeatureMaps
from .loops import ROUNDS, bare_loop_rate, built, engine_rates


def _say(text: str) -> None:
    print(text, file=sys.stderr)


WINDOW_ROUNDS = 5  # pairs of (under the window, bare loop): the machine's speed drifts


def _rates(loop) -> tuple[float, float]:
    """Steps per wall second and per CPU second of this thread of ``loop()`` (which returns
    steps per wall second)."""
    cpu, wall = time.thread_time(), time.perf_counter()
    rate = loop()
    share = (time.thread_time() - cpu) / (time.perf_counter() - wall)
    return rate, rate / max(share, 1e-9)


def preset_under_window(name: str, seconds: float) -> dict[str, float]:
    """``name`` under the window with every panel open, its speed paired round by round
    with the bare loop run while the window is paused; then with the panels it shows by
    itself, for the frames."""
    from ..gui.measure import train_under_window

    key = name.replace("-", "_")
    probe = built(name)
    every = train_under_window(name, seconds, every_panel=True, rounds=WINDOW_ROUNDS,
                               between=lambda: _rates(lambda: bare_loop_rate(probe, seconds)))
    default = train_under_window(name, seconds, every_panel=False, rounds=ROUNDS)
    out = {f"gui_steps_per_s_{key}": round(every["steps_per_s"], 1),
           f"gui_ratio_{key}": round(every["ratio"], 3),
           f"gui_cpu_ratio_{key}": round(every["cpu_ratio"], 3),
           f"gui_fps_{key}": round(every["fps"], 1),
           f"gui_fps_default_{key}": round(default["fps"], 1),
           f"snapshot_to_paint_ms_p99_{key}": round(max(every["paint_ms_p99"],
                                                        default["paint_ms_p99"]), 1),
           f"ui_lateness_p50_ms_{key}": round(every["lateness_p50_ms"], 2),
           f"ui_lateness_p99_ms_{key}": round(every["lateness_p99_ms"], 2),
           f"received_mb_per_s_{key}": round(every["received_mb_per_s"], 2)}
    _say(f"{'':<12} under the window, every panel ({every['panels']}): "
         f"{every['steps_per_s']:8.0f} steps/s against {statistics.median(every['between']):.0f} "
         f"for the bare loop between rounds: ratio {out[f'gui_ratio_{key}']:.3f} (per CPU "
         f"second of the training thread {out[f'gui_cpu_ratio_{key}']:.3f}); "
         f"{every['fps']:.1f} frames/s, picture made → painted p99 "
         f"{every['paint_ms_p99']:.0f} ms, lateness p50 {every['lateness_p50_ms']:.1f} / p99 "
         f"{every['lateness_p99_ms']:.1f} ms, {every['received_mb_per_s']:.2f} MB/s received")
    _say(f"{'':<12} its own panels ({default['panels']}): {default['fps']:.1f} frames/s, "
         f"{default['steps_per_s']:8.0f} steps/s")
    return out


def mnist_like_project(folder: Path, n: int = 10_000, size: int = 28):
    """digits-cnn's network on ``n`` generated ``size``×``size`` pictures of ten classes
    (a bar at a class's angle, a blob at a class's place, noise), as an NPZ file."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1) - 0.5
    angles = labels[:, None, None] * np.pi / 10
    bar = np.exp(-((xx * np.sin(angles) - yy * np.cos(angles)) ** 2) / 0.004)
    cx = (labels % 5)[:, None, None] / 5 - 0.4
    cy = (labels // 5)[:, None, None] / 2 - 0.25
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.01)
    x = (bar + blob + 0.3 * rng.normal(size=(n, size, size))).astype(np.float32)
    path = folder / "mnist-like.npz"
    np.savez(path, x=x[:, None], y=labels)
    project = load_preset("digits-cnn")
    project.name = "mnist-like"
    project.apply_setting("dataset", "npz")
    project.apply_setting("path", str(path))
    project.apply_setting("epochs", 1_000_000)
    return project


def mnist_like_under_window(seconds: float) -> dict[str, float]:
    """The CNN on 10,000 28×28 pictures with its feature maps shown: under the window
    against the same engine headless, paired round by round."""
    from ..gui.measure import train_under_window

    with tempfile.TemporaryDirectory() as folder:
        project = mnist_like_project(Path(folder))
        file = save_project(project, Path(folder) / "mnist-like.mlsp.json")
        window = train_under_window(
            str(file), seconds * 2, every_panel=False, raise_panel="features", rounds=ROUNDS,
            between=lambda: engine_rates(project, seconds * 2))
    ratio = window["ratio"]
    _say(f"mnist-like   headless {statistics.median(window['between']):6.1f} steps/s, under the "
         f"window ({window['panels']}) {window['steps_per_s']:6.1f} steps/s: ratio "
         f"{ratio:.3f} (per CPU second {window['cpu_ratio']:.3f}), {window['fps']:.1f} frames/s")
    return {"gui_ratio_mnist_like": round(ratio, 3),
            "gui_cpu_ratio_mnist_like": round(window["cpu_ratio"], 3),
            "gui_fps_mnist_like": round(window["fps"], 1)}


def controls(rounds: int = 8) -> dict[str, float]:
    """Run → first step, and Stop → the run's thread ended, on spiral and digits-cnn."""
    from ..gui.measure import control_latencies, quantile

    first, stops = [], []
    for name in ("spiral", "digits-cnn"):
        found = control_latencies(name, rounds)
        first += found["run_to_first_step_ms"]
        stops += found["stop_ms"]
    out = {"run_to_first_step_ms": round(statistics.median(first), 1),
           "run_to_first_step_ms_max": round(max(first), 1),
           "stop_ms_p99": round(quantile(stops, 0.99), 1),
           "stop_ms_p50": round(quantile(stops, 0.5), 1)}
    _say(f"Run → first step: median {out['run_to_first_step_ms']:.0f} ms, slowest "
         f"{out['run_to_first_step_ms_max']:.0f} ms; Stop → ended: p50 {out['stop_ms_p50']:.0f}"
         f" ms, p99 {out['stop_ms_p99']:.0f} ms ({len(stops)} stops)")
    return out


def _child_output(args: list[str], marker: str | None = None) -> tuple[float, str]:
    """Seconds from starting a fresh Python to its exit (or its printing ``marker``), and
    what it printed."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    lines = []
    for line in child.stdout:
        lines.append(line)
        if marker is not None and marker in line:
            break
    seconds = time.perf_counter() - start
    child.wait()
    return seconds, "".join(lines)


def first_window(repeats: int = 3) -> dict[str, float]:
    """The studio's first painted window against a bare PySide6 window with one pyqtgraph
    plot, each in a fresh interpreter, alternating."""
    studio, bare = [], []
    for _ in range(repeats):
        studio.append(_child_output(["-m", "mlsp_studio.gui.probes", "studio"],
                                    "window-shown")[0])
        bare.append(_child_output(["-m", "mlsp_studio.gui.probes", "bare"], "window-shown")[0])
    ratio = statistics.median(studio) / statistics.median(bare)
    _say(f"first window {statistics.median(studio):.2f} s, a bare Qt window with a plot "
         f"{statistics.median(bare):.2f} s: ratio {ratio:.2f}")
    return {"first_window_s": round(statistics.median(studio), 3),
            "bare_qt_window_s": round(statistics.median(bare), 3),
            "first_window_vs_bare_qt": round(ratio, 3)}


def torch_in_window_process(preset: str = "spiral") -> dict[str, bool]:
    """Train ``preset`` to its end under the window in a fresh interpreter; did that
    interpreter (the window's process) import torch?"""
    _, text = _child_output(["-m", "mlsp_studio.gui.probes", "torch-free", preset])
    words = text.split()
    if "torch" not in words or words[1] != "True":
        raise RuntimeError(f"the probe did not finish its run: {text!r}")
    imported = words[words.index("torch") + 1] == "True"
    _say(f"{preset} trained to its end under the window; the window's process imported "
         f"torch: {imported}")
    return {"gui_process_imports_torch": imported}


def transport(mb: float = 4.0, messages: int = 20) -> dict[str, float]:
    """Milliseconds per megabyte of pictures from one process to the other: encoded, through
    a pipe, decoded (as the training process sends them to the window)."""
    import multiprocessing

    side = int((mb * 1e6 / 4 / 16) ** 0.5)
    snapshot = FeatureMaps(1, 0, np.zeros((1, side, side), np.float32), "x",
                           (("conv", np.random.default_rng(0).random((16, side, side),
                                                                     dtype=np.float32)),))
    reader, writer = multiprocessing.Pipe(duplex=False)

    def send() -> None:
        for _ in range(messages):
            writer.send_bytes(encode({"events": [[1, 0.0, snapshot]]}))

    start = time.perf_counter()
    thread = threading.Thread(target=send)
    thread.start()
    size = 0
    for _ in range(messages):
        data = reader.recv_bytes()
        size += len(data)
        decode(data)
    thread.join()
    seconds = time.perf_counter() - start
    per_mb = seconds * 1000.0 / (size / 1e6)
    _say(f"pictures between the processes: {per_mb:.2f} ms per MB ({size / 1e6:.0f} MB in "
         f"{messages} messages)")
    return {"transport_ms_per_mb": round(per_mb, 3)}


def canvas_hundred_blocks() -> dict[str, float]:
    """Milliseconds for the canvas to rebuild a chain of 100 blocks, to make one edit (the
    check and the scene's update) and to fit and paint it."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..gui.app import make_app
    from ..gui.canvas import GraphScene, GraphView
    from ..gui.commands import MoveBlocksCommand
    from ..gui.document import StudioDocument
    from ..model.graph import Graph

    app = make_app()
    doc = StudioDocument(load_preset("spiral"))
    scene = GraphScene(doc)
    view = GraphView(scene)
    view.resize(900, 700)
    view.show()
    app.processEvents()
    project = doc.project
    project.slots[doc.slot] = Graph.chain(
        ["Input"] + [("Dense", {"units": 16}) if i % 2 == 0 else "ReLU" for i in range(98)]
        + ["ClassifierHead"])
    doc.replace_project(project)
    start = time.perf_counter()
    scene.rebuild()
    rebuild = time.perf_counter() - start
    start = time.perf_counter()
    doc.undo_stack.push(MoveBlocksCommand(doc, {50: ((0.0, 4500.0), (200.0, 4500.0))}))
    edit = time.perf_counter() - start
    start = time.perf_counter()
    view.fit_all()
    view.viewport().grab()
    paint = time.perf_counter() - start
    view.close()
    doc.undo_stack.setClean()
    _say(f"canvas, a chain of 100 blocks: rebuilt in {rebuild * 1000:.1f} ms, one edit "
         f"(check + update) {edit * 1000:.1f} ms, fit + paint {paint * 1000:.1f} ms")
    return {"canvas_rebuild_ms_100_blocks": round(rebuild * 1000, 1),
            "canvas_edit_ms_100_blocks": round(edit * 1000, 1),
            "canvas_paint_ms_100_blocks": round(paint * 1000, 1)}
