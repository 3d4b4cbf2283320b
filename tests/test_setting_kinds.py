"""Every setting of every paradigm says what changing it does to a run that has trained:
nothing to training (view), taken by the running run (live), or a new run (training)."""

from __future__ import annotations

import pytest

from mlsp_studio.model.live import live_changes
from mlsp_studio.model.paradigms import LIVE_SETTINGS, PARADIGM_SPECS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project
from mlsp_studio.model.setting_kinds import (
    LIVE,
    PROJECT_KINDS,
    SETTING_KINDS,
    TRAINING,
    VIEW,
    classified,
    own_settings,
    setting_kind,
    unclassified,
)

SPECS = list(PARADIGM_SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_every_setting_of_every_paradigm_is_classified(spec) -> None:
    assert unclassified(spec) == [], (
        f"classify these settings of {spec.name} in its ParadigmSpec "
        "(setting_kinds=own_settings(view=..., live=..., training=...))")
    kinds = classified(spec)
    assert set(kinds) == set(spec.hparams.names())
    assert set(kinds.values()) <= set(SETTING_KINDS)
    own = dict(spec.setting_kinds)
    assert set(own) <= set(spec.hparams.names()), "a kind for a setting it does not have"
    for name, kind in kinds.items():  # live means what the running run can take
        assert (kind == LIVE) == (name in LIVE_SETTINGS), (spec.name, name)


def test_the_same_name_can_be_of_another_kind_in_another_paradigm() -> None:
    for name in ("temperature", "top_k", "sample_length"):
        assert setting_kind("language_model", name) == VIEW
    assert setting_kind("contrastive", "temperature") == TRAINING  # the loss's temperature
    assert setting_kind("diffusion", "guidance") == VIEW
    assert setting_kind("diffusion", "timesteps") == TRAINING
    assert setting_kind("supervised", "lr") == LIVE
    assert setting_kind("no such paradigm", "lr") == TRAINING
    assert setting_kind("supervised", "no such setting") == TRAINING


def test_the_project_fields_are_classified() -> None:
    fields = set(Project.__dataclass_fields__) - {"hparams", "migration_notes"}
    assert set(PROJECT_KINDS) == fields


def test_a_setting_cannot_be_classified_twice() -> None:
    with pytest.raises(ValueError, match="sample_length"):
        own_settings(view=("sample_length",), training=("sample_length",))


def test_a_sampling_setting_is_taken_by_the_running_run_and_a_training_one_is_not() -> None:
    running = load_preset("gpt-chars")
    edited = running.copy()
    edited.hparams["sample_length"] = 200
    edited.hparams["temperature"] = 1.3
    assert live_changes(running, edited) == [("sample_length", 200), ("temperature", 1.3)]
    edited.hparams["epochs"] = 3
    assert live_changes(running, edited) is None
