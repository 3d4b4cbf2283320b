"""A finished run's folder read back without torch (what the window opens), and the run
reopened from it predicts exactly what it predicted before it was written; a folder that is
missing a part or holds a malformed one is refused in a sentence."""

from __future__ import annotations

import json

import pytest
import torch

from mlsp_studio.engine import Engine
from mlsp_studio.engine.outputs import write_run
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.run_folder import (
    RunFolderError,
    looks_like_run_folder,
    read_run_folder,
)


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    engine = Engine(load_preset("spiral"), max_steps=80, threads=1)
    engine.run_blocking()
    folder = tmp_path_factory.mktemp("runs") / "spiral"
    write_run(folder, engine)
    return engine, folder


def _predictions(engine: Engine) -> torch.Tensor:
    net = engine.nets["model"].eval()
    with torch.inference_mode():
        return net(engine.paradigm.data.test.x)


def test_a_run_reopened_predicts_what_it_did_before_it_was_written(spiral_run) -> None:
    engine, folder = spiral_run
    assert looks_like_run_folder(folder)
    run = read_run_folder(folder)
    assert run.steps == 80 and run.project.name == "spiral"
    assert run.final["test_accuracy"] == pytest.approx(dict(engine.finished.final)["test_accuracy"])
    assert run.records[0][:3] == (1, "train", "loss") and run.records[-1][0] <= 80
    reopened = Engine(run.project, max_steps=80, threads=1, init_weights=run.weights)
    reopened.build()
    assert torch.equal(_predictions(reopened), _predictions(engine))


@pytest.mark.parametrize("damage, words", [
    (lambda f: (f / "model.safetensors").unlink(), "no final weights for the network 'model'"),
    (lambda f: (f / "summary.json").write_text("[1, 2"), "summary.json is not readable JSON"),
    (lambda f: (f / "summary.json").write_text('{"steps": -3}'), "how many steps"),
    (lambda f: (f / "summary.json").write_text(" " * 2_000_000), "too large"),
    (lambda f: (f / "metrics.csv").write_text("a,b\n"), "does not start with the columns"),
    (lambda f: (f / "metrics.csv").write_text("step,split,metric,value\n1,train,loss\n"),
     "line 2 is not step,split,metric,value"),
    (lambda f: (f / "project.json").write_text('{"format": 1}'), "project cannot be read"),
    (lambda f: (f / "project.json").unlink(), "it has no project.json"),
])
def test_a_damaged_run_folder_is_refused_in_words(spiral_run, tmp_path, damage, words) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(spiral_run[1], folder)
    damage(folder)
    with pytest.raises(RunFolderError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_run_folder(folder)


def test_a_run_folder_in_words(spiral_run) -> None:
    summary = json.loads((spiral_run[1] / "summary.json").read_text())
    assert read_run_folder(spiral_run[1]).state == summary["state"] == "finished"
    with pytest.raises(RunFolderError, match="is not a folder"):
        read_run_folder(spiral_run[1] / "summary.json")


def test_a_run_of_several_processes_says_how_many(spiral_run, tmp_path) -> None:
    import shutil

    alone = read_run_folder(spiral_run[1])
    assert alone.processes == 1 and alone.global_batch == 32  # a laptop run's summary
    folder = tmp_path / "server"
    shutil.copytree(spiral_run[1], folder)
    summary = json.loads((folder / "summary.json").read_text())
    for told, processes, batch in (((4, 128), 4, 128), (("4", True), 1, None),
                                   ((0, -3), 1, None)):
        summary["world_size"], summary["global_batch"] = told
        (folder / "summary.json").write_text(json.dumps(summary))
        run = read_run_folder(folder)  # nonsense is not believed
        assert (run.processes, run.global_batch) == (processes, batch)
