"""Projects: every preset round-trips through JSON; bad files give one clear sentence."""

from __future__ import annotations

import json

import pytest

from mlsp_studio.errors import ProjectError
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.presets import list_presets, load_preset, preset_names, resolve_target
from mlsp_studio.model.project import Project, check_project, load_project, save_project

CORE_PRESETS = ["xor-perceptron", "spiral", "regression-sine", "digits-cnn", "signal-cnn1d"]


def test_core_presets_exist_with_summaries() -> None:
    names = preset_names()
    for name in CORE_PRESETS:
        assert name in names
    assert all(p.summary for p in list_presets())


@pytest.mark.parametrize("name", preset_names())
def test_preset_round_trips_and_checks(name: str, tmp_path) -> None:
    project = load_preset(name)
    path = save_project(project, tmp_path / "p.mlsp.json")
    again = load_project(path)
    assert again.to_dict() == project.to_dict()
    assert json.loads(path.read_text()) == project.to_dict()
    check = check_project(project, BLOCKS)
    assert check.ok, check.errors
    for variant in project.variants:
        assert check_project(project.with_variant(variant), BLOCKS).ok


def _write(tmp_path, content, mode="w"):
    path = tmp_path / "bad.mlsp.json"
    with open(path, mode) as handle:
        handle.write(content)
    return path


def _spiral_dict() -> dict:
    return load_preset("spiral").to_dict()


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("{\"format\": \"mlsp-studio-project\", \"vers", "not valid JSON"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ("[1, 2, 3]", "no JSON object"),
    ("{\"format\": \"something-else\", \"version\": 1}", "not an MLSP Studio project"),
])
def test_bad_text_files(tmp_path, content, words) -> None:
    with pytest.raises(ProjectError, match=words) as info:
        load_project(_write(tmp_path, content))
    assert "\n" not in str(info.value)


def test_binary_file(tmp_path) -> None:
    with pytest.raises(ProjectError, match="binary"):
        load_project(_write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00", "wb"))


def test_truncated_preset(tmp_path) -> None:
    text = load_preset("digits-cnn").to_json()
    with pytest.raises(ProjectError, match="not valid JSON"):
        load_project(_write(tmp_path, text[: len(text) // 2]))


def test_future_version(tmp_path) -> None:
    data = _spiral_dict()
    data["version"] = 99
    with pytest.raises(ProjectError, match="newer MLSP Studio"):
        load_project(_write(tmp_path, json.dumps(data)))


def test_unknown_block_type_is_a_check_error(tmp_path) -> None:
    data = _spiral_dict()
    data["slots"]["model"]["nodes"][1]["type"] = "Hyperdrive"
    project = load_project(_write(tmp_path, json.dumps(data)))
    check = check_project(project, BLOCKS)
    assert any("Hyperdrive" in e and "no block type" in e for e in check.errors)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(seed=-4), "seed"),
    (lambda d: d.update(device="tpu"), "device"),
    (lambda d: d.update(slots=[]), "networks"),
    (lambda d: d.update(dataset="spiral"), "dataset"),
    (lambda d: d.update(name=7), "name"),
])
def test_wrong_types_are_refused(tmp_path, mutate, words) -> None:
    data = _spiral_dict()
    mutate(data)
    with pytest.raises(ProjectError, match=words):
        load_project(_write(tmp_path, json.dumps(data)))


def test_out_of_range_setting_is_refused_with_the_range() -> None:
    project = load_preset("spiral")
    with pytest.raises(ProjectError, match="lr must be 1e-06 to 10"):
        project.apply_setting("lr", "50")
    with pytest.raises(ProjectError, match="no setting called 'learning_speed'"):
        project.apply_setting("learning_speed", "1")
    project.apply_setting("noise", "0.2")
    project.apply_setting("batch_size", "128")
    assert project.dataset_options["noise"] == 0.2 and project.hparams["batch_size"] == 128


def test_bad_hparam_in_file_is_a_check_error(tmp_path) -> None:
    data = _spiral_dict()
    data["hparams"]["epochs"] = 0
    check = check_project(load_project(_write(tmp_path, json.dumps(data))), BLOCKS)
    assert any("epochs" in e for e in check.errors)


def test_unknown_preset_lists_known_ones() -> None:
    with pytest.raises(ProjectError, match="unknown preset 'nope'.*spiral"):
        resolve_target("nope")


def test_missing_file_and_folder(tmp_path) -> None:
    with pytest.raises(ProjectError, match="no such file"):
        resolve_target(str(tmp_path / "missing.mlsp.json"))
    with pytest.raises(ProjectError, match="folder"):
        load_project(tmp_path)


def test_variants_change_the_network() -> None:
    project = load_preset("xor-perceptron")
    perceptron = project.with_variant("perceptron")
    assert len(perceptron.slots["model"].nodes) == 2
    with pytest.raises(ProjectError, match="no variant"):
        project.with_variant("quantum")


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path) -> None:
    path = tmp_path / "p.mlsp.json"
    save_project(load_preset("spiral"), path)
    save_project(Project.from_dict(_spiral_dict()), path)
    assert [p.name for p in tmp_path.iterdir()] == ["p.mlsp.json"]


def test_networks_too_big_to_train_are_refused_in_words() -> None:
    project = load_preset("spiral")
    project.slots["model"].set_params(2, {"units": 65536})
    project.slots["model"].set_params(4, {"units": 65536})
    check = check_project(project, BLOCKS)
    assert any("parameters" in e and "up to 50,000,000" in e for e in check.errors), check.errors
    wide = load_preset("digits-cnn")
    wide.slots["model"].set_params(2, {"out_channels": 4096, "kernel_size": 3, "padding": 1})
    wide.apply_setting("batch_size", "65536")
    check = check_project(wide, BLOCKS)
    assert any("GB of activations" in e and "smaller batch size" in e for e in check.errors)
    assert check_project(load_preset("digits-cnn"), BLOCKS).ok


def test_an_absurd_future_version_still_gives_a_short_message(tmp_path) -> None:
    data = _spiral_dict()
    data["version"] = 10**4000
    with pytest.raises(ProjectError, match="newer MLSP Studio") as info:
        load_project(_write(tmp_path, json.dumps(data)))
    assert len(str(info.value)) < 200
