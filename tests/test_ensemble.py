"""Ensembles in supervised training: K networks from different starts, their predictions
averaged, every live change reaching every member, and a size of 0 refused with the range."""

from __future__ import annotations

import pytest
import torch
from engine_steps import built_engine, paused_engine, preset_project, step_and_wait

from mlsp_studio.data import make_dataset
from mlsp_studio.engine.engine import Engine
from mlsp_studio.errors import StudioError
from mlsp_studio.export.python_script import python_source
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import check_project


def test_the_ensemble_predicts_the_mean_of_its_members_probabilities() -> None:
    engine = built_engine(ensemble=3)
    paradigm = engine.paradigm
    for _ in range(5):
        paradigm.step()
    members = paradigm.members
    assert len(members) == 3 and members[0] is engine.nets["model"]
    x = engine.data.test.x
    with torch.inference_mode():
        paradigm.predictor.eval()
        mean = torch.stack([torch.softmax(m(x), -1) for m in members]).mean(0)  # (n, classes)
        averaged = paradigm.predictor(x).exp()
        single = members[0](x)
    assert torch.allclose(averaged, mean, atol=1e-6)
    assert not torch.allclose(averaged, torch.softmax(single, -1), atol=1e-3)
    final = paradigm.final_metrics()
    accuracy = (mean.argmax(-1) == engine.data.test.y).float().mean().item()
    assert final["test_accuracy"] == pytest.approx(accuracy)
    singles = [(m(x).argmax(-1) == engine.data.test.y).float().mean().item() for m in members]
    assert final["test_accuracy_single_mean"] == pytest.approx(sum(singles) / 3)


def test_a_regression_ensemble_averages_the_outputs() -> None:
    engine = built_engine("regression-sine", None, ensemble=3)
    paradigm = engine.paradigm
    paradigm.step()
    x = engine.data.test.x
    with torch.inference_mode():
        paradigm.predictor.eval()
        mean = torch.stack([m(x) for m in paradigm.members]).mean(0)
        assert torch.allclose(paradigm.predictor(x), mean, atol=1e-6)
    assert "test_mse_single_mean" in paradigm.final_metrics()


def test_members_start_from_different_weights_and_each_learns() -> None:
    engine = built_engine(ensemble=3)
    members = engine.paradigm.members
    states = [dict(m.named_parameters()) for m in members]
    for name in states[0]:
        assert not torch.equal(states[0][name], states[1][name])
        assert not torch.equal(states[1][name], states[2][name])
    before = [{k: v.detach().clone() for k, v in s.items()} for s in states]
    engine.paradigm.step()
    for old, new in zip(before, states, strict=True):
        assert any(not torch.equal(old[k], new[k]) for k in old)
    optimised = {id(p) for g in engine.paradigm.optimizer.param_groups for p in g["params"]}
    assert optimised == {id(p) for m in members for p in m.parameters()}


def test_a_single_network_is_unchanged_by_the_ensemble_setting() -> None:
    engine = built_engine(ensemble=1)
    assert engine.paradigm.predictor is engine.nets["model"]
    assert "test_accuracy_single_mean" not in engine.paradigm.final_metrics()


@pytest.mark.parametrize("size", [0, -2, 11])
def test_an_ensemble_outside_its_range_is_refused_with_the_range(size: int) -> None:
    project = load_preset("overfit-regularize")
    project.hparams["ensemble"] = size
    errors = check_project(project, BLOCKS).errors
    assert any(f"ensemble must be 1 to 10, not {size}" in e for e in errors)
    with pytest.raises(StudioError, match="ensemble must be 1 to 10"):
        Engine(project, threads=1).build()


def test_live_changes_reach_every_member() -> None:
    project = preset_project("overfit-regularize", "regularized", ensemble=2)
    with paused_engine(project, max_steps=100) as engine:
        step_and_wait(engine, 1)
        node = next(n for n in project.slots["model"].nodes.values() if n.type == "Dropout")
        engine.set_live("dropout", ("model", node.id, 0.1))
        engine.set_live("lr", 0.2)
        step_and_wait(engine, 1)
        assert [m.blocks[f"n{node.id}"].p for m in engine.paradigm.members] == [0.1, 0.1]
        assert {g["lr"] for g in engine.paradigm.optimizer.param_groups} == {0.2}


def test_early_stopping_keeps_every_member_from_the_same_moment() -> None:
    engine = built_engine(ensemble=2, patience=2, lr=0.05)
    paradigm = engine.paradigm
    paradigm.step()
    best = paradigm.evaluate("val")["loss"]
    kept = {k: v.clone() for k, v in paradigm.members[1].state_dict().items()}
    for _ in range(3):
        paradigm.step()
    worse = best + 10.0  # whatever the loss now, a later check that is not better
    paradigm.ensemble.note_val_loss(worse)
    paradigm.final_metrics()
    restored = paradigm.members[1].state_dict()
    assert all(torch.equal(kept[k], restored[k]) for k in kept)


def _script(project) -> dict:
    namespace = {"__name__": "exported_script"}
    exec(compile(python_source(project), "exported.py", "exec"), namespace)
    return namespace


def test_the_exported_script_averages_and_augments_as_the_studio_does() -> None:
    project = load_preset("digits-cnn")
    project.hparams.update(ensemble=3, augment=True)
    script = _script(project)
    torch.manual_seed(0)
    model = script["Ensemble"]().eval()
    assert len(model.members) == 3
    x = make_dataset("digits", {}).test.x[:16]
    with torch.no_grad():
        mean = torch.stack([torch.softmax(m(x), -1) for m in model.members]).mean(0)
        assert torch.allclose(model(x).exp(), mean, atol=1e-6)
    augment = script["PictureAugmentation"](make_dataset("digits", {}).train.x)
    assert (augment.low, augment.high) == (0.0, 1.0)  # the training pictures' value range
    y = torch.zeros(16, dtype=torch.long)
    out, labels = augment(x, y)
    assert out.shape == x.shape and torch.equal(labels, y) and not torch.equal(out, x)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert "train(network=Ensemble, augmentation=PictureAugmentation)" in python_source(project)
    tokens = load_preset("rnn-vs-lstm")
    tokens.hparams["augment"] = True
    with pytest.raises(StudioError, match="not available for token or sequence data"):
        python_source(tokens)


def test_the_run_folder_holds_every_member(tmp_path) -> None:
    from mlsp_studio.engine.checkpoints import load_checkpoint
    from mlsp_studio.engine.outputs import write_run

    engine = built_engine(ensemble=3)
    for _ in range(3):
        engine.paradigm.step()
    names = {p.name for p in write_run(tmp_path, engine)}
    assert {"model.safetensors", "model.member1.safetensors",
            "model.member2.safetensors"} <= names
    project = engine.project.copy()
    project.seed += 1  # other starting weights, until the files load
    twin = Engine(project, max_steps=1000, threads=1)
    twin.build()
    for k, member in enumerate(twin.paradigm.members):
        load_checkpoint(member, tmp_path / ("model.safetensors" if k == 0 else
                                            f"model.member{k}.safetensors"))
    x = engine.data.test.x
    with torch.inference_mode():
        engine.paradigm.predictor.eval()
        twin.paradigm.predictor.eval()
        assert torch.equal(engine.paradigm.predictor(x), twin.paradigm.predictor(x))
