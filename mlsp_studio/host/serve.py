"""The training process: one Engine at a time, driven by the window's commands.

The process imports torch once, when the window opens, and then trains run after run. Every
command is a dict with a ``cmd`` (see ``COMMANDS``); every event goes back tagged with the
number of the run it belongs to (0 for the process itself), so the window can drop the
late events of a run it has already replaced.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..engine.checkpoints import save_checkpoint
from ..engine.engine import Engine
from ..engine.run_checkpoints import copy_weights
from ..engine.runtime import default_threads, warm_up
from ..errors import StudioError
from ..messages.events import Ended, Finished, Ready, Reply, Status
from ..messages.wire import WireError, decode
from ..model.project import Project
from .outbox import Outbox
from .rates import measure_rates
from .recorder import WindowRecorder
from .weights import WeightFiles

HOST_RUN = 0  # the number of events that belong to the process, not to a run
STARTUP_RATES_SECONDS = 0.15  # the reference workloads' share of the start-up


def serve(commands, events, weights_dir: str) -> None:
    """Take commands until the window says ``quit`` or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the window's
    torch.set_num_threads(default_threads())
    outbox = Outbox(events.send_bytes)
    warm_up()
    outbox.put(HOST_RUN, Ready(torch.__version__, torch.get_num_threads(),
                               torch.cuda.is_available(), os.getpid(), start_rates()))
    host = Host(outbox, Path(weights_dir))
    try:
        while True:
            try:
                message = decode(commands.recv_bytes())
            except (EOFError, OSError):
                break  # the window has gone
            except WireError:
                continue
            if isinstance(message, dict) and not host.handle(message):
                break
    finally:
        host.close()
        outbox.close()


def start_rates() -> dict[str, Any] | None:
    """The rates of work this process reaches on the CPU (``host/rates.py``), measured once
    at the start in a small share of a second, for the window's estimate of a step's time;
    None when the measurement fails (the window then keeps the rates assumed for a laptop)."""
    try:
        return measure_rates("cpu", STARTUP_RATES_SECONDS).to_dict()
    except Exception:  # an estimate is never worth a training process that will not start
        return None


class Host:
    """The engine of the current run and the requests about it."""

    def __init__(self, outbox: Outbox, weights_dir: Path) -> None:
        self.outbox = outbox
        self.files = WeightFiles(weights_dir, outbox.put)
        self.engine: Engine | None = None
        self.run = 0
        self.recorder: WindowRecorder | None = None

    def handle(self, message: dict[str, Any]) -> bool:
        """Carry out one command; False when the process should end."""
        name = message.get("cmd")
        if name == "quit":
            return False
        command = COMMANDS.get(name) if isinstance(name, str) else None
        if command is None:
            return True
        try:
            command(self, message)
        except (StudioError, KeyError, TypeError, ValueError) as err:
            if "request" in message:
                self.reply(message, False, str(err))
        return True

    def close(self) -> None:
        self.end_run()
        self.files.flush(5.0)

    def reply(self, message: dict[str, Any], ok: bool, text: str) -> None:
        self.outbox.put(HOST_RUN, Reply(int(message.get("request", 0)), ok, text))

    # -- the run -------------------------------------------------------------------------
    def start(self, message: dict[str, Any]) -> None:
        self.end_run()
        run = int(message["run"])
        try:
            project = Project.from_json(message["project"])
        except StudioError as err:  # the window checks projects first; say it all the same
            self.outbox.put(run, Status("error", 0, 0, 0, 0.0, 0.0, "", str(err)))
            return
        weights = message.get("init_weights") or None
        engine = Engine(project, None, init_weights=dict(weights) if weights else None)
        kinds = set(message.get("visuals", ()))
        self.recorder = WindowRecorder(self.files.root / f"run-{run}" / "recording", kinds,
                                       self._sink(run, engine))
        engine.sink = self.recorder  # the window's run is recorded as a headless one is
        engine.checkpoints.on_change = lambda kept: self.files.changed(run, kept)
        engine.request_visuals(kinds, float(message.get("every", 0.25)))
        if message.get("pace"):
            engine.set_pace(float(message["pace"]))
        self.engine, self.run = engine, run
        engine.start(running=bool(message.get("running", True)), build_in_worker=True)

    def _sink(self, run: int, engine: Engine) -> Callable[[Any], None]:
        def sink(event: Any) -> None:
            if isinstance(event, Finished) and engine.nets:  # its last weights, on disk first
                self.files.final(run, engine.step_count, copy_weights(engine.nets))
            self.outbox.put(run, event)
        return sink

    def end_run(self, keep: bool = False) -> None:
        """Stop the current run, wait for its thread, and say so; with ``keep``, a run that
        has trained and not finished first writes its weights as they are (to fork or save)."""
        engine, self.engine = self.engine, None
        if engine is None:
            return
        engine.stop()
        engine.join()
        if keep and engine.nets and engine.step_count and engine.finished is None:
            self.files.final(self.run, engine.step_count, copy_weights(engine.nets))
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        self.outbox.put(self.run, Ended(engine.step_count))

    def stop(self, message: dict[str, Any]) -> None:
        """End run ``run`` (-1: whichever is current), keeping its weights when asked."""
        run = int(message.get("run", -1))
        if self.engine is not None and run in (-1, self.run):
            self.end_run(keep=bool(message.get("keep")))
        else:  # already over: the window may be waiting to hear it
            self.outbox.put(run, Ended(0))

    def control(self, message: dict[str, Any]) -> None:
        """run, pause, step, visuals, option, live and pace, for the current run."""
        engine = self.engine
        if engine is None or int(message.get("run", self.run)) != self.run:
            return
        name = message["cmd"]
        if name == "run":
            engine.run()
        elif name == "pause":
            engine.pause()
        elif name == "step":
            engine.step()
        elif name == "visuals":
            engine.request_visuals(set(message["kinds"]), float(message["every"]))
            if self.recorder is not None:
                self.recorder.set_kinds(message["kinds"])
        elif name == "option":
            engine.set_visual_option(str(message["name"]), message["value"])
        elif name == "live":
            value = message["value"]
            engine.set_live(str(message["name"]),
                            tuple(value) if isinstance(value, tuple | list) else value)
        elif name == "pace":
            engine.set_pace(float(message["rate"]))

    # -- requests about the networks -----------------------------------------------------
    def _with_networks(self, message: dict[str, Any], job: Callable[[Engine], str]) -> None:
        """Run ``job`` on the current run's networks between two steps (or now, when its
        thread has ended), and reply with what it says."""
        def run_job(engine: Engine) -> None:
            try:
                self.reply(message, True, job(engine))
            except Exception as err:  # an export that fails must not end the run's thread
                self.reply(message, False, str(err) or type(err).__name__)

        engine = self.engine
        if engine is not None and engine.alive:
            engine.call(run_job)
        else:
            run_job(engine)

    def save_weights(self, message: dict[str, Any]) -> None:
        """Each network's weights as ``<folder>/<network>.safetensors``."""
        folder = Path(message["folder"])

        def job(engine: Engine | None) -> str:
            if engine is None or not engine.nets:
                raise StudioError("there are no trained weights yet: train first")
            folder.mkdir(parents=True, exist_ok=True)
            for slot, net in engine.nets.items():
                save_checkpoint(net, folder / f"{slot}.safetensors", slot)
            return f"the weights of step {engine.step_count} written to {folder}"

        self._with_networks(message, job)

    def export_onnx(self, message: dict[str, Any]) -> None:
        """The network ``slot`` as ONNX at ``path``: with the run's weights when
        ``trained`` and there is a run, else with the starting weights of ``project``."""
        from ..export.onnx_export import export_onnx

        path, slot = Path(message["path"]), str(message["slot"])

        def job(engine: Engine | None) -> str:
            if not message.get("trained") or engine is None or slot not in engine.nets:
                project = Project.from_json(message["project"])
                written = export_onnx(project, path, slot=slot)
                return f"{slot} with its starting weights written to {written}"
            with tempfile.TemporaryDirectory() as folder:
                weights = save_checkpoint(engine.nets[slot], Path(folder) / f"{slot}.safetensors",
                                          slot)
                written = export_onnx(engine.project, path, weights=weights, slot=slot)
            return f"{slot} with the weights of step {engine.step_count} written to {written}"

        self._with_networks(message, job)


COMMANDS: dict[str, Callable[[Host, dict[str, Any]], None]] = {
    "start": Host.start, "stop": Host.stop,
    **{name: Host.control for name in ("run", "pause", "step", "visuals", "option", "live",
                                       "pace")},
    "save_weights": Host.save_weights, "export_onnx": Host.export_onnx,
}
