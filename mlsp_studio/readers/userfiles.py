"""Readers for a person's own CSV and NPZ files, in numpy (no torch).

They live in a plain layer (no torch) because a file's input shape and class count are only known by
reading it, and the window needs those before torch is loaded.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy loads when a file is read, not when the window starts
    import numpy as np

from ..errors import DataError
from .files import RecentReads, check_file

MIN_ROWS = 10
MAX_CLASSES = 1000
AUTO_MAX_CLASSES = 20  # whole-number labels with at most this many values count as classes
MAX_FILE_BYTES = 512 * 1024 * 1024

TASKS = ("classification", "regression", "auto")


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


def read_only(read: Callable[[], TableData]) -> Callable[[], TableData]:
    """``read``, with the arrays it returns made read-only (a kept table is shared)."""

    def frozen() -> TableData:
        table = read()
        for arr in (table.x, table.y):
            arr.setflags(write=False)
        return table

    return frozen


_recent: RecentReads[TableData] = RecentReads()


def _cached(kind: str, path: str, args: tuple, read: Callable[[], TableData]) -> TableData:
    """Reuse the last few reads, so checking a file and then loading it reads it once."""
    try:
        stat = os.stat(path)
    except OSError as err:
        raise DataError(f"The file '{path}' cannot be read ({err.strerror or err}).") from None
    key = (kind, os.path.realpath(path), stat.st_mtime_ns, stat.st_size, args)
    return _recent.get(key, read_only(read))


def _check_path(path: str, what: str) -> None:
    check_file(path, f"a {what} file")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise DataError(f"The file '{path}' is larger than {MAX_FILE_BYTES >> 20} MB, "
                        "too big to load here.")


def load_csv_table(path: str, label_column: str = "label", task: str = "auto") -> TableData:
    """Read a CSV of number features and one label column, or raise one plain DataError."""
    _check_path(path, "CSV")
    return _cached("csv", path, (label_column, task), lambda: _read_csv(path, label_column, task))


def _read_csv(path: str, label_column: str, task: str) -> TableData:
    import numpy as np

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
    try:
        delimiter, rows, lines = csv_rows(text)
    except csv.Error as err:
        raise DataError(f"{where} is not a CSV file that can be read ({err}).") from None
    if not rows:
        raise DataError(f"{where} is empty.")
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{where} has a single column; it needs feature columns and a label "
                        "column, separated by commas.")
    header = has_header(rows)
    names = column_names(rows[0], header)
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
        labels = dotted if all(is_number(v) for v in dotted) else labels
    feature_names = [n for i, n in enumerate(names) if i != label]
    x = _numbers(features, where, feature_names, body_lines, "features must be numbers")
    empty = np.flatnonzero(labels == "")
    if empty.size:
        raise DataError(f"{where} has an empty label on line {body_lines[empty[0]]}.")
    if all(is_number(v) for v in labels):
        numeric = _numbers(labels[:, None], where, [names[label]], body_lines, "")[:, 0]
        return _labels(x, numeric, task, where, f"column '{names[label]}'")
    return _labels(x, labels, task, where, f"column '{names[label]}'")


def csv_rows(text: str) -> tuple[str, list[list[str]], list[int]]:
    """How the studio splits a CSV file's text: the delimiter (whichever of ";", tab and ","
    its first line holds most of), the rows that are not blank, each cell stripped, and each
    row's line number. Raises ``csv.Error`` where the text cannot be split."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    # semicolons first, so "1,5;2,0" (decimal commas) splits on the semicolons on a tie
    delimiter = max(";\t,", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append([cell.strip() for cell in row])
            lines.append(reader.line_num)
    return delimiter, rows, lines


def has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns: text above a number, or no number at all."""
    header = len(rows) > 1 and any(not is_number(a) and is_number(b)
                                   for a, b in zip(rows[0], rows[1], strict=False))
    return header or all(not is_number(cell) for cell in rows[0])


def column_names(first: list[str], header: bool) -> list[str]:
    """The columns' names: the header's (``column 3`` where a cell is empty), or without a
    header ``column 1``, ``column 2``, ..."""
    if header:
        return [c or f"column {i + 1}" for i, c in enumerate(first)]
    return [f"column {i + 1}" for i in range(len(first))]


def is_number(text: str) -> bool:
    """Whether Python reads the text as a number (``1``, ``-2.5e3``, ``nan``)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers(cells: np.ndarray, where: str, names: list[str], lines: list[int],
             why: str) -> np.ndarray:
    """Convert text cells to float64, naming the first cell that is not a finite number."""
    import numpy as np

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
            if not is_number(cell):
                raise DataError(f"{where} has text ('{cell[:20]}') in {at}, but {why}.")
            if not np.isfinite(float(cell)):
                raise DataError(f"{where} has a missing or infinite value ({cell}) in {at}.")
    raise DataError(f"{where} has values that are not numbers.")


def _labels(x: np.ndarray, y: np.ndarray, task: str, where: str, what: str) -> TableData:
    """Decide the task and turn labels into class indices or float targets."""
    import numpy as np

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
    import numpy as np

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
    import numpy as np

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
