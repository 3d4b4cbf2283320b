"""The CSV reader behind ``userfiles.load_csv_table``, streamed: rows are parsed a few thousand
at a time straight into float32 columns, so a file takes little more memory than its numbers.

Before anything is parsed its size and first rows say how much memory its numbers would take,
and a file that would not fit under ``MAX_DATA_BYTES`` is refused at once, unread.
"""

from __future__ import annotations

import csv
import itertools
import math
from typing import TYPE_CHECKING, TextIO

from ..errors import DataError
from .label_guess import guess_label_column
from .userfiles import (
    MAX_CLASSES,
    MIN_ROWS,
    TableData,
    check_data_bytes,
    class_table,
    column_names,
    csv_rows,
    has_header,
    is_number,
    label_table,
    text_regression_error,
)

if TYPE_CHECKING:
    import numpy as np

CHUNK_CELLS = 50_000  # cells parsed at a time: a bounded few MB of Python strings
HEAD_CHARS = 1 << 16  # the start of a file read to guess its rows' length
LABEL_BYTES = 10  # held per row for its label while reading: a number and a class code
BLOCK_BYTES = 1 << 22


def read_csv(path: str, size: int, label_column: str, task: str,
             drop: tuple[str, ...] = ()) -> TableData:
    """Read the CSV file at ``path`` (``size`` bytes): see ``userfiles.load_csv_table``."""
    where = f"The file '{path}'"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            head = handle.read(HEAD_CHARS)
            _refuse_if_too_big(where, head, size)
            lines = _line_bound(path, where)
            handle.seek(0)
            return _parse(handle, where, lines, label_column, task, drop)
    except UnicodeDecodeError:
        raise DataError(f"{where} is not a text CSV file.") from None
    except csv.Error as err:
        raise DataError(f"{where} is not a CSV file that can be read ({err}).") from None
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None


def _refuse_if_too_big(where: str, head: str, size: int) -> None:
    """Refuse a file whose numbers would not fit, estimated from its first rows and size."""
    if "\x00" in head:
        raise DataError(f"{where} is not a text CSV file.")
    whole = head if len(head) < HEAD_CHARS else head[:head.rfind("\n") + 1]
    try:
        _, rows, _ = csv_rows(whole)
    except csv.Error:  # the cut fell inside a quoted cell: the count of line ends decides
        return
    if len(rows) < 2 or len(whole) == len(head):
        return  # all of it is in the head, or too few rows to judge: the line count decides
    per_row = len(whole.encode("utf-8")) / len(rows)
    estimate = math.ceil(size / per_row)
    check_data_bytes(where, estimate * (4 * (len(rows[0]) - 1) + LABEL_BYTES),
                     f"(about {estimate:,} rows of {len(rows[0])} values)",
                     "use fewer rows or columns")


def _line_bound(path: str, where: str) -> int:
    """At most how many rows the file holds (its line ends, plus one), read in blocks."""
    count = 1
    with open(path, "rb") as raw:
        while block := raw.read(BLOCK_BYTES):
            if b"\x00" in block:
                raise DataError(f"{where} is not a text CSV file.")
            # a Windows line end counts once (twice where a block splits it: still a bound)
            count += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    return count


def _rows(handle: TextIO, delimiter: str):
    """The rows that are not blank, each cell stripped, with the line each ends on."""
    reader = csv.reader(handle, delimiter=delimiter)
    for row in reader:
        if any(cell.strip() for cell in row):
            yield [cell.strip() for cell in row], reader.line_num


class _Labels:
    """A label column as it is read: each label as a number while all are numbers, and as a
    class code while there are at most ``MAX_CLASSES`` different texts."""

    def __init__(self, rows: int, decimal_comma: bool) -> None:
        import numpy as np

        self.numbers = np.empty(rows)
        self.codes = np.empty(rows, dtype=np.int16)
        self.texts: dict[str, int] = {}
        self.all_numbers, self.too_many = True, False
        self.decimal_comma = decimal_comma
        self.first_bad_number: tuple[str, int] | None = None

    def add(self, at: int, text: str, line: int) -> None:
        if self.all_numbers:
            try:
                value = float(text.replace(",", ".") if self.decimal_comma else text)
            except ValueError:
                self.all_numbers = False
            else:
                self.numbers[at] = value
                if not math.isfinite(value) and self.first_bad_number is None:
                    self.first_bad_number = (text, line)
        if not self.too_many:
            code = self.texts.setdefault(text, len(self.texts))
            self.too_many = len(self.texts) > MAX_CLASSES
            self.codes[at] = code


def _parse(handle: TextIO, where: str, bound: int, label_column: str, task: str,
           drop: tuple[str, ...] = ()) -> TableData:
    import numpy as np

    first = next((line for line in handle if line.strip()), "")
    handle.seek(0)
    # semicolons first, so "1,5;2,0" (decimal commas) splits on the semicolons on a tie
    delimiter = max(";\t,", key=first.count) if first else ","
    rows = _rows(handle, delimiter)
    start = [row for _, row in zip(range(2), rows, strict=False)]
    if not start:
        raise DataError(f"{where} is empty.")
    width = len(start[0][0])
    if width < 2:
        raise DataError(f"{where} has a single column; it needs feature columns and a label "
                        "column, separated by commas.")
    header = has_header([cells for cells, _ in start])
    names = column_names(start[0][0], header)
    label = _label_index(where, names, header, label_column,
                         [cells for cells, _ in start[1 if header else 0:]])
    if drop:  # columns the split reads (a group, an index), not inputs
        rows, start, names, label, width = _without(where, drop, rows, start, names, label,
                                                    width)
    feature_names = [n for i, n in enumerate(names) if i != label]
    check_data_bytes(where, bound * (4 * (width - 1) + LABEL_BYTES),
                     f"({bound:,} lines of {width} values)", "use fewer rows or columns")
    x = np.empty((bound, width - 1), dtype=np.float32)  # pages past the last row stay unused
    labels = _Labels(bound, delimiter == ";")
    n = 0
    chunk: list[tuple[list[str], int]] = []
    size = max(1, CHUNK_CELLS // width)
    for row in itertools.chain(start[1 if header else 0:], rows):
        chunk.append(row)
        if len(chunk) == size:
            n = _store(chunk, x, labels, n, where, width, label, feature_names)
            chunk = []
    n = _store(chunk, x, labels, n, where, width, label, feature_names)
    if n < MIN_ROWS:
        count = f"only {n}" if n else "no"
        raise DataError(f"{where} has {count} rows of data; it needs at least {MIN_ROWS}.")
    return _table(x[:n], labels, n, task, where, f"column '{names[label]}'")


def _without(where: str, drop: tuple[str, ...], rows, start: list, names: list[str],
             label: int, width: int) -> tuple:
    """The rows, first rows, names, label index and width with the columns ``drop`` left out;
    a DataError names a column that is not there (or is the label column)."""
    gone = set()
    for name in drop:
        if name not in names or names.index(name) == label:
            raise DataError(f"{where} has no column called '{name}' besides its labels (its "
                            f"columns are {', '.join(names)}).")
        gone.add(names.index(name))
    keep = [i for i in range(width) if i not in gone]
    if len(keep) < 2:
        raise DataError(f"{where} has no input columns left once {', '.join(drop)} are set "
                        "aside for the split.")

    def cut(row: tuple[list[str], int]) -> tuple[list[str], int]:
        cells, line = row
        if len(cells) != width:
            raise DataError(f"{where} has {len(cells)} values on line {line} but {width} on "
                            "its first line; every row needs the same number of values.")
        return [cells[i] for i in keep], line

    return (map(cut, rows), [cut(row) for row in start], [names[i] for i in keep],
            keep.index(label), len(keep))


def _label_index(where: str, names: list[str], header: bool, label_column: str,
                 first_rows: list[list[str]]) -> int:
    """The label column: the one named, else the one its name or values show (a column
    called ``class``, the only text column, …), else the last."""
    if not label_column or (not header and label_column == "label"):
        guess = guess_label_column(names, first_rows).column
        return len(names) - 1 if guess is None else guess
    if label_column in names:
        return names.index(label_column)
    raise DataError(f"{where} has no column called '{label_column}' "
                    f"(its columns are {', '.join(names)}).")


def _store(chunk: list[tuple[list[str], int]], x: np.ndarray, labels: _Labels, n: int,
           where: str, width: int, label: int, names: list[str]) -> int:
    """Put a chunk of rows into ``x`` from row ``n`` and their labels into ``labels``; return
    the rows stored so far."""
    import numpy as np

    features = []
    for cells, line in chunk:
        if len(cells) != width:
            raise DataError(f"{where} has {len(cells)} values on line {line} but {width} on its "
                            "first line; every row needs the same number of values.")
        text = cells.pop(label)
        features.append([c.replace(",", ".") for c in cells] if labels.decimal_comma
                        else cells)
        if not text:
            raise DataError(f"{where} has an empty label on line {line}.")
        labels.add(n + len(features) - 1, text, line)
    if not features:
        return n
    try:
        values = np.array(features, dtype=np.float64)
    except ValueError:
        values = None
    if values is None or not np.isfinite(values).all():
        _name_bad_cell(where, features, [line for _, line in chunk], names)
    x[n:n + len(features)] = values
    return n + len(features)


def _name_bad_cell(where: str, rows: list[list[str]], lines: list[int], names: list[str]) -> None:
    """Raise a DataError naming the first cell that is not a finite number."""
    for row, line in zip(rows, lines, strict=True):
        for name, cell in zip(names, row, strict=True):
            at = f"column '{name}' on line {line}"
            if cell == "":
                raise DataError(f"{where} has an empty value in {at}.")
            if not is_number(cell):
                raise DataError(f"{where} has text ('{cell[:20]}') in {at}, but features must "
                                "be numbers.")
            if not math.isfinite(float(cell)):
                raise DataError(f"{where} has a missing or infinite value ({cell}) in {at}.")
    raise DataError(f"{where} has values that are not numbers.")


def _table(x: np.ndarray, labels: _Labels, n: int, task: str, where: str,
           what: str) -> TableData:
    """The table from the features and the labels read: numbers, or text classes."""
    import numpy as np

    if labels.all_numbers:
        if labels.first_bad_number is not None:
            text, line = labels.first_bad_number
            raise DataError(f"{where} has a missing or infinite value ({text}) in {what} on "
                            f"line {line}.")
        return label_table(x, labels.numbers[:n], task, where, what)
    if task == "regression":
        raise text_regression_error(where, what)
    if labels.too_many:
        raise DataError(f"{where} has more than {MAX_CLASSES} different labels in {what}, "
                        f"more than the {MAX_CLASSES} classes allowed.")
    names = sorted(labels.texts)
    rank = np.empty(len(names), dtype=np.int64)
    for k, name in enumerate(names):
        rank[labels.texts[name]] = k
    return class_table(x, rank[labels.codes[:n]], tuple(names), where, what)
