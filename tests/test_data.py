"""Datasets: every one makes, matches its spec's shapes, is reproducible, and user files that do
not fit are refused with one plain sentence naming the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mlsp_studio.data import MAKERS, DataBundle, make_dataset
from mlsp_studio.data.bundle import split_indices, split_sizes
from mlsp_studio.errors import DataError, ParamError
from mlsp_studio.model.datasets import (
    DATASET_SPECS,
    DatasetRegistry,
    context_task,
    dataset_context,
)

BUILTIN = ["spiral", "circles", "xor", "blobs", "moons", "ring", "sine", "digits", "noisy_digits",
           "signals"]
OPTION_SETS = [
    ("spiral", {"classes": 6, "n_samples": 120, "noise": 0.0}),
    ("spiral", {"classes": 2, "n_samples": 20000}),
    ("blobs", {"classes": 2, "spread": 1.5, "n_samples": 50}),
    ("ring", {"modes": 3, "spread": 0.5, "n_samples": 60}),
    ("sine", {"frequency": 3.0, "noise": 0.0, "n_samples": 50}),
    ("digits", {"flatten": True}),
    ("digits", {"classes": [3, 8]}),
    ("digits", {"classes": "1, 7, 9", "flatten": True}),
    ("signals", {"length": 32, "n_samples": 60, "noise": 1.0}),
    ("signals", {"length": 1024, "n_samples": 100}),
    ("xor", {"val_fraction": 0.0, "test_fraction": 0.05}),
    ("moons", {"val_fraction": 0.5, "test_fraction": 0.3}),
]


def _write_csv(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def _good_csv(tmp_path: Path, rows: int = 40) -> str:
    rng = np.random.default_rng(0)
    lines = ["height,weight,label"]
    for i in range(rows):
        lines.append(f"{rng.normal(170, 10):.2f},{rng.normal(70, 8):.2f},{i % 3}")
    return _write_csv(tmp_path / "good.csv", "\n".join(lines) + "\n")


def _good_npz(tmp_path: Path, x: np.ndarray | None = None, y: np.ndarray | None = None,
              name: str = "good.npz") -> str:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 1, 8, 8)).astype(np.float32) if x is None else x
    y = np.arange(len(x)) % 4 if y is None else y
    path = tmp_path / name
    np.savez(path, x=x, y=y)
    return str(path)


def _check_against_spec(bundle: DataBundle, name: str, options: dict) -> None:
    _, ctx = dataset_context(name, options)
    spec = DATASET_SPECS.get(name)
    assert bundle.context() == ctx
    assert bundle.input_shape == tuple(ctx.inputs["x"])
    assert bundle.task == context_task(ctx)
    if spec.task != "auto":
        assert bundle.task == spec.task
    for split in bundle.splits().values():
        assert split.x.dtype == torch.float32
        assert tuple(split.x.shape[1:]) == bundle.input_shape
        assert len(split.x) == len(split.y)
    if bundle.task == "classification":
        assert len(bundle.class_names) == bundle.num_classes == ctx.num_classes >= 2
        assert bundle.num_targets == 0
        for split in bundle.splits().values():
            assert split.y.dtype == torch.int64 and split.y.ndim == 1
            if len(split.y):
                assert 0 <= int(split.y.min()) and int(split.y.max()) < bundle.num_classes
    else:
        assert bundle.num_classes == 0 and bundle.num_targets == ctx.num_targets >= 1
        for split in bundle.splits().values():
            assert split.y.dtype == torch.float32 and split.y.shape[1:] == (bundle.num_targets,)
    assert torch.isfinite(bundle.train.x).all()


# ---------------------------------------------------------------- the built-ins

def test_registries_agree_and_hold_every_builtin():
    sequences = {"recall", "tagging", "counting", "seq_pairs", "token_map", "events", "corpus",
                 "text_file", "spectrograms"}  # tested in test_seq_data.py
    paired = {"paired_digits"}  # tested in test_contrastive.py
    media = {"image_folder", "wav_folder", "idx"}  # tested in test_userfiles_media.py
    assert set(BUILTIN) | {"csv", "npz"} | sequences | paired | media \
        == set(DATASET_SPECS.names()) \
        == set(MAKERS.names())
    for spec in DATASET_SPECS:
        assert spec.doc and spec.title
        seed = "split_seed" if spec.name in ("csv", "npz", *media) else "data_seed"
        assert {seed, "val_fraction", "test_fraction"} <= set(spec.options.names())
        assert spec.options.get(seed).default == 0 and "seed" not in spec.options.names()


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_makes_with_defaults_and_matches_spec(name):
    bundle = make_dataset(name, {})
    _check_against_spec(bundle, name, {})
    assert bundle.input_kind == DATASET_SPECS.get(name).input_kind
    assert len(bundle.train) > len(bundle.test) > 0


@pytest.mark.parametrize(("name", "options"), OPTION_SETS)
def test_builtin_makes_with_options_and_matches_spec(name, options):
    _check_against_spec(make_dataset(name, options), name, options)


@pytest.mark.parametrize("name", BUILTIN)
def test_same_seed_same_tensors_other_seed_other_tensors(name):
    a, b = make_dataset(name, {"data_seed": 5}), make_dataset(name, {"data_seed": 5})
    c = make_dataset(name, {"data_seed": 6})
    for part in ("train", "val", "test"):
        assert torch.equal(getattr(a, part).x, getattr(b, part).x)
        assert torch.equal(getattr(a, part).y, getattr(b, part).y)
    assert not torch.equal(a.train.x, c.train.x)


@pytest.mark.parametrize("name", BUILTIN)
def test_default_size_is_made(name):
    # how long it takes is the bench's dataset_make_s_max
    bundle = make_dataset(name, {})
    assert len(bundle.train) > len(bundle.test) > 0 and len(bundle.val) > 0
    assert len(bundle.train.x) == len(bundle.train.y)


@pytest.mark.parametrize(("val", "test"), [(0.2, 0.2), (0.0, 0.05), (0.5, 0.3), (0.1, 0.5)])
def test_split_sizes_follow_fractions_and_do_not_overlap(val, test):
    bundle = make_dataset("spiral", {"n_samples": 1000, "val_fraction": val,
                                     "test_fraction": test})
    assert len(bundle.test) == round(1000 * test)
    assert len(bundle.val) == round(1000 * val)
    assert len(bundle.train) + len(bundle.val) + len(bundle.test) == 1000
    rows = [{tuple(r) for r in s.x.tolist()} for s in bundle.splits().values()]
    assert sum(len(r) for r in rows) == len(set().union(*rows)) == 1000


def test_split_indices_cover_every_row_once_and_spread_each_class():
    y = np.repeat(np.arange(4), [10, 50, 100, 240])
    train, val, test = split_indices(y, True, 0.2, 0.25, np.random.default_rng(1))
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(len(y)))
    assert (len(train), len(val), len(test)) == split_sizes(len(y), 0.2, 0.25)
    for c, count in enumerate([10, 50, 100, 240]):
        assert abs(np.sum(y[test] == c) - count * 0.25) <= 1
        assert abs(np.sum(y[val] == c) - count * 0.2) <= 1


def test_changing_fractions_keeps_the_examples():
    a = make_dataset("moons", {"data_seed": 3})
    b = make_dataset("moons", {"data_seed": 3, "test_fraction": 0.4})
    rows = lambda d: sorted(map(tuple, torch.cat([s.x for s in d.splits().values()]).tolist()))  # noqa: E731
    assert rows(a) == rows(b)


def test_sine_truth_and_noise_variance():
    bundle = make_dataset("sine", {"noise": 0.3, "n_samples": 20000, "frequency": 2.0})
    x, y = bundle.test.x.numpy(), bundle.test.y.numpy()
    assert bundle.truth is not None
    assert np.allclose(bundle.truth(np.array([[0.0], [np.pi / 4]])), [[0.0], [1.0]], atol=1e-6)
    mse = float(np.mean((bundle.truth(x) - y) ** 2))
    assert mse == pytest.approx(0.3**2, rel=0.1)
    assert "noise**2" in DATASET_SPECS.get("sine").doc


def test_extent_contains_the_points():
    for name in ("spiral", "moons", "sine"):
        bundle = make_dataset(name, {})
        xmin, xmax, ymin, ymax = bundle.extent
        x = torch.cat([s.x for s in bundle.splits().values()]).reshape(-1, bundle.input_shape[0])
        ys = x[:, 1] if name != "sine" else torch.cat([s.y for s in bundle.splits().values()])
        assert xmin < float(x[:, 0].min()) and float(x[:, 0].max()) < xmax
        assert ymin < float(ys.min()) and float(ys.max()) < ymax
    assert make_dataset("digits", {}).extent is None


def test_digits_are_scaled_and_subset_is_renumbered():
    bundle = make_dataset("digits", {"classes": [8, 3]})
    assert bundle.class_names == ["3", "8"]
    assert 0.0 <= float(bundle.train.x.min()) and float(bundle.train.x.max()) <= 1.0
    assert set(bundle.train.y.tolist()) == {0, 1}
    assert make_dataset("digits", {"flatten": True}).input_shape == (64,)


def test_signals_have_five_balanced_classes():
    bundle = make_dataset("signals", {"n_samples": 500})
    assert bundle.class_names == ["sine", "square", "sawtooth", "chirp", "noise burst"]
    counts = torch.bincount(torch.cat([s.y for s in bundle.splits().values()]))
    assert counts.tolist() == [100] * 5


def test_to_device_keeps_everything():
    bundle = make_dataset("xor", {})
    moved = bundle.to("cpu")
    assert moved.context() == bundle.context() and moved.class_names == bundle.class_names
    assert torch.equal(moved.test.x, bundle.test.x)


@pytest.mark.parametrize(("name", "options"), [
    ("spiral", {"n_samples": 10}),
    ("spiral", {"classes": 7}),
    ("blobs", {"spread": 0.0}),
    ("moons", {"noise": -0.1}),
    ("circles", {"data_seed": "abc"}),
    ("xor", {"colour": "red"}),
    ("sine", {"val_fraction": 0.6}),
    ("sine", {"test_fraction": 0.0}),
    ("signals", {"length": 16}),
    ("digits", {"classes": [3]}),
    ("digits", {"classes": [4, 4]}),
    ("digits", {"classes": [11]}),
    ("digits", {"flatten": "maybe"}),
    ("moons", {"val_fraction": 0.5, "test_fraction": 0.5}),
    ("csv", {"task": "clustering"}),
])
def test_bad_options_raise_param_error(name, options):
    with pytest.raises(ParamError) as err:
        make_dataset(name, options)
    assert "\n" not in str(err.value)


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(DataError, match="spiral"):
        make_dataset("mnist", {})
    with pytest.raises(DataError, match="moons"):
        DATASET_SPECS.get("nope")


def test_registry_refuses_a_second_name():
    registry = DatasetRegistry()
    registry.register(DATASET_SPECS.get("xor"))
    with pytest.raises(ValueError):
        registry.register(DATASET_SPECS.get("xor"))
    with pytest.raises(ValueError):
        MAKERS.register("xor", lambda options: None)


def test_spec_layer_does_not_import_torch():
    code = ("import sys, mlsp_studio.model.datasets as d; d.dataset_context('digits', {}); "
            "assert 'torch' not in sys.modules and 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- the person's own files

def test_good_csv_classification(tmp_path):
    path = _good_csv(tmp_path)
    values, ctx = dataset_context("csv", {"path": path})
    assert values["label_column"] == "label"
    assert ctx.inputs["x"] == (2,) and ctx.num_classes == 3
    bundle = make_dataset("csv", {"path": path})
    _check_against_spec(bundle, "csv", {"path": path})
    assert bundle.class_names == ["0", "1", "2"]
    assert bundle.input_kind == "table"
    assert torch.allclose(bundle.train.x.mean(0), torch.zeros(2), atol=1e-5)
    raw = make_dataset("csv", {"path": path, "standardize": False})
    assert float(raw.train.x[:, 0].mean()) > 100


def test_csv_text_labels_semicolons_and_no_header(tmp_path):
    rows = "\n".join(f"{i * 0.1:.1f};{i % 5};{'cat' if i % 2 else 'dog'}" for i in range(20))
    path = _write_csv(tmp_path / "animals.csv", rows)
    bundle = make_dataset("csv", {"path": path})
    _check_against_spec(bundle, "csv", {"path": path})
    assert bundle.class_names == ["cat", "dog"] and bundle.input_shape == (2,)
    with pytest.raises(DataError, match="text .'dog'. in column 'column 3'"):
        make_dataset("csv", {"path": path, "label_column": "column 2"})


def test_csv_with_decimal_commas_and_windows_line_ends(tmp_path):
    rows = "".join(f"{i},5;{i * 2},25;{i % 2}\r\n" for i in range(20))
    path = tmp_path / "komma.csv"
    path.write_bytes(("\ufeffa;b;label\r\n" + rows).encode("utf-8"))
    bundle = make_dataset("csv", {"path": str(path), "standardize": False})
    assert bundle.input_shape == (2,) and bundle.class_names == ["0", "1"]
    assert sorted(torch.cat([s.x[:, 0] for s in bundle.splits().values()]).tolist())[:2] == [
        0.5, 1.5]


def test_csv_regression_and_label_column_choice(tmp_path):
    lines = ["target,a,b,c"] + [f"{i * 0.37:.3f},{i},{i * 2},{i % 3}" for i in range(30)]
    path = _write_csv(tmp_path / "house.csv", "\n".join(lines))
    bundle = make_dataset("csv", {"path": path, "label_column": "target"})
    _check_against_spec(bundle, "csv", {"path": path, "label_column": "target"})
    assert bundle.task == "regression" and bundle.input_shape == (3,) and bundle.num_targets == 1
    guessed = make_dataset("csv", {"path": path, "label_column": ""})  # named 'target'
    assert guessed.task == "regression" and guessed.input_shape == (3,)
    unnamed = _write_csv(tmp_path / "plain.csv", "\n".join(
        ["u,v,w"] + [f"{i * 0.37:.3f},{i},{i % 3}" for i in range(30)]))
    last = make_dataset("csv", {"path": unnamed, "label_column": ""})  # few whole numbers
    assert last.task == "classification" and last.num_classes == 3
    forced = make_dataset("csv", {"path": path, "label_column": "", "task": "regression"})
    assert forced.task == "regression"


def test_good_npz_image_and_regression(tmp_path):
    path = _good_npz(tmp_path)
    bundle = make_dataset("npz", {"path": path})
    _check_against_spec(bundle, "npz", {"path": path})
    assert bundle.input_shape == (1, 8, 8) and bundle.num_classes == 4
    assert bundle.input_kind == "image"
    rng = np.random.default_rng(1)
    reg = _good_npz(tmp_path, rng.normal(size=(50, 5)), rng.normal(size=(50, 2)), "reg.npz")
    bundle = make_dataset("npz", {"path": reg})
    _check_against_spec(bundle, "npz", {"path": reg})
    assert bundle.task == "regression" and bundle.num_targets == 2 and bundle.input_shape == (5,)
    text = _good_npz(tmp_path, rng.normal(size=(12,)), np.array(["a", "b", "c"] * 4), "t.npz")
    bundle = make_dataset("npz", {"path": text, "split_seed": 2})
    assert bundle.class_names == ["a", "b", "c"] and bundle.input_shape == (1,)


def test_npz_other_keys(tmp_path):
    path = tmp_path / "keys.npz"
    np.savez(path, inputs=np.ones((20, 3)), labels=np.arange(20) % 2)
    bundle = make_dataset("npz", {"path": str(path), "x_key": "inputs", "y_key": "labels"})
    assert bundle.input_shape == (3,) and bundle.num_classes == 2


def _ragged(tmp: Path) -> str:
    return _write_csv(tmp / "ragged.csv", "a,b,label\n" + "1,2,0\n" * 12 + "1,2\n")


BAD_CSV = {
    "missing": lambda tmp: str(tmp / "missing.csv"),
    "folder": lambda tmp: str(tmp),
    "empty": lambda tmp: _write_csv(tmp / "empty.csv", ""),
    "blank lines": lambda tmp: _write_csv(tmp / "blank.csv", "\n\n  \n"),
    "binary": lambda tmp: (tmp / "pic.csv").write_bytes(bytes(range(256)) * 4) and
    str(tmp / "pic.csv"),
    "one column": lambda tmp: _write_csv(tmp / "one.csv", "label\n" + "1\n" * 20),
    "no label column": lambda tmp: _write_csv(tmp / "nolabel.csv",
                                              "a,b,c\n" + "1,2,0\n" * 20),
    "text feature": lambda tmp: _write_csv(tmp / "text.csv",
                                           "a,colour,label\n" + "1,red,0\n2,blue,1\n" * 10),
    "ragged": _ragged,
    "nan": lambda tmp: _write_csv(tmp / "nan.csv", "a,b,label\n" + "1,2,0\n" * 12 + "1,nan,1\n"),
    "empty cell": lambda tmp: _write_csv(tmp / "hole.csv", "a,b,label\n" + "1,2,0\n" * 12 +
                                         "1,,1\n"),
    "empty label": lambda tmp: _write_csv(tmp / "nolab.csv", "a,b,label\n" + "1,2,0\n" * 12 +
                                          "1,2,\n"),
    "header only": lambda tmp: _write_csv(tmp / "header.csv", "a,b,label\n"),
    "few rows": lambda tmp: _write_csv(tmp / "few.csv", "a,b,label\n" + "1,2,0\n3,4,1\n" * 3),
    "one class": lambda tmp: _write_csv(tmp / "oneclass.csv", "a,b,label\n" + "1,2,0\n" * 20),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_gives_one_sentence_naming_the_file(tmp_path, case):
    path = BAD_CSV[case](tmp_path)
    _assert_refused("csv", {"path": path}, path)


@pytest.mark.parametrize(("labels", "task"), [
    ([0.5, 1.5], "classification"),
    (["cat", "dog"], "regression"),
])
def test_csv_labels_that_do_not_fit_the_task(tmp_path, labels, task):
    rows = "\n".join(f"{i},{labels[i % 2]}" for i in range(20))
    path = _write_csv(tmp_path / "labels.csv", "a,label\n" + rows)
    _assert_refused("csv", {"path": path, "task": task}, path)


def test_empty_path_asks_for_a_file():
    for name in ("csv", "npz"):
        with pytest.raises(DataError, match="path is empty"):
            make_dataset(name, {})


def _npz_with(tmp: Path, name: str, **arrays) -> str:
    path = tmp / name
    np.savez(path, **arrays)
    return str(path)


def _object_npz(tmp: Path) -> str:
    x = np.empty(20, dtype=object)
    x[:] = [[1, 2]] * 20
    return _npz_with(tmp, "objects.npz", x=x, y=np.arange(20) % 2)


def _npy_as_npz(tmp: Path) -> str:
    path = tmp / "single.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.ones((20, 3)))
    return str(path)


BAD_NPZ = {
    "missing": lambda tmp: str(tmp / "missing.npz"),
    "text file": lambda tmp: _write_csv(tmp / "notes.npz", "hello, this is not numpy\n"),
    "broken zip": lambda tmp: (tmp / "broken.npz").write_bytes(b"PK\x03\x04" + b"\0" * 50) and
    str(tmp / "broken.npz"),
    "single array": _npy_as_npz,
    "missing x": lambda tmp: _npz_with(tmp, "nox.npz", inputs=np.ones((20, 2)),
                                       y=np.arange(20) % 2),
    "missing y": lambda tmp: _npz_with(tmp, "noy.npz", x=np.ones((20, 2))),
    "lengths": lambda tmp: _npz_with(tmp, "len.npz", x=np.ones((20, 2)), y=np.arange(18) % 2),
    "objects": _object_npz,
    "text x": lambda tmp: _npz_with(tmp, "textx.npz", x=np.array(["a"] * 20),
                                    y=np.arange(20) % 2),
    "nan x": lambda tmp: _npz_with(tmp, "nanx.npz", x=np.full((20, 2), np.nan),
                                   y=np.arange(20) % 2),
    "inf y": lambda tmp: _npz_with(tmp, "infy.npz", x=np.ones((20, 2)),
                                   y=np.full(20, np.inf)),
    "few rows": lambda tmp: _npz_with(tmp, "few.npz", x=np.ones((5, 2)), y=np.arange(5) % 2),
    "5-D x": lambda tmp: _npz_with(tmp, "deep.npz", x=np.ones((20, 1, 2, 2, 2, 2)),
                                   y=np.arange(20) % 2),
    "3-D y": lambda tmp: _npz_with(tmp, "ydeep.npz", x=np.ones((20, 2)),
                                   y=np.ones((20, 2, 2))),
    "empty features": lambda tmp: _npz_with(tmp, "nofeat.npz", x=np.ones((20, 0)),
                                            y=np.arange(20) % 2),
    "one class": lambda tmp: _npz_with(tmp, "oneclass.npz", x=np.ones((20, 2)),
                                       y=np.zeros(20, dtype=int)),
}


@pytest.mark.parametrize("case", sorted(BAD_NPZ))
def test_bad_npz_gives_one_sentence_naming_the_file(tmp_path, case):
    path = BAD_NPZ[case](tmp_path)
    _assert_refused("npz", {"path": path}, path)


def test_npz_classification_of_fractional_or_multi_column_labels(tmp_path):
    frac = _npz_with(tmp_path, "frac.npz", x=np.ones((20, 2)), y=np.linspace(0, 1, 20))
    _assert_refused("npz", {"path": frac, "task": "classification"}, frac)
    multi = _npz_with(tmp_path, "multi.npz", x=np.ones((20, 2)), y=np.ones((20, 3)))
    _assert_refused("npz", {"path": multi, "task": "classification"}, multi)


def _assert_refused(name: str, options: dict, path: str) -> None:
    with pytest.raises(DataError) as err:
        dataset_context(name, options)
    message = str(err.value)
    assert path in message
    assert "\n" not in message and message.endswith(".")
    assert message.count(". ") == 0, message
    with pytest.raises(DataError):
        make_dataset(name, options)


def test_changed_file_is_read_again(tmp_path):
    path = _good_csv(tmp_path, rows=20)
    assert len(make_dataset("csv", {"path": path, "test_fraction": 0.5}).test) == 10
    _good_csv(tmp_path, rows=40)
    assert len(make_dataset("csv", {"path": path, "test_fraction": 0.5}).test) == 20


def test_ring_clouds_sit_on_their_centres():
    bundle = make_dataset("ring", {"modes": 8, "radius": 2.0, "spread": 0.05})
    centres = bundle.extras["centres"]
    assert centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0, rtol=1e-6)
    x, y = bundle.train.x.numpy(), bundle.train.y.numpy()
    distance = np.linalg.norm(x - centres[y], axis=1)
    assert distance.max() < 0.05 * 6 and abs(distance.mean() - 0.05 * np.sqrt(np.pi / 2)) < 0.01
    assert np.bincount(y, minlength=8).min() > 0
