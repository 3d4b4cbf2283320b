"""A setting that changes only what is drawn or sampled reaches the running run's pictures
at once, leaves training and its curves alone, and is refused in words when the pictures
cannot use it."""

from __future__ import annotations

import time

from engine_steps import paused_engine, preset_project, step_and_wait

from mlsp_studio.engine.engine import Engine
from mlsp_studio.paradigms.language_model.snapshots import Generation


def _told(engine: Engine, words: str) -> None:
    """Wait until the engine has taken the change and says ``words`` (20 s at most)."""
    deadline = time.time() + 20
    while words not in engine.message:
        assert time.time() < deadline, engine.message
        time.sleep(0.005)


def test_a_sample_length_changed_while_paused_is_sampled_at_once() -> None:
    with paused_engine(preset_project("gpt-chars")) as engine:
        events: list = []
        engine.sink = events.append
        engine.request_visuals({"generation"}, 0.0)
        step_and_wait(engine, 2)
        engine.set_live("sample_length", 20)
        _told(engine, "sample_length set to 20")
        samples = [e for e in events if isinstance(e, Generation)]
        assert samples and len(samples[-1].completion) == 20
        assert engine.paradigm.hparams["sample_length"] == 20
        assert engine.project.hparams["sample_length"] == 20
        assert not [r for r in engine.history.records() if r[1] == "change"]  # no mark
        step_and_wait(engine, 1)
        assert engine.step_count == 3 and engine.state.value == "paused"


def test_a_sampling_setting_the_pictures_cannot_use_is_refused() -> None:
    project = preset_project("ddpm-2d", timesteps=40, sampler="ddim", sample_steps=10)
    with paused_engine(project) as engine:  # no panel open: tried all the same
        step_and_wait(engine, 1)
        engine.set_live("sample_steps", 400)  # more than the 40 noising steps
        _told(engine, "sample_steps was not changed")
        assert engine.paradigm.hparams["sample_steps"] == 10
        engine.set_live("sample_steps", 20)
        step_and_wait(engine, 1)
        assert engine.paradigm.hparams["sample_steps"] == 20
        assert engine.step_count == 2 and engine.state.value == "paused"
