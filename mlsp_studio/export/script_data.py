"""The data part of an exported script: each dataset's maker written out in plain numpy.

Every writer follows its maker in ``mlsp_studio.data`` step by step, with the same random
streams, so the script trains on exactly the examples the studio makes from the same seed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap
from typing import Any

from ..errors import DataError, StudioError
from .data_code import SPLIT_STREAM, STREAMS, DataCode, Writer, signals_data
from .script_seq_data import SEQ_DATA_WRITERS

SPLIT = '''\
def split(x, y, classification, rng, tokens=False):
    """Train, validation and test parts as (x, y) tensors (x int64 token ids when `tokens`).

    For one class per example, each example gets the key (its random rank within its class
    + 0.5) / the class size; sorting by that key deals every class out evenly over the three
    parts. Other labels (one class per token, numbers) are dealt out in a random order.
    """
    n = len(y)
    if classification and np.ndim(y) == 1:
        key = np.empty(n)
        for c in np.unique(y):
            members = np.flatnonzero(y == c)
            key[members] = (rng.permutation(len(members)) + 0.5) / len(members)
        order = np.lexsort((rng.permutation(n), key))  # ties broken at random
    else:
        order = rng.permutation(n)
    n_test = max(1, round(n * TEST_FRACTION))
    n_val = max(1, round(n * VAL_FRACTION)) if VAL_FRACTION > 0 else 0
    parts = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    test, val, train = (rng.permutation(part) for part in parts)
    x = np.ascontiguousarray(x, dtype=np.int64 if tokens else np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64 if classification else np.float32)
    return {name: (torch.from_numpy(x[rows]), torch.from_numpy(y[rows]))
            for name, rows in (("train", train), ("val", val), ("test", test))}
'''


def make_data_source(dataset: str, options: dict[str, Any], task: str, x_shape: str,
                     y_text: str) -> tuple[str, DataCode]:
    """The ``make_data(seed)`` function for ``dataset`` with its checked ``options``, and the
    rest of its code. ``task`` is the resolved task; ``x_shape`` the input shape as the canvas
    shows it, e.g. ``(N, 2)``; ``y_text`` what the labels are, for the docstring."""
    writer = DATA_WRITERS.get(dataset)
    if writer is None:
        raise StudioError(f"The {dataset!r} dataset cannot be written out as a script yet; "
                          "pick a built-in dataset or a CSV or NPZ file.")
    code = writer(options, task)
    body = textwrap.indent(textwrap.dedent(code.body).strip("\n"), "    ")
    source = (f'def make_data(seed):\n    """{code.doc}\n\n'
              '    Returns the parts "train", "val" and "test", each a pair (x, y) with\n'
              f'    x {code.x_type} {x_shape.replace("(N", "(n")} and y {y_text}.\n'
              f'    """\n{body}\n')
    return source, code


def _spiral(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Interleaved spiral arms, one per class, radius 0 to 1.", STREAMS + f"""
    n, classes, noise = {o['n_samples']!r}, {o['classes']!r}, {o['noise']!r}
    y = np.arange(n) % classes                     # (n,) as many points in every class
    t = rng.uniform(0.05, 1.0, n)                  # distance from the centre
    angle = 5.0 * t + 2 * np.pi * y / classes      # each arm turns 5 radians
    x = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return split(x, y, classification=True, rng=split_rng)
""")


def _circles(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("A ring of radius 0.5 (class 1) inside a ring of radius 1 (class 0).",
                    STREAMS + f"""
    n, noise = {o['n_samples']!r}, {o['noise']!r}
    y = np.arange(n) % 2                           # (n,) 0: outer ring, 1: inner ring
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, 0.5)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return split(x, y, classification=True, rng=split_rng)
""")


def _xor(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Points in [-1, 1]^2; class 1 where x and y have opposite signs.",
                    STREAMS + f"""
    n, noise = {o['n_samples']!r}, {o['noise']!r}
    x = rng.uniform(-1.0, 1.0, (n, 2))             # (n, 2)
    x += np.sign(x) * 0.05                         # a small gap around the axes
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)   # (n,) 1 where the signs differ
    x += rng.normal(0.0, noise, x.shape)
    return split(x, y, classification=True, rng=split_rng)
""")


def _blobs(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Round clouds of points around centres spaced evenly on the unit "
                    "circle.", STREAMS + f"""
    n, classes, spread = {o['n_samples']!r}, {o['classes']!r}, {o['spread']!r}
    y = np.arange(n) % classes                     # (n,) as many points in every cloud
    turn = rng.uniform(0.0, 2 * np.pi)
    angle = turn + 2 * np.pi * np.arange(classes) / classes
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (classes, 2)
    x = centres[y] + rng.normal(0.0, spread, (n, 2))  # (n, 2)
    return split(x, y, classification=True, rng=split_rng)
""")


def _moons(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Two interleaved half circles, centred on the origin.", STREAMS + f"""
    n, noise = {o['n_samples']!r}, {o['noise']!r}
    y = np.arange(n) % 2                           # (n,) 0: upper moon, 1: lower moon
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return split(x, y, classification=True, rng=split_rng)
""")


def _sine(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("y = sin(frequency * x) + noise for x uniform in [-pi, pi]; the noise "
                    "variance is the\n    smallest test error any model can reach.",
                    STREAMS + f"""
    n, noise, frequency = {o['n_samples']!r}, {o['noise']!r}, {o['frequency']!r}
    x = rng.uniform(-np.pi, np.pi, (n, 1))                       # (n, 1)
    y = np.sin(frequency * x) + rng.normal(0.0, noise, (n, 1))   # (n, 1)
    return split(x, y, classification=False, rng=split_rng)
""")


def _digits(o: dict[str, Any], task: str) -> DataCode:
    keep = sorted(set(o["classes"]))
    lines = [SPLIT_STREAM, "\n    digits = load_digits()                         # 1,797 images\n"]
    if keep:
        lines.append(f"""\
    keep = np.array({keep!r})                      # the digits to learn
    rows = np.isin(digits.target, keep)
    x = digits.data[rows].astype(np.float32) / 16.0    # (n, 64) pixels from 0..16 to 0..1
    y = np.searchsorted(keep, digits.target[rows])      # (n,) renumbered 0..{len(keep) - 1}
""")
    else:
        lines.append("""\
    x = digits.data.astype(np.float32) / 16.0      # (n, 64) pixels from 0..16 to 0..1
    y = digits.target                              # (n,) the digit shown, 0..9
""")
    if not o["flatten"]:
        lines.append("    x = x.reshape(-1, 1, 8, 8)                     # (n, 1, 8, 8) images\n")
    lines.append("    return split(x, y, classification=True, rng=split_rng)\n")
    return DataCode("scikit-learn's 1,797 handwritten digits, 8 by 8 pixels.",
                    "".join(lines),
                    imports=("from sklearn.datasets import load_digits",))


def _noisy_digits(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("The 8x8 digits with noise added: noisy pictures in, clean ones out.",
                    STREAMS + f"""
    noise, copies = {o['noise']!r}, {o['copies']!r}
    digits = load_digits()                         # 1,797 images
    clean = digits.data.astype(np.float32) / 16.0  # (n, 64) pixels from 0..16 to 0..1
    n = len(clean)
    order = split_rng.permutation(n)               # the copies of a digit stay in one part
    n_test = max(1, round(n * TEST_FRACTION))
    n_val = round(n * VAL_FRACTION)
    parts = {{"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}}
    out = {{}}
    for name, rows in parts.items():
        y = np.repeat(clean[rows], copies, axis=0)                # (k * copies, 64) targets
        x = y + rng.normal(0.0, noise, y.shape).astype(np.float32)  # the noisy inputs
        out[name] = (torch.from_numpy(x.reshape(-1, 1, 8, 8)), torch.from_numpy(y))
    return out
""", imports=("from sklearn.datasets import load_digits",))


# --- a person's own files ------------------------------------------------------------------


def _text(value: str) -> str:
    """A Python string literal in double quotes."""
    return json.dumps(value, ensure_ascii=False)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_layout(path: str, label_column: str) -> tuple[str, int, int, str, bool]:
    """How the studio reads this CSV: delimiter, header lines to skip, label column index,
    its name, and whether the labels are numbers. Follows ``spec.userfiles``."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"The file '{path}' cannot be read ({err}).") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";\t,", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append([cell.strip() for cell in row])
            lines.append(reader.line_num)
    width = len(rows[0])
    header = len(rows) > 1 and any(not _is_number(a) and _is_number(b)
                                   for a, b in zip(rows[0], rows[1], strict=False))
    header = header or all(not _is_number(cell) for cell in rows[0])
    names = ([c or f"column {i + 1}" for i, c in enumerate(rows[0])] if header
             else [f"column {i + 1}" for i in range(width)])
    if not label_column or (not header and label_column == "label"):
        label = width - 1
    else:
        label = names.index(label_column)
    body = rows[1:] if header else rows
    labels = [row[label] for row in body]
    if delimiter == ";":
        dotted = [v.replace(",", ".") for v in labels]
        labels = dotted if all(_is_number(v) for v in dotted) else labels
    skip = lines[0] if header else 0
    return delimiter, skip, label, names[label], all(_is_number(v) for v in labels)


def _csv(o: dict[str, Any], task: str) -> DataCode:
    path = os.path.abspath(o["path"])
    delimiter, skip, label, name, numeric = _csv_layout(path, o["label_column"])
    lines = [SPLIT_STREAM, f"""
    cells = np.loadtxt(DATA_FILE, dtype=str, delimiter={_text(delimiter)}, skiprows={skip},
                       comments=None, quotechar='"', encoding="utf-8-sig", ndmin=2)
    cells = np.char.strip(cells)
"""]
    if delimiter == ";":
        what = "cells" if numeric else "cells[:, columns]"
        if not numeric:
            lines.append(f"    columns = np.arange(cells.shape[1]) != {label}\n")
        lines.append(f'    {what} = np.char.replace({what}, ",", ".")  # decimal commas\n')
    lines.append(f"""
    x = np.delete(cells, {label}, axis=1).astype(np.float64)  # (n, F) every other column
    labels = cells[:, {label}]                                 # the column {_text(name)}
""")
    number = ".astype(np.float64)" if numeric else ""
    if task == "classification":
        lines.append(f"    classes, y = np.unique(labels{number}, return_inverse=True)"
                     "  # (n,) 0..k-1\n")
    else:
        lines.append("    y = labels.astype(np.float64)[:, None]               # (n, 1) numbers\n")
    lines.append(f"    data = split(x, y, classification={task == 'classification'}, "
                 "rng=split_rng)\n")
    if o["standardize"]:
        lines.append("""
    # every input column to mean 0 and spread 1, measured on the training rows only
    mean = data["train"][0].mean(dim=0)
    std = data["train"][0].std(dim=0, unbiased=False)
    std = torch.where(std > 1e-8, std, torch.ones_like(std))  # constant columns stay
    data = {part: ((x - mean) / std, y) for part, (x, y) in data.items()}
""")
    lines.append("    return data\n")
    return DataCode("The rows of your CSV file: number columns in, one label column.",
                    "".join(lines), constants=(f"DATA_FILE = {_text(path)}",))


def _npz(o: dict[str, Any], task: str) -> DataCode:
    from ..readers.userfiles import load_npz_arrays

    path = os.path.abspath(o["path"])
    table = load_npz_arrays(path, o["x_key"], o["y_key"], o["task"])
    lines = [SPLIT_STREAM, f"""
    with np.load(DATA_FILE, allow_pickle=False) as archive:
        x, labels = archive[{_text(o['x_key'])}], archive[{_text(o['y_key'])}]
"""]
    if table.x.ndim == 2 and table.x.shape[1] == 1:
        lines.append("    x = x.reshape(len(x), 1)                  # (n, 1) one number each\n")
    if task == "classification":
        lines.append("    classes, y = np.unique(labels.reshape(-1), return_inverse=True)"
                     "  # (n,) 0..k-1\n")
    else:
        lines.append("    y = labels.reshape(len(labels), -1)        # (n, targets)\n")
    lines.append(f"    return split(x, y, classification={task == 'classification'}, "
                 "rng=split_rng)\n")
    return DataCode("The arrays of your NumPy .npz file: inputs and their labels.",
                    "".join(lines), constants=(f"DATA_FILE = {_text(path)}",))


DATA_WRITERS: dict[str, Writer] = {
    "spiral": _spiral, "circles": _circles, "xor": _xor, "blobs": _blobs, "moons": _moons,
    "sine": _sine, "digits": _digits, "noisy_digits": _noisy_digits, "signals": signals_data,
    "csv": _csv, "npz": _npz,
}
DATA_WRITERS.update(SEQ_DATA_WRITERS)
