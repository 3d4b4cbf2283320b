"""Dataset metadata without torch: each dataset's options and the input shape it gives a network.

The torch side that makes the tensors lives in ``mlsp_studio.data``; the readers for a person's
own CSV and NPZ files are in ``userfiles``.
"""

from __future__ import annotations

from typing import Any

from ..errors import DataError, ParamError
from ..readers.userfiles import (
    TableData,
    column_names,
    csv_rows,
    has_header,
    load_csv_table,
    load_npz_arrays,
)
from .blocks import Context, p_bool, p_float, p_int, p_ints
from .dataset_base import (
    _TASK,
    DATASET_TASKS,
    INPUT_KINDS,
    SIGNAL_CLASSES,
    DatasetRegistry,
    DatasetSpec,
    _digits_context,
    _file_context,
    _n,
    _noise,
    _opts,
    _points,
    context_task,
    own_file_opts,
)
from .media_datasets import MEDIA_DATASETS
from .paired_datasets import PAIRED_DATASETS
from .params import ParamSpec
from .seq_datasets import SEQ_DATASETS
from .splits import dataset_split, split_sentence

__all__ = ["DATASET_SPECS", "DATASET_TASKS", "INPUT_KINDS", "SIGNAL_CLASSES", "DatasetRegistry",
           "DatasetSpec", "TableData", "builtin_datasets", "context_task", "dataset_context",
           "describe_split", "load_csv_table", "load_npz_arrays"]


def dataset_context(name: str, options: dict[str, Any] | None) -> tuple[dict[str, Any], Context]:
    """Check a dataset's options and say what shapes it gives, before any data is made."""
    spec = DATASET_SPECS.get(name)
    values = spec.options.validate(dict(options or {}), owner=name)
    held_out = values.get("val_fraction", 0.0) + values.get("test_fraction", 0.0)
    if held_out > 0.8:
        raise ParamError(f"{name}: val_fraction and test_fraction together are {held_out:g}, "
                         "which leaves too little for training; keep them at 0.8 or less")
    ctx = spec.context(values)
    if spec.table is not None:
        dataset_split(spec, values)  # the split settings fit the files, or say why not
    return values, ctx


def describe_split(name: str, options: dict[str, Any] | None) -> str:
    """The split a dataset's settings give, in words (``train 2,100 · validation 300 · test
    500 (speaker theo held out)``); a DataError or ParamError says why the settings do not
    fit. A built-in dataset splits at random and says its shares."""
    values, _ = dataset_context(name, options)
    spec = DATASET_SPECS.get(name)
    if spec.table is None:
        val, test = values.get("val_fraction", 0.0), values.get("test_fraction", 0.0)
        return f"random split: validation {val:.0%} · test {test:.0%}"
    plan, _, _ = dataset_split(spec, values)
    return split_sentence(plan.info)


def csv_column(options: dict[str, Any], name: str) -> list[str]:
    """Each data row's text in the CSV column ``name``, or a DataError naming the columns."""
    path = options["path"]
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            _, rows, _ = csv_rows(handle.read())
    except (OSError, UnicodeDecodeError, ValueError):
        raise DataError(f"The file '{path}' cannot be read as a CSV file.") from None
    header = has_header(rows)
    names = column_names(rows[0], header) if rows else []
    if name not in names:
        raise DataError(f"The file '{path}' has no column called '{name}' (its columns are "
                        f"{', '.join(names)}).")
    at = names.index(name)
    return [row[at] for row in (rows[1:] if header else rows)]


def _csv_table(o: dict[str, Any]) -> TableData:
    # the columns the split reads are not inputs: a speaker's name or a row's index
    drop = tuple(dict.fromkeys(c for c in (o["group"], o["range_field"]) if c))
    return load_csv_table(o["path"], o["label_column"], o["task"], drop)


def _npz_table(o: dict[str, Any]) -> TableData:
    return load_npz_arrays(o["path"], o["x_key"], o["y_key"], o["task"])


BUILTIN_DATASETS = (
    DatasetSpec("spiral", "Spiral", "Points on interleaved spiral arms, one arm per class. "
                "A straight line cannot separate them, so the network must learn curves.",
                "classification", "points2d",
                _opts(p_int("classes", 3, 2, 6, "How many spiral arms."), _n(900), _noise(0.05)),
                _points()),
    DatasetSpec("circles", "Circles", "A small ring of points inside a larger ring. "
                "The boundary between the classes is a circle.",
                "classification", "points2d", _opts(_n(800), _noise(0.05)), _points(2)),
    DatasetSpec("xor", "XOR", "Points in four squares; the class is whether x and y have the "
                "same sign. One straight line cannot do it, two can.",
                "classification", "points2d", _opts(_n(800), _noise(0.05)), _points(2)),
    DatasetSpec("blobs", "Blobs", "Round clouds of points around a few centres, one per class. "
                "Widen the spread to make the clouds overlap.",
                "classification", "points2d",
                _opts(p_int("classes", 4, 2, 8, "How many clouds."), _n(800),
                      p_float("spread", 0.3, 0.05, 1.5, "Standard deviation of each cloud.")),
                _points()),
    DatasetSpec("moons", "Moons", "Two interleaved half circles. The boundary between them "
                "has to bend twice.", "classification", "points2d",
                _opts(_n(800), _noise(0.1)), _points(2)),
    DatasetSpec("ring", "Ring of Gaussians", "Round clouds of points spaced evenly on a "
                "circle, one class per cloud: the mixture a generative model has to learn "
                "to draw from. A model that draws from only some clouds has collapsed onto "
                "those modes.", "classification", "points2d",
                _opts(p_int("modes", 8, 2, 16, "How many clouds."), _n(4000),
                      p_float("radius", 2.0, 0.5, 10.0, "Radius of the circle of centres."),
                      p_float("spread", 0.05, 0.01, 1.0, "Standard deviation of each cloud.")),
                lambda o: Context({"x": (2,)}, num_classes=o["modes"])),
    DatasetSpec("sine", "Noisy sine", "Predict y = sin(frequency * x) for x from -pi to pi "
                "from examples with added noise. The noise variance is noise**2, the smallest "
                "test error any model can reach on average.", "regression", "scalar",
                _opts(_n(400), _noise(0.1, 1.0),
                      p_float("frequency", 1.0, 0.25, 5.0, "Waves per 2*pi of x.")),
                lambda o: Context({"x": (1,)}, num_targets=1)),
    DatasetSpec("digits", "Digits 8x8", "1,797 small handwritten digits, 8 by 8 pixels, "
                "from scikit-learn. Ten classes, one per digit.", "classification", "image",
                _opts(p_bool("flatten", False, "Give each image as 64 numbers instead of "
                             "a (1, 8, 8) picture."),
                      p_ints("classes", (), 0, 9, max_length=10, doc="Keep only these digits; "
                             "empty keeps all ten.")),
                _digits_context),
    DatasetSpec("noisy_digits", "Noisy digits to clean", "The 8x8 digits with noise added: "
                "the input is the noisy picture, the target the clean one (64 numbers), so a "
                "network learns to remove the noise.", "regression", "image",
                _opts(p_float("noise", 0.3, 0.0, 2.0, "Standard deviation of the added noise."),
                      p_int("copies", 2, 1, 10, "Noisy versions made of each digit.")),
                lambda o: Context({"x": (1, 8, 8)}, num_targets=64)),
    DatasetSpec("signals", "Signal shapes", "Short 1-D signals of five kinds: sine, square, "
                "sawtooth, chirp and a noise burst, each with a random frequency, phase and "
                "size. The network learns to tell the shapes apart.", "classification",
                "signal",
                _opts(p_int("length", 128, 32, 1024, "Samples per signal."), _n(1000),
                      _noise(0.2, 1.0)),
                lambda o: Context({"x": (1, o["length"])}, num_classes=len(SIGNAL_CLASSES))),
    DatasetSpec("csv", "Your CSV file", "Your own table: one row per example, number columns "
                "as inputs and one label column.", "auto", "table",
                own_file_opts(ParamSpec("path", "str", "", doc="The CSV file to read."),
                              ParamSpec("label_column", "str", "label", doc="The column "
                                        "holding the labels; empty means the last column."),
                              _TASK, p_bool("standardize", True, "Rescale each input column "
                                            "to mean 0 and spread 1, using the training rows.")),
                lambda o: _file_context(_csv_table(o)), table=_csv_table, fields=csv_column),
    DatasetSpec("npz", "Your NPZ file", "Your own NumPy .npz archive with an array of inputs "
                "and an array of labels, one row per example.", "auto", "table",
                own_file_opts(ParamSpec("path", "str", "", doc="The .npz file to read."),
                              ParamSpec("x_key", "str", "x", doc="Name of the inputs array."),
                              ParamSpec("y_key", "str", "y", doc="Name of the labels array."),
                              _TASK, groups=False),
                lambda o: _file_context(_npz_table(o)), table=_npz_table),
)


def builtin_datasets() -> DatasetRegistry:
    """A new registry holding every built-in dataset."""
    registry = DatasetRegistry()
    for spec in (*BUILTIN_DATASETS, *SEQ_DATASETS, *PAIRED_DATASETS, *MEDIA_DATASETS):
        registry.register(spec)
    return registry


DATASET_SPECS = builtin_datasets()
