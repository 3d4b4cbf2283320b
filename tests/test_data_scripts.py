"""The data part of an exported script makes the studio's very examples: its ``make_data``
calls the makers' own drawing functions, copied from ``mlsp_studio.data``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mlsp_studio.data import make_dataset
from mlsp_studio.export.script_data import COPIED, SPLIT, copied_functions, make_data_source
from mlsp_studio.export.script_gen_common import RING_CENTRES
from mlsp_studio.model.datasets import context_task, dataset_context

CASES = [
    ("spiral", {"classes": 5, "noise": 0.0, "n_samples": 333, "data_seed": 7}),
    ("circles", {"noise": 0.3, "data_seed": 2}),
    ("xor", {"n_samples": 101, "noise": 0.2, "data_seed": 9}),
    ("blobs", {"classes": 2, "spread": 1.5, "n_samples": 50}),
    ("moons", {"val_fraction": 0.0}),
    ("ring", {"modes": 3, "radius": 1.0, "spread": 0.3, "n_samples": 90}),
    ("sine", {"frequency": 3.0, "data_seed": 4}),
    ("digits", {"classes": [3, 1, 7], "flatten": True}),
    ("noisy_digits", {"copies": 2, "noise": 0.5, "val_fraction": 0.0}),
    ("signals", {"length": 32, "n_samples": 77, "data_seed": 11}),
]


def _script_parts(name: str, options: dict) -> tuple[dict, dict, str]:
    """The parts the script's make_data returns, the checked options, and its source."""
    values, ctx = dataset_context(name, options)
    source, code = make_data_source(name, values, context_task(ctx), "(N, ...)", "labels")
    if name == "ring":
        source = RING_CENTRES + "\n\n" + source
    namespace = {"np": np, "torch": torch, "VAL_FRACTION": values["val_fraction"],
                 "TEST_FRACTION": values["test_fraction"]}
    for line in (*code.imports, *code.constants):
        exec(line, namespace)
    exec(compile(SPLIT + "\n\n" + source, "make_data.py", "exec"), namespace)
    seed = values.get("data_seed", values.get("split_seed"))
    return namespace["make_data"](seed), values, source


def _same(parts: dict, options: dict, name: str) -> None:
    bundle = make_dataset(name, options)
    for part, split in bundle.splits().items():
        x, y = parts[part]
        assert x.dtype == split.x.dtype and y.dtype == split.y.dtype, part
        assert torch.equal(x, split.x) and torch.equal(y, split.y), part


@pytest.mark.parametrize("name,options", CASES, ids=[c[0] for c in CASES])
def test_a_scripts_make_data_gives_the_studios_examples(name: str, options: dict) -> None:
    parts, _, source = _script_parts(name, options)
    _same(parts, options, name)
    body = source[source.index("def make_data"):]
    assert "np." not in body and "torch." not in body, "make_data only calls copied code"


def test_csv_and_npz_scripts_read_files_as_the_studio_does(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(40, 3))
    kinds = ["a;b;kind"] + [f"{r[0]:.3f};{r[1]:.3f};{'pq'[i % 2]}".replace(".", ",")
                            for i, r in enumerate(values)]
    (tmp_path / "kinds.csv").write_text("\n".join(kinds) + "\n")
    plain = [f"{r[0]:.3f},1.0,{r[2]:.3f},{i % 3}" for i, r in enumerate(values)]
    (tmp_path / "plain.csv").write_text("\n".join(plain) + "\n")
    np.savez(tmp_path / "pictures.npz", x=rng.normal(size=(30, 1, 4, 4)),
             y=np.array(list("ab") * 15))
    np.savez(tmp_path / "targets.npz", inputs=rng.normal(size=(30, 4)),
             targets=rng.normal(size=(30, 2)))
    for name, options in [
        ("csv", {"path": str(tmp_path / "kinds.csv"), "label_column": "kind"}),
        ("csv", {"path": str(tmp_path / "plain.csv")}),  # no header; a constant column
        ("npz", {"path": str(tmp_path / "pictures.npz")}),
        ("npz", {"path": str(tmp_path / "targets.npz"), "x_key": "inputs",
                 "y_key": "targets"}),
    ]:
        parts, _, _ = _script_parts(name, options)
        _same(parts, options, name)


def test_only_the_functions_a_body_calls_are_copied() -> None:
    text = copied_functions("    x, y = blob_points(n, classes, spread, rng)\n")
    assert [line.split("(")[0] for line in text.splitlines() if line.startswith("def ")] == [
        "def circle_centres", "def cloud_points", "def blob_points"]
    assert copied_functions("    x = my_spiral_points(3)\n") == ""
    assert {"seed_streams", "signal_waves", "spectrogram_parts"} <= set(COPIED)
