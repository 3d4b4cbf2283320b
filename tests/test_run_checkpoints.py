"""Checkpoints during a run: a few kept (thinned evenly), written as checkpoints/step-N, and a
run forked from one starts from exactly those weights; bad forks are refused in words."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from mlsp_studio.cli import main
from mlsp_studio.engine import Engine
from mlsp_studio.engine.checkpoints import CheckpointError
from mlsp_studio.engine.outputs import write_run
from mlsp_studio.engine.run_checkpoints import (
    CheckpointKeeper,
    list_checkpoints,
    load_initial_weights,
    resolve_fork,
)
from mlsp_studio.model.presets import resolve_target


def test_the_keeper_stays_bounded_and_evenly_spread() -> None:
    net = torch.nn.Linear(2, 2)
    keeper = CheckpointKeeper(max_kept=4)
    keeper.start(100, {"model": net})
    for step in range(1, 1001):
        keeper.offer(step, {"model": net})
    steps = keeper.steps()
    assert steps[0] == 0 and 2 <= len(steps) <= 4
    gaps = [b - a for a, b in zip(steps, steps[1:], strict=False)]
    assert max(gaps) == min(gaps)  # thinned evenly
    assert steps[-1] > 500  # and still reaching late into the run


def test_kept_weights_are_copies() -> None:
    net = torch.nn.Linear(2, 2)
    keeper = CheckpointKeeper()
    keeper.start(10, {"model": net})
    before = net.weight.detach().clone()
    with torch.no_grad():
        net.weight.add_(1.0)
    assert torch.equal(keeper.items()[0][1]["model"]["weight"], before)


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    engine = Engine(resolve_target("spiral"), max_steps=120, threads=1)
    engine.run_blocking()
    write_run(out, engine)
    return out, engine


def test_a_run_writes_its_checkpoints(spiral_run) -> None:
    out, engine = spiral_run
    steps = engine.checkpoints.steps()
    assert steps[0] == 0 and 2 <= len(steps) <= 8
    assert list_checkpoints(out) == steps
    for step, weights in engine.checkpoints.items():
        saved = load_file(str(out / "checkpoints" / f"step-{step:06d}" / "model.safetensors"))
        assert saved.keys() == weights["model"].keys()
        assert all(torch.equal(saved[k], v) for k, v in weights["model"].items())


def test_a_checkpoint_holds_the_weights_of_its_step_and_a_fork_starts_from_them(
        spiral_run) -> None:
    out, engine = spiral_run
    step = engine.checkpoints.steps()[1]
    saved = load_file(str(out / "checkpoints" / f"step-{step:06d}" / "model.safetensors"))
    # the same seed trained to that step gives the same weights: the copy is of that step
    again = Engine(resolve_target("spiral"), max_steps=step, threads=1)
    again.run_blocking()
    trained = again.nets["model"].state_dict()
    assert all(torch.equal(saved[k], trained[k]) for k in saved)
    source = resolve_fork(out / "checkpoints" / f"step-{step}")  # short step names work too
    fork = Engine(resolve_target("spiral"), max_steps=5, threads=1,
                  init_weights=dict(source.files))
    fork.build()
    started = fork.nets["model"].state_dict()
    assert all(torch.equal(saved[k], started[k]) for k in saved)


def test_a_missing_checkpoint_is_refused_with_the_ones_that_exist(spiral_run) -> None:
    out, engine = spiral_run
    with pytest.raises(CheckpointError) as err:
        resolve_fork(out / "checkpoints" / "step-999999")
    text = str(err.value)
    assert "no checkpoint at step 999999" in text
    for step in engine.checkpoints.steps():
        assert f"step-{step:06d}" in text
    with pytest.raises(CheckpointError, match="not a run folder"):
        resolve_fork(out / "nowhere")


def test_weights_that_do_not_fit_are_refused_by_tensor_name(spiral_run) -> None:
    out, _ = spiral_run
    engine = Engine(resolve_target("digits-cnn"), max_steps=2, threads=1,
                    init_weights={"model": out / "model.safetensors"})
    with pytest.raises(CheckpointError) as err:
        engine.build()
    assert "does not fit this network" in str(err.value) and "blocks.n" in str(err.value)
    with pytest.raises(CheckpointError, match="no weights for the network model"):
        load_initial_weights({"model": torch.nn.Linear(2, 2)}, {"generator": {}})


def test_cli_fork_records_parent_and_what_differs(spiral_run, tmp_path, capsys) -> None:
    out, engine = spiral_run
    step = engine.checkpoints.steps()[1]
    checkpoint = out / "checkpoints" / f"step-{step:06d}"
    code = main(["run", "spiral", "--steps", "10", "--threads", "1", "--no-figures", "--quiet",
                 "--fork", str(checkpoint), "--set", "lr=0.001", "--out", str(tmp_path / "b")])
    assert code == 0
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["parent"] == str(checkpoint)
    assert summary["differs"] == ["lr 0.01 → 0.001"]
    code = main(["run", "spiral", "--steps", "10", "--threads", "1", "--quiet",
                 "--fork", str(out / "checkpoints" / "step-77777"), "--out",
                 str(tmp_path / "c")])
    assert code == 2
    err = capsys.readouterr().err
    assert "no checkpoint at step 77777" in err and "step-000000" in err
    assert not (tmp_path / "c").exists()
