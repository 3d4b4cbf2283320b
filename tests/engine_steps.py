"""Engines that the supervised tests make from presets, and stepping a started engine one
step at a time, waiting until it has taken them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from mlsp_studio.engine.engine import Engine
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project


def preset_project(preset: str, variant: str | None = None, **hparams) -> Project:
    """A preset (in ``variant`` where one is named) with ``hparams`` set."""
    project = load_preset(preset)
    project = project.with_variant(variant) if variant else project
    project.hparams.update(hparams)
    return project


def built_engine(preset: str = "overfit-regularize", variant: str | None = "plain",
                 **hparams) -> Engine:
    """The engine of ``preset_project(preset, variant, **hparams)``, built."""
    engine = Engine(preset_project(preset, variant, **hparams), max_steps=1000, threads=1)
    engine.build()
    return engine


@contextmanager
def paused_engine(project: Project, max_steps: int = 1000) -> Iterator[Engine]:
    """The project's engine started paused, in its own thread; stopped when the block ends."""
    engine = Engine(project, max_steps=max_steps, threads=1)
    engine.start(running=False)
    try:
        yield engine
    finally:
        engine.stop()
        engine.join(5)


def step_and_wait(engine: Engine, steps: int) -> None:
    """Asks a started, paused engine for ``steps`` steps and waits until it has taken them
    and every command before them (20 s at most)."""
    for _ in range(steps):
        engine.step()
    deadline = time.time() + 20
    while engine._steps_owed or engine._commands:
        assert time.time() < deadline
        time.sleep(0.005)
