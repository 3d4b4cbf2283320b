"""Splits of a person's own files: labels and groups from file names, a folder of files side by
side, a test set in a file of its own (CSV, NPZ, pictures, sounds, IDX), what summary.json
records of the split, and the exported script's refusal of a split it cannot repeat."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_userfiles_media import make_idx, make_pictures, make_sounds

from mlsp_studio.data import make_dataset
from mlsp_studio.engine.summary import split_entry
from mlsp_studio.errors import DataError, StudioError
from mlsp_studio.export.python_script import python_source
from mlsp_studio.model.datasets import DATASET_SPECS, dataset_context, describe_split
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.splits import dataset_split

PATTERN = "{label}_{speaker}_{index}.wav"
LOUDNESS = {"ann": 0.2, "bob": 0.4, "cy": 0.6, "dee": 0.8}  # each speaker's peak, to know them


def _wav(path: Path, peak: float, freq: float, frames: int = 200) -> None:
    samples = peak * np.sin(2 * np.pi * freq * np.arange(frames) / 8000)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes((samples * 32767).astype("<i2").tobytes())


def _speakers(folder: Path, recordings: int = 6) -> Path:
    """Digits 0-2 said by four speakers, ``recordings`` times each, side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    for speaker, peak in LOUDNESS.items():
        for digit in range(3):
            for i in range(recordings):
                _wav(folder / f"{digit}_{speaker}_{i}.wav", peak, 300.0 * (digit + 1) + i)
    return folder


def _peaks(split) -> set[float]:
    return {round(float(v), 1) for v in split.x.abs().amax(dim=(1, 2))}


def _wavs(folder: Path, **options) -> dict:
    return {"path": str(folder), "pattern": PATTERN, "length": 200, **options}


# ---------------------------------------------------------------- files side by side


def test_a_flat_folder_without_a_pattern_names_its_files_and_offers_one(tmp_path: Path) -> None:
    folder = _speakers(tmp_path / "digits")
    with pytest.raises(DataError, match=r"holds 72 WAV sounds side by side.*pattern setting, "
                                        r"e\.g\. '\{label\}_\{group\}_\{index\}\.wav' for a name "
                                        r"like '0_ann_0\.wav'"):
        make_dataset("wav_folder", {"path": str(folder), "length": 200})
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for i in range(12):
        Image.fromarray(np.full((6, 6), 20 * i, np.uint8)).save(pictures / f"cat.{i}.png")
    with pytest.raises(DataError, match=r"12 PNG pictures side by side.*'\{label\}\.\{index\}"
                                        r"\.png'"):
        make_dataset("image_folder", {"path": str(pictures)})


def test_labels_come_from_the_names_and_a_speaker_is_held_out(tmp_path: Path) -> None:
    folder = _speakers(tmp_path / "digits")
    bundle = make_dataset("wav_folder", _wavs(folder, split="group", group="speaker",
                                              test_groups="dee", split_seed=3))
    assert bundle.class_names == ["0", "1", "2"] and bundle.num_classes == 3
    assert _peaks(bundle.test) == {0.8} and len(bundle.test) == 18
    train, val = _peaks(bundle.train), _peaks(bundle.val)
    assert train and val and not train & val and 0.8 not in train | val
    entry = split_entry(bundle)
    assert entry["method"] == "group" and entry["test_groups"] == ["dee"]
    assert entry["sizes"] == {"train": 36, "val": 18, "test": 18}
    assert entry["words"] == "train 36 · validation 18 · test 18 (speaker dee held out)"
    assert describe_split("wav_folder", _wavs(folder, split="group", group="speaker",
                                              test_groups="dee", split_seed=3)) == entry["words"]


def test_recordings_0_to_1_of_every_speaker_are_held_out(tmp_path: Path) -> None:
    folder = _speakers(tmp_path / "digits")
    bundle = make_dataset("wav_folder", _wavs(folder, split="range", range_field="index",
                                              test_range="0-1"))
    assert len(bundle.test) == 4 * 3 * 2 and _peaks(bundle.test) == set(LOUDNESS.values())
    assert len(bundle.train) + len(bundle.val) == 4 * 3 * 4
    assert split_entry(bundle)["range"] == [0, 1]


@pytest.mark.parametrize(("options", "words"), [
    ({"group": "spk", "split": "group", "test_groups": "ann"}, "'spk' is not a field"),
    ({"group": "speaker", "split": "group", "test_groups": "zoe"}, "'zoe' does not occur"),
    ({"pattern": "{label}-{speaker}.wav"}, "72 of 72 file names do not fit"),
    ({"pattern": "{speaker}_{x}_{index}.wav"}, "no subfolders"),
    ({"pattern": "{label}_{label}.wav"}, "twice"),
])
def test_pattern_and_group_settings_that_do_not_fit(tmp_path: Path, options, words) -> None:
    folder = _speakers(tmp_path / "digits")
    with pytest.raises(DataError, match=words):
        make_dataset("wav_folder", _wavs(folder, **options))


def test_a_group_needs_a_pattern_that_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no pattern is set"):
        make_dataset("wav_folder", {"path": str(make_sounds(tmp_path / "s")), "length": 200,
                                    "group": "speaker"})


# ---------------------------------------------------------------- a test set of its own


def _csv(path: Path, rows: int, labels: tuple[str, ...] = ("no", "yes"), width: int = 2) -> str:
    rng = np.random.default_rng(rows)
    lines = [",".join([f"f{k}" for k in range(width)] + ["label"])]
    lines += [",".join([f"{v:.3f}" for v in rng.normal(size=width)] + [labels[i % len(labels)]])
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_csv_test_file_is_the_test_set(tmp_path: Path) -> None:
    train = _csv(tmp_path / "train.csv", 40, ("no", "yes", "maybe"))
    test = _csv(tmp_path / "test.csv", 12, ("yes", "no"))
    bundle = make_dataset("csv", {"path": train, "split": "test_file", "test_path": test,
                                  "standardize": False})
    assert len(bundle.test) == 12 and len(bundle.train) + len(bundle.val) == 40
    assert bundle.class_names == ["maybe", "no", "yes"]
    # the test file's classes are numbered as the training file's: yes, no, yes, no...
    assert bundle.test.y.tolist()[:2] in ([2, 1], [1, 2])
    assert sorted(set(bundle.test.y.tolist())) == [1, 2]
    assert split_entry(bundle)["sizes"]["test"] == 12
    other = _csv(tmp_path / "other.csv", 12, ("yes", "cat"))
    with pytest.raises(DataError, match="class 'cat'"):
        make_dataset("csv", {"path": train, "split": "test_file", "test_path": other})
    wide = _csv(tmp_path / "wide.csv", 12, width=3)
    with pytest.raises(DataError, match="inputs shaped"):
        make_dataset("csv", {"path": train, "split": "test_file", "test_path": wide})
    with pytest.raises(DataError, match="needs test_path"):
        make_dataset("csv", {"path": train, "split": "test_file"})


def test_an_npz_test_file_and_a_range_of_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "a.npz", x=rng.normal(size=(30, 4)), y=np.arange(30) % 3)
    np.savez(tmp_path / "b.npz", x=rng.normal(size=(11, 4)), y=np.arange(11) % 3)
    own = make_dataset("npz", {"path": str(tmp_path / "a.npz"), "split": "test_file",
                               "test_path": str(tmp_path / "b.npz")})
    assert len(own.test) == 11 and len(own.train) + len(own.val) == 30
    rows = make_dataset("npz", {"path": str(tmp_path / "a.npz"), "split": "range",
                                "test_range": "20-29"})
    assert len(rows.test) == 10 and split_entry(rows)["field"] == "position"


def test_picture_sound_and_idx_test_folders(tmp_path: Path) -> None:
    pictures = make_dataset("image_folder", {
        "path": str(make_pictures(tmp_path / "p", 8, classes=("ant", "cat", "dog"))),
        "size": 8, "split": "test_file",
        "test_path": str(make_pictures(tmp_path / "pt", 5, classes=("dog", "ant")))})
    assert pictures.class_names == ["ant", "cat", "dog"]
    assert len(pictures.test) == 10 and set(pictures.test.y.tolist()) == {0, 2}
    sounds = make_dataset("wav_folder", {
        "path": str(make_sounds(tmp_path / "s")), "length": 200, "split": "test_file",
        "test_path": str(make_sounds(tmp_path / "st", per_class=5))})
    assert len(sounds.test) == 10 and len(sounds.train) + len(sounds.val) == 12
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    images, _ = make_idx(tmp_path / "train", n=30)
    test_images, _ = make_idx(tmp_path / "test", n=12)
    idx = make_dataset("idx", {"path": str(images), "split": "test_file",
                               "test_path": str(test_images)})
    assert len(idx.test) == 12 and len(idx.train) + len(idx.val) == 30


# ---------------------------------------------------------------- the exported script


def test_the_script_refuses_a_split_it_cannot_repeat(tmp_path: Path) -> None:
    project = load_preset("spiral")
    project.apply_setting("dataset", "csv")
    project.apply_setting("path", _csv(tmp_path / "t.csv", 40))
    python_source(project)  # a random split is written out
    project.apply_setting("split", "range")
    project.apply_setting("test_range", "0-9")
    with pytest.raises(StudioError, match="splits the data at random.*range split"):
        python_source(project)


def test_a_csv_group_column_keeps_groups_whole_and_is_not_an_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["x1,x2,patient,visit,label"]
    for patient in ("p1", "p2", "p3", "p4", "p5"):
        for visit in range(8):
            a, b = rng.normal(size=2)
            lines.append(f"{a:.3f},{b:.3f},{patient},{visit},{int(a > b)}")
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = {"path": str(path), "split": "group", "group": "patient", "test_groups": "p2,p4",
               "standardize": False}
    bundle = make_dataset("csv", options)
    assert bundle.input_shape == (3,)  # x1, x2 and visit: the patient is not an input
    assert len(bundle.test) == 16 and len(bundle.val) == 8 and len(bundle.train) == 16
    ranged = make_dataset("csv", {**options, "split": "range", "range_field": "visit",
                                  "test_range": "0-1"})
    assert ranged.input_shape == (2,) and len(ranged.test) == 10
    rows = [line.split(",") for line in lines[1:]]

    def first_inputs(keep) -> list[float]:
        return sorted(float(np.float32(r[0])) for r in rows if keep(r))

    assert sorted(bundle.test.x[:, 0].tolist()) == first_inputs(lambda r: r[2] in ("p2", "p4"))
    assert sorted(ranged.test.x[:, 0].tolist()) == first_inputs(lambda r: int(r[3]) <= 1)
    with pytest.raises(DataError, match="no column called 'ward'"):
        make_dataset("csv", {**options, "group": "ward"})


def test_a_pattern_without_label_reads_fields_in_class_subfolders(tmp_path: Path) -> None:
    folder = make_sounds(tmp_path / "s", per_class=8)  # high/0.wav ... low/7.wav
    options = {"path": str(folder), "length": 200, "pattern": "{take}.wav", "split": "range",
               "range_field": "take", "test_range": "6-7"}
    bundle = make_dataset("wav_folder", options)
    assert bundle.class_names == ["high", "low"] and len(bundle.test) == 4
    assert describe_split("wav_folder", options).endswith("(take 6–7 held out)")


def test_the_split_is_worked_out_once_and_again_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    options = {"path": _csv(path, 40), "split": "range", "test_range": "0-9"}
    values, _ = dataset_context("csv", options)
    first, _, _ = dataset_split(DATASET_SPECS.get("csv"), values)
    again, _, _ = dataset_split(DATASET_SPECS.get("csv"), values)
    assert again is first
    _csv(path, 50)  # more rows: read and split again
    changed, table, _ = dataset_split(DATASET_SPECS.get("csv"), values)
    assert changed is not first and len(table.y) == 50 and changed.info["sizes"]["train"] == 30
