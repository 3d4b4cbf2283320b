"""Optimisers and learning-rate schedules: what each setting does to the weights and the step
size, in the studio and in the exported script."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from mlsp_studio.engine import Engine
from mlsp_studio.errors import ParamError, StudioError
from mlsp_studio.export.python_script import export_python, python_source
from mlsp_studio.model.paradigms import PARADIGM_SPECS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.paradigms.optim import lr_factor, make_optimizer


def _hparams(**changes) -> dict:
    return PARADIGM_SPECS.get("supervised").hparams.validate(changes)


def test_schedules_have_their_closed_forms() -> None:
    assert [lr_factor(s, "constant", 0, 100) for s in (0, 50, 99)] == [1.0, 1.0, 1.0]
    assert [lr_factor(s, "step", 0, 100) for s in (0, 49, 50, 74, 75, 99)] == \
        pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    assert lr_factor(0, "cosine", 0, 100) == 1.0
    assert lr_factor(50, "cosine", 0, 100) == pytest.approx(0.5)
    assert lr_factor(100, "cosine", 0, 100) == pytest.approx(0.0, abs=1e-12)
    assert [lr_factor(s, "constant", 4, 100) for s in range(6)] == [0.25, 0.5, 0.75, 1, 1, 1]
    assert lr_factor(1, "cosine", 4, 100) == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi
                                                                                 / 100)))


def test_the_optimiser_steps_the_schedule_itself() -> None:
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = make_optimizer([weight], _hparams(optimizer="sgd", lr=1.0, momentum=0.0,
                                                  schedule="step", warmup_steps=2), 8)
    seen = []
    for _ in range(8):
        seen.append(optimizer.param_groups[0]["lr"])
        weight.grad = torch.ones(3)
        optimizer.step()
    assert seen == pytest.approx([0.5, 1, 1, 1, 0.1, 0.1, 0.01, 0.01])


@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("rmsprop", torch.optim.RMSprop),
                                      ("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)])
def test_each_optimiser_is_what_it_says(name: str, cls: type) -> None:
    optimizer = make_optimizer([torch.nn.Parameter(torch.ones(2))], _hparams(optimizer=name))
    assert type(optimizer) is cls


def test_nesterov_needs_sgd_with_momentum() -> None:
    params = [torch.nn.Parameter(torch.ones(2))]
    optimizer = make_optimizer(params, _hparams(optimizer="sgd", nesterov=True))
    assert optimizer.param_groups[0]["nesterov"] is True
    for bad in (_hparams(optimizer="adam", nesterov=True),
                _hparams(optimizer="sgd", momentum=0.0, nesterov=True)):
        with pytest.raises(ParamError, match="Nesterov"):
            make_optimizer(params, bad)


def test_a_bad_combination_is_refused_when_the_run_is_built() -> None:
    project = load_preset("spiral")
    project.apply_setting("nesterov", True)  # with the preset's Adam
    with pytest.raises(StudioError, match="Nesterov"):
        Engine(project).build()


def test_rmsprop_with_a_cosine_schedule_trains_the_spiral() -> None:
    project = load_preset("spiral")
    for name, value in (("optimizer", "rmsprop"), ("lr", 0.003), ("schedule", "cosine"),
                        ("warmup_steps", 20)):
        project.apply_setting(name, value)
    engine = Engine(project, max_steps=600, threads=1)
    engine.run_blocking()
    lr = engine.paradigm.optimizer.param_groups[0]["lr"]
    assert 0 < lr < 0.003  # eased down from LR along the cosine
    assert dict(engine.finished.final)["test_accuracy"] > 0.8


def test_the_script_follows_the_schedule(tmp_path) -> None:
    project = load_preset("spiral")
    for name, value in (("optimizer", "sgd"), ("nesterov", True), ("schedule", "step"),
                        ("warmup_steps", 5), ("epochs", 3)):
        project.apply_setting(name, value)
    source = python_source(project)
    assert "NESTEROV = True" in source and "LambdaLR" in source and "import math" in source
    path = export_python(project, tmp_path / "run.py")
    code = ("import runpy, torch\n"
            "ns = runpy.run_path('run.py', run_name='exported')\n"
            "weight = torch.nn.Parameter(torch.zeros(1))\n"
            "optimizer = ns['make_optimizer']([weight], 1.0, 100)  # the script's settings\n"
            "seen = []\n"
            "for _ in range(76):\n"
            "    seen.append(optimizer.param_groups[0]['lr'])\n"
            "    optimizer.step()\n"
            "print([round(seen[s], 4) for s in (0, 4, 50, 75)])\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([round(lr_factor(s, "step", 5, 100), 4)
                                         for s in (0, 4, 50, 75)])
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--line-length",
                           "100", "--select", "E,F,W,I,B,UP", str(path)],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


@pytest.mark.parametrize("name, value, words", [
    ("warmup_steps", -5, "warmup_steps must be 0 to"),
    ("lr", -0.1, "lr must be"),
    ("schedule", "sometimes", "schedule must be one of"),
])
def test_a_schedule_or_step_size_out_of_range_is_refused_with_the_range(name, value,
                                                                       words) -> None:
    with pytest.raises(ParamError, match=words):
        _hparams(**{name: value})
