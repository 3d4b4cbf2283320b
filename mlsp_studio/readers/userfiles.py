"""Readers for a person's own CSV and NPZ files, in numpy (no torch).

They live in a plain layer (no torch) because a file's input shape and class count are only known by
reading it, and the window needs those before torch is loaded. The CSV reader streams
(``userfiles_csv``) and the NPZ reader checks every array's declared size before reading it
(``userfiles_npz``): whatever a file holds, no dataset takes more than ``MAX_DATA_BYTES``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads when a file is read, not when the window starts
    import numpy as np

from ..errors import DataError
from .files import RecentReads, check_file

MIN_ROWS = 10
MAX_CLASSES = 1000
AUTO_MAX_CLASSES = 20  # whole-number labels with at most this many values count as classes
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_DATA_BYTES = 2 * 1024**3  # the numbers of one dataset held in memory, whatever its files

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


def memory_words(nbytes: int) -> str:
    """A number of bytes in words: ``3.5 GB``, ``120 MB``, ``900 KB``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{-(-nbytes // 1024)} KB"


def check_data_bytes(where: str, nbytes: int, detail: str, advice: str) -> None:
    """Refuse, in one sentence, a dataset whose numbers would take more than
    ``MAX_DATA_BYTES``: ``where`` names it, ``detail`` says what it holds, ``advice`` what
    to do."""
    if nbytes > MAX_DATA_BYTES:
        raise DataError(f"{where} would take {memory_words(nbytes)} in memory {detail}, more "
                        f"than the {memory_words(MAX_DATA_BYTES)} one dataset may take here; "
                        f"{advice}.")


def load_csv_table(path: str, label_column: str = "label", task: str = "auto",
                   drop: tuple[str, ...] = ()) -> TableData:
    """Read a CSV of number features and one label column, or raise one plain DataError.
    The columns named in ``drop`` (a group or an index the split reads) are not inputs."""
    from .userfiles_csv import read_csv

    _check_path(path, "CSV")
    size = os.path.getsize(path)
    return _cached("csv", path, (label_column, task, drop),
                   lambda: read_csv(path, size, label_column, task, drop))


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


def text_regression_error(where: str, what: str) -> DataError:
    return DataError(f"{where} has text labels in {what}, which cannot be a number to "
                     "predict; pick the task 'classification'.")


def label_table(x: np.ndarray, y: np.ndarray, task: str, where: str, what: str) -> TableData:
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
            raise text_regression_error(where, what)
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
    _check_class_count(len(values), where, what)
    names = tuple(str(v) if text else str(int(v)) for v in values)
    return class_table(x, index.reshape(-1).astype(np.int64), names, where, what)


def _check_class_count(count: int, where: str, what: str) -> None:
    if count < 2:
        raise DataError(f"{where} has only one class in {what}; a classifier needs at least two.")
    if count > MAX_CLASSES:
        raise DataError(f"{where} has {count} different labels in {what}, more than the "
                        f"{MAX_CLASSES} classes allowed; pick the task 'regression'.")


def class_table(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], where: str,
                what: str) -> TableData:
    """A classification table of the class indices ``y`` of the classes ``names``, or a
    DataError for fewer than two classes or more than ``MAX_CLASSES``."""
    import numpy as np

    _check_class_count(len(names), where, what)
    return TableData(np.ascontiguousarray(x, dtype=np.float32), y, "classification", names)


def load_npz_arrays(path: str, x_key: str = "x", y_key: str = "y",
                    task: str = "auto") -> TableData:
    """Read inputs and labels from a NumPy .npz archive (no pickle), or raise one DataError."""
    from .userfiles_npz import read_npz

    _check_path(path, "NPZ")
    return _cached("npz", path, (x_key, y_key, task), lambda: read_npz(path, x_key, y_key, task))


# ---------------------------------------------------------------- the built-in datasets
