"""The engine: seeded reproducibility, controls from another thread, the NaN guard, bounds."""

from __future__ import annotations

import queue
import threading
import time

import pytest
import torch
from engine_steps import paused_engine, preset_project, step_and_wait

from mlsp_studio.engine import Engine, EngineState, MetricHistory, MetricsBatch, Status
from mlsp_studio.engine.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset


def _losses(engine: Engine) -> list[float]:
    steps, values = engine.history.series[("train", "loss")].arrays()
    return values.tolist()


def _run_losses(preset: str, steps: int, seed: int | None = None) -> list[float]:
    """The training loss at every step of a whole run of ``preset`` (with ``seed`` if given)."""
    engine = Engine(load_preset(preset), max_steps=steps)
    if seed is not None:
        engine.project.seed = seed
    engine.run_blocking()
    return _losses(engine)


@pytest.mark.parametrize(("preset", "steps"), [("spiral", 120), ("digits-cnn", 15)])
def test_same_seed_same_loss_curve_value_for_value(preset: str, steps: int) -> None:
    first = _run_losses(preset, steps)
    assert len(first) == steps
    assert _run_losses(preset, steps) == first


def test_another_seed_gives_another_loss_curve() -> None:
    assert _run_losses("spiral", 120, seed=7) != _run_losses("spiral", 120)


class Collector:
    """A sink that keeps what the engine sends, for assertions from the test thread."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()

    def __call__(self, event) -> None:
        self.events.put(event)

    def drain(self) -> list:
        out = []
        while not self.events.empty():
            out.append(self.events.get())
        return out


def _wait(predicate, timeout=10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_pause_step_stop_from_another_thread() -> None:
    sink = Collector()
    engine = Engine(load_preset("spiral"), sink, max_steps=10**9)
    engine.start(running=True)
    try:
        assert _wait(lambda: engine.step_count > 20)
        engine.pause()
        assert _wait(lambda: engine.state is EngineState.PAUSED)
        time.sleep(0.1)
        paused_at = engine.step_count
        time.sleep(0.3)
        assert engine.step_count == paused_at  # paused means no steps
        engine.step()
        assert _wait(lambda: engine.step_count == paused_at + 1)
        time.sleep(0.3)
        assert engine.step_count == paused_at + 1  # exactly one step
        engine.step()
        engine.step()
        assert _wait(lambda: engine.step_count == paused_at + 3)
        engine.run()
        assert _wait(lambda: engine.step_count > paused_at + 50)
    finally:
        engine.stop()
        assert engine.join(30.0), "the worker did not stop"  # how soon: engine_stop_ms
    assert engine.state is EngineState.STOPPED
    events = sink.drain()
    assert any(isinstance(e, MetricsBatch) for e in events)
    assert any(isinstance(e, Status) and e.state == "paused" for e in events)
    steps = [r[0] for e in events if isinstance(e, MetricsBatch) for r in e.records
             if r[1] == "train" and r[2] == "loss"]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def test_stop_is_honoured_within_a_step() -> None:
    engine = Engine(load_preset("digits-cnn"), max_steps=10**9)
    engine.start()
    assert _wait(lambda: engine.step_count > 3)
    at = engine.step_count
    engine.stop()
    assert engine.join(30.0)
    assert engine.step_count <= at + 1  # the step under way ends; no other begins
    assert engine.state is EngineState.STOPPED  # how long it takes is the bench's stop_ms


def test_reset_returns_to_step_zero() -> None:
    engine = Engine(load_preset("spiral"), max_steps=10**9)
    engine.start()
    assert _wait(lambda: engine.step_count > 10)
    engine.reset()
    assert _wait(lambda: engine.step_count == 0 and engine.state is EngineState.PAUSED)
    engine.stop()
    assert engine.join(30.0)


def test_visuals_only_when_asked_for() -> None:
    sink = Collector()
    engine = Engine(load_preset("spiral"), sink, max_steps=400)
    engine.run_blocking()
    kinds = {getattr(e, "kind", None) for e in sink.drain()}
    assert "boundary" not in kinds
    sink2 = Collector()
    engine = Engine(load_preset("spiral"), sink2, max_steps=10**9)
    engine.request_visuals({"boundary"}, every_s=0.05)
    engine.start()
    assert _wait(lambda: any(getattr(e, "kind", "") == "boundary"
                             for e in list(sink2.events.queue)))
    engine.stop()
    assert engine.join(30.0)


def test_a_changed_option_is_answered_at_the_next_step_and_said_so() -> None:
    """The pictures come right after the next step (not at the visual cadence, here an hour),
    followed by an Answered marker that lets a window draw them at once."""
    from mlsp_studio.engine import Answered

    sink = Collector()
    engine = Engine(load_preset("digits-cnn"), sink, max_steps=10**9)
    engine.request_visuals({"feature_maps"}, every_s=3600.0)
    engine.start()
    assert _wait(lambda: engine.step_count > 5)
    time.sleep(0.2)
    sink.drain()
    engine.set_visual_option("feature_index", 7)
    assert _wait(lambda: any(isinstance(e, Answered) for e in list(sink.events.queue)))
    events = sink.drain()
    engine.stop()
    assert engine.join(30.0)
    answered = next(i for i, e in enumerate(events) if isinstance(e, Answered))
    maps = [e for e in events[:answered] if getattr(e, "kind", "") == "feature_maps"]
    assert maps and maps[-1].index == 7


def diverging_project():
    """Linear regression with a far too large step: the loss overflows within a few steps."""
    project = load_preset("regression-sine")
    project.slots["model"] = Graph.chain(["Input", ("Dense", {"units": 16}), "RegressionHead"])
    project.apply_setting("optimizer", "sgd")
    project.apply_setting("lr", "10")
    project.apply_setting("momentum", "0.99")
    return project


def test_nan_loss_pauses_with_step_and_keeps_finite_weights() -> None:
    project = diverging_project()
    engine = Engine(project, max_steps=5000)
    engine.run_blocking()
    assert engine.state is EngineState.DIVERGED
    assert f"diverged at step {engine.diverged_at}" in engine.message
    assert "last finite loss" in engine.message
    for net in engine.nets.values():
        for p in net.parameters():
            assert torch.isfinite(p).all()


def test_history_of_a_million_steps_stays_small() -> None:
    history = MetricHistory()
    for step in range(1, 1_000_001):
        history.add(step, "train", "loss", 1.0 / step)
    series = history.series[("train", "loss")]
    assert history.nbytes() <= 10 * 1024 * 1024
    assert series.size <= series.capacity
    steps, values = series.arrays()
    assert steps[-1] > 990_000 and values[0] > values[-1]


def test_history_keeps_short_runs_exact() -> None:
    history = MetricHistory(capacity=8)
    for step in range(1, 9):
        history.add(step, "train", "loss", float(step))
    assert list(history.series[("train", "loss")].arrays()[1]) == [float(s) for s in range(1, 9)]
    history.add(9, "train", "loss", 9.0)  # full: pairs merge, the curve keeps its shape
    steps, values = history.series[("train", "loss")].arrays()
    assert list(values) == [1.5, 3.5, 5.5, 7.5, 9.0] and list(steps) == [2, 4, 6, 8, 9]
    history.add(10, "train", "loss", 10.0)
    history.add(11, "train", "loss", 11.0)  # now one point per two steps
    assert list(history.series[("train", "loss")].arrays()[1])[-1] == 10.5


def test_checkpoints_round_trip_and_refuse_a_mismatch(tmp_path) -> None:
    engine = Engine(load_preset("digits-cnn"), max_steps=3)
    engine.run_blocking()
    net = engine.nets["model"]
    path = save_checkpoint(net, tmp_path / "model.safetensors")
    fresh = Engine(load_preset("digits-cnn"), max_steps=1)
    fresh.build()
    load_checkpoint(fresh.nets["model"], path)
    pairs = zip(net.state_dict().values(), fresh.nets["model"].state_dict().values(), strict=True)
    for a, b in pairs:
        assert torch.equal(a, b)
    other = Engine(load_preset("spiral"), max_steps=1)
    other.build()
    with pytest.raises(CheckpointError, match="does not fit"):
        load_checkpoint(other.nets["model"], path)
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(net, tmp_path / "junk.safetensors")


def test_worker_errors_come_back_as_a_state_not_a_crash() -> None:
    sink = Collector()
    engine = Engine(load_preset("spiral"), sink, max_steps=10**9)
    engine.build()

    def explode() -> dict:
        raise RuntimeError("boom")

    engine.paradigm.step = explode
    engine.start()
    assert _wait(lambda: engine.state is EngineState.ERROR)
    assert "boom" in engine.message
    assert engine.join(30.0)


def test_no_thread_left_behind() -> None:
    assert not [t for t in threading.enumerate() if t.name == "mlsp-engine"]


def test_building_in_the_worker_announces_once_and_reports_problems() -> None:
    from mlsp_studio.engine import Built

    sink = Collector()
    engine = Engine(load_preset("spiral"), sink, max_steps=10**9)
    engine.start(running=False, build_in_worker=True)
    assert _wait(lambda: engine.state is EngineState.PAUSED and engine.paradigm is not None)
    engine.step()
    assert _wait(lambda: engine.step_count == 1)
    engine.stop()
    assert engine.join(30.0)
    built = [e for e in sink.drain() if isinstance(e, Built)]
    assert len(built) == 1 and "boundary" in built[0].visual_kinds

    broken = load_preset("spiral")
    broken.slots["model"] = Graph.chain(["Input", ("Conv2d", {}), "ClassifierHead"])
    engine = Engine(broken, Collector(), max_steps=10)
    engine.start(build_in_worker=True)
    assert _wait(lambda: engine.state is EngineState.ERROR)
    assert "Conv2d 2 needs" in engine.message
    assert engine.join(30.0)


def test_every_run_reports_its_best_validation_loss_and_parameter_counts() -> None:
    engine = Engine(load_preset("spiral"), max_steps=300, threads=1)
    engine.run_blocking()
    final = engine.summary()["final"]
    net = engine.nets["model"]
    assert final["total_params"] == final["trainable_params"] == sum(
        p.numel() for p in net.parameters())
    assert isinstance(final["total_params"], int)
    val_losses = [v for _, split, metric, v in engine.history.records()
                  if split == "val" and metric == "loss"]
    assert final["best_val_loss"] <= min([final["val_loss"], *val_losses]) + 1e-12
    assert final["best_val_loss"] >= 0


def test_early_stopping_restores_exactly_the_best_validation_weights() -> None:
    project = load_preset("spiral")
    for name, value in (("patience", 3), ("eval_every", 10), ("lr", 0.05), ("epochs", 400)):
        project.apply_setting(name, value)
    project.apply_setting("n_samples", 120)  # few points, a big step: it overfits and wobbles
    engine = Engine(project, threads=1)
    engine.build()
    copies = {}
    evaluate = engine.paradigm.evaluate

    def remember(split: str = "val"):
        metrics = evaluate(split)
        if split == "val":
            copies[engine.step_count] = (metrics["loss"], {
                k: v.clone() for k, v in engine.nets["model"].state_dict().items()})
        return metrics

    engine.paradigm.evaluate = remember
    engine.run_blocking()
    assert engine.finished.reason == "early stopping"
    assert engine.step_count < engine.paradigm.total_steps
    checks = [s for s in copies if s < engine.step_count or s == engine.step_count]
    best_step = min(checks, key=lambda s: copies[s][0])
    assert engine._early.best_step == best_step
    final = engine.nets["model"].state_dict()
    assert all(torch.equal(final[k], v) for k, v in copies[best_step][1].items())
    assert engine.message.startswith("Stopped early; kept the weights of step")


def test_a_paradigms_final_note_reaches_the_runs_message() -> None:
    engine = Engine(load_preset("spiral"), max_steps=3, threads=1)
    engine.build()
    seen = {}

    def note(final: dict[str, float]) -> str:
        seen.update(final)
        return "Only 2 of 8 modes are drawn: the generator has collapsed"

    engine.paradigm.final_note = note
    engine.run_blocking()
    assert "test_accuracy" in seen and "total_params" in seen  # it reads the final numbers
    assert engine.message == "Only 2 of 8 modes are drawn: the generator has collapsed"
    assert engine.summary()["message"] == engine.message


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_a_live_learning_rate_is_in_the_optimiser_at_the_next_step(schedule: str) -> None:
    with paused_engine(preset_project("spiral", schedule=schedule, lr=0.01)) as engine:
        step_and_wait(engine, 3)
        optimizer = engine.paradigm.optimizer
        seen = []
        original = optimizer.step

        def spy(*args, **kwargs):
            seen.append(optimizer.param_groups[0]["lr"])
            return original(*args, **kwargs)

        optimizer.step = spy
        engine.set_live("lr", 0.5)
        step_and_wait(engine, 1)
        factor = 1.0 if schedule == "constant" else optimizer.schedule.lr_lambdas[0](3)
        assert seen == [pytest.approx(0.5 * factor)]  # the very next step used it
        assert engine.project.hparams["lr"] == 0.5 and engine.paradigm.hparams["lr"] == 0.5
        marks = [r for r in engine.history.records() if r[1] == "change"]
        assert marks == [(3, "change", "lr", 0.5)]
        assert "lr set to 0.5 from step 4" in engine.message


def test_live_changes_that_do_not_fit_are_refused_and_the_run_goes_on() -> None:
    with paused_engine(preset_project("spiral")) as engine:
        step_and_wait(engine, 1)
        engine.set_live("lr", -1.0)
        step_and_wait(engine, 1)
        assert "lr must be" in engine.message
        assert engine.paradigm.optimizer.param_groups[0]["lr"] == 0.01
        engine.set_live("epochs", 3)
        step_and_wait(engine, 1)
        assert "cannot change while training" in engine.message
        engine.set_live("dropout", ("model", 2, 0.5))  # block 2 is a Dense layer
        step_and_wait(engine, 1)
        assert "no Dropout block 2" in engine.message
        engine.set_live("batch_size", 8)
        engine.set_live("weight_decay", 0.01)
        step_and_wait(engine, 1)
        assert engine.paradigm.batch_size == 8
        assert engine.paradigm.optimizer.param_groups[0]["weight_decay"] == 0.01
        assert engine.state.value == "paused" and engine.step_count == 5


def test_a_dropout_rate_changes_live() -> None:
    project = preset_project("overfit-regularize", "regularized")
    with paused_engine(project, max_steps=100) as engine:
        step_and_wait(engine, 1)
        node = next(n for n in project.slots["model"].nodes.values() if n.type == "Dropout")
        engine.set_live("dropout", ("model", node.id, 0.1))
        step_and_wait(engine, 1)
        assert engine.nets["model"].blocks[f"n{node.id}"].p == 0.1
        assert (1, "change", f"dropout {node.id}", 0.1) in list(engine.history.records())


def test_an_explicit_eval_every_is_kept_exactly_so_runs_repeat() -> None:
    """With eval_every set, validation runs at exactly those steps however fast the machine
    is, so best_val_loss and early stopping come out the same from run to run."""
    finals, steps = [], []
    for _ in range(2):
        engine = Engine(load_preset("overfit-regularize").with_variant("plain"), threads=1,
                        max_steps=200)
        engine.run_blocking()
        finals.append(engine.summary()["final"]["best_val_loss"])
        steps.append([s for s, split, metric, _ in engine.history.records()
                      if split == "val" and metric == "loss"])
    assert steps[0] == steps[1] == list(range(8, 201, 8))
    assert finals[0] == finals[1]


def _timed_steps(engine: Engine) -> list[float]:
    """Record when each optimisation step of ``engine`` begins."""
    times: list[float] = []
    step = engine.paradigm.step
    engine.paradigm.step = lambda: (times.append(time.perf_counter()), step())[1]
    return times


def _until(test, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < end, "not reached in time"
        time.sleep(0.01)


def test_a_paced_run_steps_and_step_is_one_step_at_any_pace() -> None:
    engine = Engine(load_preset("spiral"), sink=lambda event: None, threads=1)
    assert engine.pace == 0  # a project's ui.pace is the window's business, never headless
    engine.build()
    times = _timed_steps(engine)
    engine.set_pace(10)
    engine.start(running=True)
    try:
        _until(lambda: len(times) >= 22)
        engine.set_pace(1)
        engine.pause()
        _until(lambda: engine.state is EngineState.PAUSED)
        # how closely the pace is held, and how soon Step answers at 1 step/s, are the
        # bench's pace_10_held_steps_per_s and step_at_slow_pace_ms
        assert engine.pace == 1
        done = len(times)
        for _ in range(3):
            engine.step()
        _until(lambda: len(times) == done + 3)
        time.sleep(0.3)
        assert len(times) == done + 3  # exactly one step each
    finally:
        engine.stop()
        engine.join(5)
