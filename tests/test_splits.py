"""The split a person chooses: random (stratified, repeatable by its seed), by groups that
never straddle two sets, by a range, and the split in words; the file-name pattern parser."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlsp_studio.errors import DataError, ProjectError
from mlsp_studio.model.datasets import describe_split
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project
from mlsp_studio.model.splits import parse_range, plan_split, split_sentence
from mlsp_studio.readers.file_names import file_fields, parse_pattern, pattern_for

BASE = {"split": "random", "split_seed": 0, "val_fraction": 0.2, "test_fraction": 0.2}


def _parts(plan) -> list[set[int]]:
    return [set(plan.train.tolist()), set(plan.val.tolist()), set(plan.test.tolist())]


# ---------------------------------------------------------------- random


def test_random_split_is_stratified_and_repeatable_by_its_seed() -> None:
    y = np.repeat(np.arange(4), [50, 30, 10, 10])
    a = plan_split(BASE, y, True)
    again = plan_split(BASE, y, True)
    other = plan_split({**BASE, "split_seed": 1}, y, True)
    assert all(np.array_equal(p, q) for p, q in zip((a.train, a.val, a.test),
                                                    (again.train, again.val, again.test),
                                                    strict=True))
    assert not np.array_equal(np.sort(a.test), np.sort(other.test))
    train, val, test = _parts(a)
    assert not (train & val or train & test or val & test)
    assert train | val | test == set(range(len(y)))
    # each class is dealt out in proportion: 20 % of every class in the test set
    assert np.bincount(y[a.test], minlength=4).tolist() == [10, 6, 2, 2]
    assert np.bincount(y[a.val], minlength=4).tolist() == [10, 6, 2, 2]
    assert a.info == {"method": "random", "seed": 0,
                      "sizes": {"train": 60, "val": 20, "test": 20}}


@pytest.mark.parametrize("seed", range(6))
def test_random_split_by_group_never_puts_a_group_in_two_sets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.choice([f"s{k}" for k in range(9)], size=300)
    y = rng.integers(0, 3, size=300)
    plan = plan_split({**BASE, "split_seed": seed, "group": "speaker"}, y, True, groups=groups)
    sets = [set(groups[part].tolist()) for part in (plan.train, plan.val, plan.test)]
    assert all(sets)
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert sum(len(p) for p in (plan.train, plan.val, plan.test)) == 300
    assert plan.info["test_groups"] == sorted(sets[2])


# ---------------------------------------------------------------- held-out groups and ranges


def test_held_out_groups_are_the_test_set_and_validation_takes_whole_groups() -> None:
    groups = np.array(["ann", "bob", "cy", "dee", "eve"] * 40)
    y = np.arange(200) % 4
    plan = plan_split({**BASE, "split": "group", "group": "speaker",
                       "test_groups": "bob, eve"}, y, True, groups=groups)
    assert set(groups[plan.test].tolist()) == {"bob", "eve"} and len(plan.test) == 80
    val, train = set(groups[plan.val].tolist()), set(groups[plan.train].tolist())
    assert len(val) == 1 and not val & train and not (val | train) & {"bob", "eve"}
    assert split_sentence(plan.info) == \
        "train 80 · validation 40 · test 80 (speaker bob, eve held out)"


def test_an_index_range_is_the_test_set() -> None:
    index = np.tile(np.arange(10), 12)
    y = np.repeat(np.arange(3), 40)
    plan = plan_split({**BASE, "split": "range", "range_field": "index",
                       "test_range": "0-4"}, y, True, ranks=[str(i) for i in index])
    assert sorted(set(index[plan.test].tolist())) == [0, 1, 2, 3, 4] and len(plan.test) == 60
    assert set(index[np.concatenate([plan.train, plan.val])].tolist()) == {5, 6, 7, 8, 9}
    assert plan.info["range"] == [0, 4] and "index 0–4 held out" in split_sentence(plan.info)
    rows = plan_split({**BASE, "split": "range", "test_range": "90-119"}, y, True)
    assert sorted(rows.test.tolist()) == list(range(90, 120))  # by position, from 0


@pytest.mark.parametrize(("options", "groups", "words"), [
    ({"split": "group", "group": "speaker", "test_groups": "zed"}, True,
     "'zed' does not occur in speaker"),
    ({"split": "group", "group": "speaker", "test_groups": ""}, True, "needs test_groups"),
    ({"split": "group"}, False, "needs the group setting"),
    ({"split": "group", "group": "speaker", "test_groups": "a,b"}, True, "no examples to train"),
    ({"split": "range", "test_range": "0-99"}, False, "no examples to train"),
    ({"split": "range", "test_range": "500-600"}, False, "holds no example"),
    ({"split": "range", "test_range": "zero to four"}, False, "such as 0-4"),
    ({"split": "range", "test_range": "4-0"}, False, "backwards"),
    ({"split": "range", "test_range": "1", "range_field": "speaker"}, True, "whole numbers"),
])
def test_split_settings_that_do_not_fit_are_refused_in_words(options, groups, words) -> None:
    keys = np.array(["a", "b"] * 50)
    ranks = keys.tolist() if options.get("range_field") else None
    with pytest.raises(DataError, match=words):
        plan_split({**BASE, **options}, np.arange(100) % 2, True,
                   groups=keys if groups else None, ranks=ranks)


def test_parse_range_takes_one_number_or_two() -> None:
    assert parse_range("0-4") == (0, 4) and parse_range(" 7 ") == (7, 7)
    assert parse_range("2–5") == (2, 5) and parse_range("1..3") == (1, 3)


def test_builtin_datasets_say_their_random_shares() -> None:
    assert describe_split("spiral", {}) == "random split: validation 20% · test 20%"


# ---------------------------------------------------------------- file-name patterns


def test_pattern_reads_fields_from_names() -> None:
    pattern = parse_pattern("{label}_{speaker}_{index}.wav")
    assert pattern.fields == ("label", "speaker", "index")
    assert pattern.match("7_theo_12.WAV") == {"label": "7", "speaker": "theo", "index": "12"}
    assert pattern.match("7-theo-12.wav") is None
    stem = parse_pattern("{label}-{n}")  # no extension: matched against the name without it
    assert stem.match("cat-3.png") == {"label": "cat", "n": "3"}


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"), ("label.wav", "no fields"), ("{label_{speaker}.wav", "brace"),
    ("{label}_{}.wav", "field {}"), ("{label}_{2x}.wav", "letters, digits"),
    ("{label}_{label}.wav", "twice"), ("{label}{speaker}.wav", "side by side"),
    ("sub/{label}.wav", "folder separator"),
])
def test_bad_patterns_are_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(DataError, match=words):
        parse_pattern(text)


def test_names_that_do_not_fit_are_counted_with_an_example() -> None:
    files = ["/d/0_ann_1.wav", "/d/1_bob_2.wav", "/d/notes.wav", "/d/x.wav"]
    with pytest.raises(DataError, match=r"2 of 4 file names do not fit .* e\.g\. 'notes\.wav'"):
        file_fields(files, "{label}_{speaker}_{index}.wav")
    assert file_fields(files[:2], "{label}_{speaker}_{index}.wav") == \
        {"label": ["0", "1"], "speaker": ["ann", "bob"], "index": ["1", "2"]}


def test_an_offered_pattern_fits_the_name_it_was_made_from() -> None:
    for name in ("0_george_10.wav", "cat.1.png", "a-b-c-1-2.jpg", "solo.wav"):
        offered = pattern_for(name)
        assert parse_pattern(offered).match(name) is not None, offered
    assert pattern_for("0_george_10.wav") == "{label}_{group}_{index}.wav"


# ---------------------------------------------------------------- old projects


def _old(dataset: dict, variants: dict | None = None) -> dict:
    data = load_preset("spiral").to_dict()
    data.update(version=2, seed=3, dataset=dataset, variants=variants or {})
    return data


def test_an_old_project_keeps_its_data_seed_under_its_new_name() -> None:
    project = Project.from_dict(_old({"name": "spiral", "options": {"seed": 7}},
                                     {"v": {"dataset_options": {"seed": 8}},
                                      "w": {"dataset": "csv", "dataset_options": {"seed": 9}}}))
    assert project.dataset_options == {"data_seed": 7} and project.seed == 3
    assert project.variants["v"]["dataset_options"] == {"data_seed": 8}
    assert project.variants["w"]["dataset_options"] == {"split_seed": 9}
    assert any("data_seed" in note and "split_seed" in note for note in project.migration_notes)
    assert json.loads(project.to_json())["version"] == 3
    own = Project.from_dict(_old({"name": "csv", "options": {"seed": 4, "path": "/x.csv"}}))
    assert own.dataset_options == {"split_seed": 4, "path": "/x.csv"}


def test_the_old_name_is_refused_with_the_new_ones_in_the_message() -> None:
    project = load_preset("spiral")
    with pytest.raises(ProjectError, match="data_seed"):
        project.apply_setting("dataset.seed", 2)
    project.apply_setting("dataset.data_seed", 2)
    project.apply_setting("seed", 5)
    assert project.dataset_options["data_seed"] == 2 and project.seed == 5
