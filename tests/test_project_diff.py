"""What differs between two projects, in short phrases for the run list."""

from __future__ import annotations

from mlsp_studio.model.paradigms import PARADIGM_SPECS
from mlsp_studio.model.presets import resolve_target
from mlsp_studio.model.project_diff import graph_differences, project_differences


def _base():
    return resolve_target("overfit-regularize")


def test_the_same_project_differs_in_nothing_and_layout_is_not_a_change() -> None:
    a, b = _base(), _base()
    b.name, b.description = "renamed", "other words"
    b.slots["model"].nodes[2].pos = (300.0, 40.0)
    assert project_differences(a, b) == []


def test_settings_seed_and_dataset_options_are_named_with_old_and_new_values() -> None:
    a, b = _base(), _base()
    b.hparams["lr"] = 0.001
    b.seed = 5
    b.dataset_options["noise"] = 0.3
    assert project_differences(a, b) == ["noise 0.15 → 0.3", "lr 0.01 → 0.001", "seed 0 → 5"]


def test_a_setting_left_out_counts_as_its_default() -> None:
    a, b = _base(), _base()
    b.hparams["weight_decay"] = a.hparams.get("weight_decay", 0.0)  # written out, same value
    assert project_differences(a, b) == []
    del b.hparams["epochs"]  # back to the training's default
    default = PARADIGM_SPECS.get("supervised").hparams.get("epochs").default
    assert default != 250
    assert project_differences(a, b) == [f"epochs 250 → {default}"]


def test_block_settings_added_and_removed_blocks() -> None:
    a, b = _base(), _base()
    graph = b.slots["model"]
    graph.nodes[2].params["units"] = 16
    dropout = graph.add_node("Dropout", {"p": 0.2})
    assert project_differences(a, b) == ["Dropout added", "Dense units 128 → 16"]
    c = b.copy()
    c.slots["model"].nodes[dropout].params["p"] = 0.5
    assert project_differences(b, c) == ["Dropout p 0.2 → 0.5"]


def test_many_network_changes_are_summed_up() -> None:
    a, b = _base(), _base()
    graph = b.slots["model"]
    for _ in range(3):
        graph.add_node("Dropout", {"p": 0.1})
    graph.remove_node(5)
    assert graph_differences(a.slots["model"], graph) == \
        ["network changed: 3 blocks added, 1 removed"]


def test_another_dataset_replaces_its_options() -> None:
    a, b = _base(), _base()
    b.dataset, b.dataset_options = "moons", {}
    assert project_differences(a, b) == ["dataset spiral → moons"]
