"""Dataset metadata without torch: each dataset's options and the input shape it gives a network.

The torch side that makes the tensors lives in ``mlsp_studio.data``; the readers for a person's
own CSV and NPZ files live here, in numpy, because the input shape and the class count of such a
file are only known by reading it.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .blocks import Context, p_bool, p_choice, p_float, p_int, p_ints
from .errors import DataError, ParamError
from .params import ParamSet, ParamSpec

TASKS = ("classification", "regression", "auto")
INPUT_KINDS = ("points2d", "scalar", "image", "signal", "table")
MIN_ROWS = 10
MAX_CLASSES = 1000
AUTO_MAX_CLASSES = 20  # whole-number labels with at most this many values count as classes
MAX_FILE_BYTES = 512 * 1024 * 1024
SIGNAL_CLASSES = ("sine", "square", "sawtooth", "chirp", "noise burst")


@dataclass(frozen=True)
class DatasetSpec:
    """What the studio knows about one dataset before making it: its options and shapes.

    ``task`` is ``classification`` or ``regression``, or ``auto`` for a person's file, whose
    task is decided by the file and the ``task`` option (see :func:`context_task`).
    ``context(options)`` takes validated options and gives the input shape and the number of
    classes (classification) or targets (regression); it raises :class:`DataError` when the
    options name a file that does not fit.
    """

    name: str
    title: str
    doc: str
    task: str
    input_kind: str
    options: ParamSet
    context: Callable[[dict[str, Any]], Context]

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"{self.name}: unknown task {self.task!r}")
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"{self.name}: unknown input kind {self.input_kind!r}")


class DatasetRegistry:
    """Dataset specs by name. Registering a name twice is an error, built-ins included."""

    def __init__(self) -> None:
        self._specs: dict[str, DatasetSpec] = {}

    def register(self, spec: DatasetSpec) -> DatasetSpec:
        if spec.name in self._specs:
            raise ValueError(f"a dataset called {spec.name!r} is already registered")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> DatasetSpec:
        try:
            return self._specs[name]
        except (KeyError, TypeError):
            known = ", ".join(self._specs) or "none"
            raise DataError(f"There is no dataset called {name!r} (known: {known}).") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[DatasetSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        return list(self._specs)


def dataset_context(name: str, options: dict[str, Any] | None) -> tuple[dict[str, Any], Context]:
    """Check a dataset's options and say what shapes it gives, before any data is made."""
    spec = DATASET_SPECS.get(name)
    values = spec.options.validate(dict(options or {}), owner=name)
    held_out = values.get("val_fraction", 0.0) + values.get("test_fraction", 0.0)
    if held_out > 0.8:
        raise ParamError(f"{name}: val_fraction and test_fraction together are {held_out:g}, "
                         "which leaves too little for training; keep them at 0.8 or less")
    return values, spec.context(values)


def context_task(ctx: Context) -> str:
    """``classification`` when the data has classes, else ``regression``."""
    return "classification" if ctx.num_classes > 0 else "regression"


# ---------------------------------------------------------------- the person's own files

@dataclass(frozen=True)
class TableData:
    """Arrays read from a person's file.

    ``x`` is float32 (n, ...); ``y`` is int64 class indices (n,) for classification, with
    ``class_names`` giving each index's label as text, or float32 (n, k) for regression.
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    class_names: tuple[str, ...]


_cache: dict[tuple, TableData] = {}
_cache_lock = threading.Lock()


def _cached(kind: str, path: str, args: tuple, read: Callable[[], TableData]) -> TableData:
    """Reuse the last few reads, so checking a file and then loading it reads it once."""
    try:
        stat = os.stat(path)
    except OSError as err:
        raise DataError(f"The file '{path}' cannot be read ({err.strerror or err}).") from None
    key = (kind, os.path.realpath(path), stat.st_mtime_ns, stat.st_size, args)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    table = read()
    for arr in (table.x, table.y):
        arr.setflags(write=False)
    with _cache_lock:
        _cache[key] = table
        while len(_cache) > 4:
            _cache.pop(next(iter(_cache)))
    return table


def _check_path(path: str, what: str) -> None:
    if not path:
        raise DataError(f"Choose a {what} file: the path is empty.")
    if not os.path.exists(path):
        raise DataError(f"The file '{path}' does not exist.")
    if not os.path.isfile(path):
        raise DataError(f"'{path}' is a folder, not a {what} file.")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise DataError(f"The file '{path}' is larger than {MAX_FILE_BYTES >> 20} MB, "
                        "too big to load here.")


def load_csv_table(path: str, label_column: str = "label", task: str = "auto") -> TableData:
    """Read a CSV of number features and one label column, or raise one plain DataError."""
    _check_path(path, "CSV")
    return _cached("csv", path, (label_column, task), lambda: _read_csv(path, label_column, task))


def _read_csv(path: str, label_column: str, task: str) -> TableData:
    where = f"The file '{path}'"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise DataError(f"{where} is not a text CSV file.") from None
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if "\x00" in text:
        raise DataError(f"{where} is not a text CSV file.")
    first = next((line for line in text.splitlines() if line.strip()), "")
    # semicolons first, so "1,5;2,0" (decimal commas) splits on the semicolons on a tie
    delimiter = max(";\t,", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append([cell.strip() for cell in row])
                lines.append(reader.line_num)
    except csv.Error as err:
        raise DataError(f"{where} is not a CSV file that can be read ({err}).") from None
    if not rows:
        raise DataError(f"{where} is empty.")
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{where} has a single column; it needs feature columns and a label "
                        "column, separated by commas.")
    header = len(rows) > 1 and any(not _is_number(a) and _is_number(b)
                                   for a, b in zip(rows[0], rows[1], strict=False))
    header = header or all(not _is_number(cell) for cell in rows[0])
    names = ([c or f"column {i + 1}" for i, c in enumerate(rows[0])] if header
             else [f"column {i + 1}" for i in range(width)])
    body, body_lines = (rows[1:], lines[1:]) if header else (rows, lines)
    for row, line in zip(body, body_lines, strict=True):
        if len(row) != width:
            raise DataError(f"{where} has {len(row)} values on line {line} but {width} on its "
                            "first line; every row needs the same number of values.")
    if len(body) < MIN_ROWS:
        count = f"only {len(body)}" if body else "no"
        raise DataError(f"{where} has {count} rows of data; it needs at least {MIN_ROWS}.")
    if not label_column or (not header and label_column == "label"):
        label = width - 1
    elif label_column in names:
        label = names.index(label_column)
    else:
        raise DataError(f"{where} has no column called '{label_column}' "
                        f"(its columns are {', '.join(names)}).")
    cells = np.array(body, dtype=str)
    features = np.delete(cells, label, axis=1)
    labels = cells[:, label]
    if delimiter == ";":
        # decimal commas, as spreadsheets in many countries write "0,5;1,25;cat"
        features = np.char.replace(features, ",", ".")
        dotted = np.char.replace(labels, ",", ".")
        labels = dotted if all(_is_number(v) for v in dotted) else labels
    feature_names = [n for i, n in enumerate(names) if i != label]
    x = _numbers(features, where, feature_names, body_lines, "features must be numbers")
    empty = np.flatnonzero(labels == "")
    if empty.size:
        raise DataError(f"{where} has an empty label on line {body_lines[empty[0]]}.")
    if all(_is_number(v) for v in labels):
        numeric = _numbers(labels[:, None], where, [names[label]], body_lines, "")[:, 0]
        return _labels(x, numeric, task, where, f"column '{names[label]}'")
    return _labels(x, labels, task, where, f"column '{names[label]}'")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers(cells: np.ndarray, where: str, names: list[str], lines: list[int],
             why: str) -> np.ndarray:
    """Convert text cells to float64, naming the first cell that is not a finite number."""
    try:
        values = cells.astype(np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            at = f"column '{names[c]}' on line {lines[r]}"
            if cell == "":
                raise DataError(f"{where} has an empty value in {at}.")
            if not _is_number(cell):
                raise DataError(f"{where} has text ('{cell[:20]}') in {at}, but {why}.")
            if not np.isfinite(float(cell)):
                raise DataError(f"{where} has a missing or infinite value ({cell}) in {at}.")
    raise DataError(f"{where} has values that are not numbers.")


def _labels(x: np.ndarray, y: np.ndarray, task: str, where: str, what: str) -> TableData:
    """Decide the task and turn labels into class indices or float targets."""
    text = y.dtype.kind in "US"
    whole = not text and y.ndim == 1 and bool(np.all(np.mod(y, 1) == 0))
    if task == "auto":
        few = whole and len(np.unique(y)) <= AUTO_MAX_CLASSES
        task = "classification" if text or few else "regression"
    x = np.ascontiguousarray(x, dtype=np.float32)
    if task == "regression":
        if text:
            raise DataError(f"{where} has text labels in {what}, which cannot be a number to "
                            "predict; pick the task 'classification'.")
        y = y.reshape(len(y), -1).astype(np.float32)
        return TableData(x, y, "regression", ())
    if y.ndim != 1:
        raise DataError(f"{where} has {y.shape[1]} label values per row in {what}; "
                        "a classifier needs one class label per row.")
    if not text and not whole:
        bad = y[np.flatnonzero(np.mod(y, 1) != 0)[0]]
        raise DataError(f"{where} has labels that are not whole numbers ({bad:g}) in {what}; "
                        "pick the task 'regression' to predict a number.")
    values, index = np.unique(y, return_inverse=True)
    if len(values) < 2:
        raise DataError(f"{where} has only one class in {what}; a classifier needs at least two.")
    if len(values) > MAX_CLASSES:
        raise DataError(f"{where} has {len(values)} different labels in {what}, more than the "
                        f"{MAX_CLASSES} classes allowed; pick the task 'regression'.")
    names = tuple(str(v) if text else str(int(v)) for v in values)
    return TableData(x, index.reshape(-1).astype(np.int64), "classification", names)


def load_npz_arrays(path: str, x_key: str = "x", y_key: str = "y",
                    task: str = "auto") -> TableData:
    """Read inputs and labels from a NumPy .npz archive (no pickle), or raise one DataError."""
    _check_path(path, "NPZ")
    return _cached("npz", path, (x_key, y_key, task), lambda: _read_npz(path, x_key, y_key, task))


def _describe(arr: np.ndarray) -> str:
    kinds = {"U": "text", "S": "text", "c": "complex numbers", "M": "dates", "m": "times",
             "V": "records"}
    return f"{kinds.get(arr.dtype.kind, 'numbers')} shaped {arr.shape}"


def _npz_arrays(handle: Any, where: str, keys: tuple[str, str]) -> list[np.ndarray]:
    not_npz = DataError(f"{where} is not a NumPy .npz archive.")
    try:
        archive = np.load(handle, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise not_npz from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{where} holds a single array, not an .npz archive with inputs and "
                        "labels.")
    arrays = []
    with archive:
        for key in keys:
            if key not in archive.files:
                held = ", ".join(archive.files) or "nothing"
                raise DataError(f"{where} has no array called '{key}' (it holds {held}).")
            try:
                arrays.append(archive[key])
            except ValueError:
                raise DataError(f"{where} stores '{key}' as Python objects, which are not "
                                "loaded for safety; save plain number arrays.") from None
            except (OSError, EOFError, zipfile.BadZipFile):
                raise not_npz from None
    return arrays


def _read_npz(path: str, x_key: str, y_key: str, task: str) -> TableData:
    where = f"The file '{path}'"
    try:
        # opened here, not by np.load, which leaves its handle open when the zip is broken
        with open(path, "rb") as handle:
            x, y = _npz_arrays(handle, where, (x_key, y_key))
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if x.dtype.kind not in "biuf" or x.ndim < 1 or x.ndim > 4:
        raise DataError(f"{where} needs '{x_key}' to be numbers shaped (n,) up to "
                        f"(n, channels, height, width), not {_describe(x)}.")
    if y.dtype.kind not in "biufUS" or y.ndim not in (1, 2):
        raise DataError(f"{where} needs '{y_key}' to be labels shaped (n,) or (n, targets), "
                        f"not {_describe(y)}.")
    if len(x) != len(y):
        raise DataError(f"{where} has {len(x)} rows in '{x_key}' but {len(y)} in '{y_key}'; "
                        "they must match.")
    if len(x) < MIN_ROWS:
        raise DataError(f"{where} has only {len(x)} rows; it needs at least {MIN_ROWS}.")
    if x.size == 0 or y.size == 0:
        raise DataError(f"{where} has an empty array.")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{where} has missing or infinite values (nan or inf) in '{x_key}'.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{where} has missing or infinite values (nan or inf) in '{y_key}'.")
    x = x.reshape(len(x), 1) if x.ndim == 1 else x
    if y.ndim == 2 and y.shape[1] == 1 and task != "regression":
        y = y[:, 0]
    if y.dtype.kind in "bu":
        y = y.astype(np.int64)
    elif y.dtype.kind == "S":
        y = np.char.decode(y, "utf-8", errors="replace")
    return _labels(x, y, task, where, f"'{y_key}'")


# ---------------------------------------------------------------- the built-in datasets

def _common() -> tuple[ParamSpec, ...]:
    return (
        p_int("seed", 0, 0, 2**31 - 1, "The data's own random seed: the same seed gives the "
              "same points."),
        p_float("val_fraction", 0.2, 0.0, 0.5, "Share of the data kept aside to check progress."),
        p_float("test_fraction", 0.2, 0.05, 0.5, "Share of the data kept aside for the final "
                "score."),
    )


def _opts(*specs: ParamSpec) -> ParamSet:
    return ParamSet((*specs, *_common()))


def _n(default: int) -> ParamSpec:
    return p_int("n_samples", default, 50, 20000, "How many examples to make.")


def _noise(default: float, hi: float = 0.5) -> ParamSpec:
    return p_float("noise", default, 0.0, hi, "Standard deviation of the random jitter.")


def _points(classes: int | None = None) -> Callable[[dict[str, Any]], Context]:
    def context(o: dict[str, Any]) -> Context:
        return Context({"x": (2,)}, num_classes=classes or o["classes"])
    return context


def _digits_context(o: dict[str, Any]) -> Context:
    count = len(set(o["classes"])) or 10
    if 0 < len(o["classes"]) and count < 2:
        raise ParamError("digits: classes must name at least two different digits, "
                         f"not {list(o['classes'])}")
    return Context({"x": (64,) if o["flatten"] else (1, 8, 8)}, num_classes=count)


def _file_context(table: TableData) -> Context:
    if table.task == "classification":
        return Context({"x": table.x.shape[1:]}, num_classes=len(table.class_names))
    return Context({"x": table.x.shape[1:]}, num_targets=table.y.shape[1])


_TASK = p_choice("task", "auto", TASKS, "classification (labels are classes), regression "
                 "(labels are numbers to predict) or auto (decided from the labels).")

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
    DatasetSpec("signals", "Signal shapes", "Short 1-D signals of five kinds: sine, square, "
                "sawtooth, chirp and a noise burst, each with a random frequency, phase and "
                "size. The network learns to tell the shapes apart.", "classification",
                "signal",
                _opts(p_int("length", 128, 32, 1024, "Samples per signal."), _n(1000),
                      _noise(0.2, 1.0)),
                lambda o: Context({"x": (1, o["length"])}, num_classes=len(SIGNAL_CLASSES))),
    DatasetSpec("csv", "Your CSV file", "Your own table: one row per example, number columns "
                "as inputs and one label column.", "auto", "table",
                _opts(ParamSpec("path", "str", "", doc="The CSV file to read."),
                      ParamSpec("label_column", "str", "label", doc="The column holding the "
                                "labels; empty means the last column."),
                      _TASK, p_bool("standardize", True, "Rescale each input column to mean 0 "
                                    "and spread 1, using the training rows.")),
                lambda o: _file_context(load_csv_table(o["path"], o["label_column"],
                                                       o["task"]))),
    DatasetSpec("npz", "Your NPZ file", "Your own NumPy .npz archive with an array of inputs "
                "and an array of labels, one row per example.", "auto", "table",
                _opts(ParamSpec("path", "str", "", doc="The .npz file to read."),
                      ParamSpec("x_key", "str", "x", doc="Name of the inputs array."),
                      ParamSpec("y_key", "str", "y", doc="Name of the labels array."), _TASK),
                lambda o: _file_context(load_npz_arrays(o["path"], o["x_key"], o["y_key"],
                                                        o["task"]))),
)


def builtin_datasets() -> DatasetRegistry:
    """A new registry holding every built-in dataset."""
    registry = DatasetRegistry()
    for spec in BUILTIN_DATASETS:
        registry.register(spec)
    return registry


DATASET_SPECS = builtin_datasets()
