"""The training process on its own, driven through its pipes as the window drives it (no Qt):
a run trains and reports, its checkpoints land on disk, requests are answered, and commands
that make no sense are ignored."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from mlsp_studio.host.entry import child_main
from mlsp_studio.messages import events
from mlsp_studio.messages.wire import decode, encode
from mlsp_studio.model.presets import load_preset


class Child:
    def __init__(self, weights: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        commands_in, self.commands = ctx.Pipe(duplex=False)
        self.events_in, events_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=child_main, args=(commands_in, events_out, str(weights)),
                                   daemon=True)
        self.process.start()
        commands_in.close()
        events_out.close()
        self.seen: list[tuple[int, object]] = []

    def send(self, **message) -> None:
        self.commands.send_bytes(encode(message))

    def wait_for(self, test, timeout: float = 120.0):
        """Read events until ``test(run, event)`` holds for one; return that event."""
        for run, event in self.seen:
            if test(run, event):
                return event
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.events_in.poll(0.2):
                continue
            for run, _at, event in decode(self.events_in.recv_bytes())["events"]:
                self.seen.append((run, event))
                if test(run, event):
                    return event
        raise AssertionError(f"not seen within {timeout} s; saw "
                             f"{[type(e).__name__ for _, e in self.seen][-20:]}")


@pytest.fixture(scope="module")
def child(tmp_path_factory):
    weights = tmp_path_factory.mktemp("weights")
    process = Child(weights)
    process.wait_for(lambda run, e: isinstance(e, events.Ready))
    yield process
    process.send(cmd="quit")
    process.process.join(10)
    assert process.process.exitcode == 0


def test_a_run_trains_reports_and_writes_its_checkpoints(child, tmp_path) -> None:
    project = load_preset("xor-perceptron")
    child.send(cmd="start", run=1, project=project.to_json(), running=True,
               visuals=["boundary"], every=0.05, pace=0)
    built = child.wait_for(lambda run, e: run == 1 and isinstance(e, events.Built))
    assert "boundary" in built.visual_kinds
    child.wait_for(lambda run, e: run == 1 and getattr(e, "kind", "") == "boundary")
    child.wait_for(lambda run, e: run == 1 and isinstance(e, events.MetricsBatch))
    finished = child.wait_for(lambda run, e: run == 1 and isinstance(e, events.Finished))
    kept = [e for run, e in child.seen if run == 1 and isinstance(e, events.Kept)]
    assert kept, "the checkpoints were not reported"
    steps = dict(kept[-1].files)
    assert 0 in steps and finished.step in steps  # the first copy and the final weights
    assert all(Path(path).is_file() for path in dict(steps[finished.step]).values())
    order = [type(e).__name__ for run, e in child.seen if run == 1]
    assert order.index("Kept") < order.index("Finished")  # on disk before the news

    out = tmp_path / "xor.onnx"
    child.send(cmd="export_onnx", request=7, path=str(out), slot="model", trained=True,
               project=project.to_json())
    reply = child.wait_for(lambda run, e: isinstance(e, events.Reply) and e.request == 7)
    assert reply.ok and f"step {finished.step}" in reply.message and out.stat().st_size > 0
    child.send(cmd="save_weights", request=8, folder=str(tmp_path / "w"))
    assert child.wait_for(lambda run, e: isinstance(e, events.Reply) and e.request == 8).ok
    assert (tmp_path / "w" / "model.safetensors").is_file()
    child.send(cmd="stop", run=1)
    child.wait_for(lambda run, e: run == 1 and isinstance(e, events.Ended))


def test_pause_step_and_a_new_run_replacing_an_old_one(child) -> None:
    project = load_preset("digits-cnn")
    project.apply_setting("epochs", 1000)
    child.send(cmd="start", run=2, project=project.to_json(), running=False, visuals=[],
               every=0.05, pace=0)
    child.wait_for(lambda run, e: run == 2 and isinstance(e, events.Built))
    child.send(cmd="step", run=2)
    child.wait_for(lambda run, e: run == 2 and isinstance(e, events.Status) and e.step == 1)
    child.send(cmd="run", run=2)
    child.wait_for(lambda run, e: run == 2 and isinstance(e, events.Status) and e.step > 20)
    child.send(cmd="start", run=3, project=load_preset("xor-perceptron").to_json(),
               running=True, visuals=[], every=0.05, pace=0)
    # the old one ended first
    child.wait_for(lambda run, e: run == 2 and isinstance(e, events.Ended))
    child.wait_for(lambda run, e: run == 3 and isinstance(e, events.Finished))
    child.send(cmd="stop", run=3)
    child.wait_for(lambda run, e: run == 3 and isinstance(e, events.Ended))


def test_nonsense_is_ignored_and_a_bad_project_is_an_error_in_words(child) -> None:
    child.commands.send_bytes(b"not a message at all")
    child.send(cmd="no such command")
    child.send(cmd="run", run=99)  # a run that is not there
    child.send(cmd="start", run=4, project='{"format": "mlsp-studio-project"}', running=True)
    error = child.wait_for(lambda run, e: run == 4 and isinstance(e, events.Status))
    assert error.state == "error" and "version" in error.message
    child.send(cmd="save_weights", request=9, folder="/nonexistent/none")
    reply = child.wait_for(lambda run, e: isinstance(e, events.Reply) and e.request == 9)
    assert not reply.ok and reply.message
    child.send(cmd="start", run=5, project=load_preset("xor-perceptron").to_json(),
               running=True, visuals=[], every=0.05, pace=0)
    child.wait_for(lambda run, e: run == 5 and isinstance(e, events.Finished))  # still serving
    child.send(cmd="stop", run=5)
    child.wait_for(lambda run, e: run == 5 and isinstance(e, events.Ended))
