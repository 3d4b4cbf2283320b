"""Transfer learning: pre-training then adaptation; what each mode trains and keeps frozen;
LoRA's parameter count; bad settings refused in words; the preset's three modes."""

from __future__ import annotations

import pytest
import torch

from mlsp_studio.engine import Engine
from mlsp_studio.errors import StudioError
from mlsp_studio.model.presets import load_preset
from mlsp_studio.nn.lora import LoRA

PRETRAIN = 20


def _engine(mode: str, **hparams) -> Engine:
    project = load_preset("transfer-lora").with_variant(mode)
    project.hparams.update({"pretrain_steps": PRETRAIN, "epochs": 1, **hparams})
    engine = Engine(project, threads=1)
    engine.build()
    return engine


def _body(engine: Engine) -> dict[str, torch.Tensor]:
    head = engine.paradigm.head
    return {k: v.detach().clone() for k, v in engine.nets["model"].state_dict().items()
            if not k.startswith(f"blocks.{head}.") and "lora_" not in k}


def _run(engine: Engine, steps: int) -> None:
    for _ in range(steps):
        engine.paradigm.step()


@pytest.mark.parametrize("mode", ["finetune", "probe", "lora"])
def test_each_mode_trains_what_it_says(mode: str) -> None:
    engine = _engine(mode)
    net = engine.nets["model"]
    _run(engine, PRETRAIN)
    pretrained = _body(engine)
    _run(engine, 5)  # the first of these switches to the target task
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    head = sum(p.numel() for p in net.blocks[engine.paradigm.head].parameters())
    adapters = [b for b in net.blocks.values() if isinstance(b, LoRA)]
    after = {k.replace(".base.", "."): v for k, v in _body(engine).items()}
    changed = [k for k in pretrained if not torch.equal(pretrained[k], after[k])]
    if mode == "finetune":
        assert trainable == sum(p.numel() for p in net.parameters()) and changed
        assert not adapters
    elif mode == "probe":
        assert trainable == head and not changed and not adapters
    else:
        expected = sum(4 * (a.lora_a.weight[0].numel() + a.base.weight.shape[0])
                       for a in adapters)
        assert len(adapters) == 3  # two convolutions and the Dense layer
        assert trainable == head + expected and not changed


def test_pretraining_learns_the_source_task_and_the_target_starts_afresh() -> None:
    engine = _engine("probe", pretrain_steps=150)
    _run(engine, 150)
    assert engine.paradigm.task is engine.paradigm.source
    assert engine.paradigm.evaluate("val")["source_accuracy"] > 0.9
    _run(engine, 1)
    assert engine.paradigm.task is engine.paradigm.target
    assert set(engine.paradigm.evaluate("val")) == {"loss", "accuracy"}


def test_forgetting_is_measured_with_the_old_output_layer() -> None:
    engine = _engine("finetune", pretrain_steps=150, epochs=10)
    engine.run_blocking()
    final = engine.summary()["final"]
    assert final["source_accuracy_before"] > 0.9
    assert 0.0 <= final["source_accuracy_after"] <= 1.0
    assert final["test_accuracy"] > 0.8


@pytest.mark.parametrize(("changes", "words"), [
    ({"mode": "lora", "lora_rank": 20}, r"rank of 20 does not fit Conv2d 2: the rank must be "
                                        r"from 1 to 9, the smaller of its 9 inputs and 16"),
    ({"source_classes": [3]}, "source_classes must name at least two different classes"),
    ({"target_classes": [5, 12]}, r"target_classes must name .* from 0 to 9"),
])
def test_bad_settings_are_refused_when_the_run_is_built(changes: dict, words: str) -> None:
    project = load_preset("transfer-lora")
    project.hparams.update(changes)
    with pytest.raises(StudioError, match=words):
        Engine(project, threads=1).build()


@pytest.mark.slow
def test_lora_comes_close_to_fine_tuning_with_a_tenth_of_the_weights() -> None:
    final = {}
    for mode in ("finetune", "probe", "lora"):
        engine = Engine(load_preset("transfer-lora").with_variant(mode), threads=1)
        engine.run_blocking()
        final[mode] = engine.summary()["final"]
    assert final["lora"]["test_accuracy"] >= final["finetune"]["test_accuracy"] - 0.02
    assert final["lora"]["trainable_params"] < 0.1 * final["finetune"]["trainable_params"]
    assert final["probe"]["test_accuracy"] <= min(final["lora"]["test_accuracy"],
                                                  final["finetune"]["test_accuracy"])
