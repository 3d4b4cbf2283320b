"""The data part of an exported script: each dataset's ``make_data``.

A ``make_data`` only calls the studio's own functions with the dataset's settings: the random
streams (``seed_streams``), the drawing function of the dataset's maker in
``mlsp_studio.data`` (``spiral_points``, ``signal_waves``, ...) and the split. Those are
copied into the script as they stand in the studio's files (``source_of``), so the script
trains on exactly the examples the studio makes from the same seed.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from typing import Any

from ..errors import DataError, StudioError
from ..model.datasets import context_task, dataset_context
from ..model.project import Project
from ..readers.userfiles import column_names, csv_rows, has_header, is_number
from .data_code import SPLIT_STREAM, STREAMS, DataCode, Writer, signals_data
from .script_media_data import MEDIA_COPIED, MEDIA_DATA_WRITERS
from .script_seq_data import SEQ_COPIED, SEQ_DATA_WRITERS
from .source_copy import source_of

DATA = "mlsp_studio.data"

# ``split(x, y, classification, rng, tokens=False)``: the parts as tensors, with the studio's
# split_indices (every script's make_data ends with it)
SPLIT = (source_of("mlsp_studio.model.split_math", "split_sizes", "split_indices") + "\n\n"
         + source_of(f"{DATA}.script_code", "split"))

# The functions a make_data body may call, by name: the module under mlsp_studio.data and
# what is copied for it, the functions it calls first. Every one the body calls is copied.
COPIED: dict[str, tuple[str, tuple[str, ...]]] = {
    "seed_streams": ("mlsp_studio.model.split_math", ("seed_streams",)),
    "spiral_points": ("toys", ("spiral_points",)),
    "circle_points": ("toys", ("circle_points",)),
    "xor_points": ("toys", ("xor_points",)),
    "blob_points": ("toys", ("circle_centres", "cloud_points", "blob_points")),
    "moon_points": ("toys", ("moon_points",)),
    "cloud_points": ("toys", ("cloud_points",)),
    "sine_points": ("toys", ("sine_points",)),
    "digit_subset": ("digits", ("digit_subset",)),
    "noisy_digit_parts": ("digits", ("noisy_digit_parts",)),
    "signal_waves": ("signals", ("signal_waves",)),
    "log_spectrogram": ("spectrograms", ("log_spectrogram",)),
    "spectrogram_parts": ("spectrograms", ("log_spectrogram", "spectrogram_parts")),
    "tone_signals": ("paired", ("tone_signals",)),
    "read_csv": ("script_code", ("read_csv",)),
    "read_npz": ("script_code", ("read_npz",)),
    "standardize_columns": ("files", ("standardize_columns",)),
}
COPIED.update(SEQ_COPIED)  # the sequence tasks' (script_seq_data)
COPIED.update(MEDIA_COPIED)  # a person's pictures, sounds, IDX files' (script_media_data)


def copied_functions(body: str) -> str:
    """The source of every function of ``COPIED`` that ``body`` calls (and what they call),
    each once, in ``COPIED``'s order; empty if it calls none."""
    seen: list[tuple[str, str]] = []
    for name, (module, names) in COPIED.items():
        if re.search(rf"(?<![\w.]){name}\(", body):
            seen += [(module, n) for n in names if (module, n) not in seen]
    return "\n\n".join(source_of(module if module.startswith("mlsp_studio.") else
                               f"{DATA}.{module}", name) for module, name in seen)


def make_data_source(dataset: str, options: dict[str, Any], task: str, x_shape: str,
                     y_text: str) -> tuple[str, DataCode]:
    """The ``make_data(seed)`` function for ``dataset`` with its checked ``options``, after
    the studio's functions it calls, and the rest of its code. ``task`` is the resolved task;
    ``x_shape`` the input shape as the canvas shows it, e.g. ``(N, 2)``; ``y_text`` what the
    labels are, for the docstring."""
    writer = DATA_WRITERS.get(dataset)
    chosen = options.get("split", "random")
    if chosen != "random" or options.get("group"):
        how = f"{chosen} split" if chosen != "random" else f"split by whole {options['group']}"
        raise StudioError(f"The script splits the data at random, row by row, so this "
                          f"project's {how} is not written out; set split to random and "
                          "group to nothing to export it.")
    if writer is None:
        raise StudioError(f"The {dataset!r} dataset cannot be written out as a script yet; "
                          "pick a built-in dataset or a CSV or NPZ file.")
    code = writer(options, task)
    lines = textwrap.dedent(code.body).strip("\n").splitlines()
    shape = x_shape.replace("(N", "(n")
    source = "\n".join(["def make_data(seed):", f'    """{code.doc}', "",
                        '    Returns the parts "train", "val" and "test", each a pair (x, y) with',
                        f"    x {code.x_type} {shape} and y {y_text}.", '    """',
                        *(f"    {line}".rstrip() for line in lines)]) + "\n"
    functions = copied_functions(code.body)
    return (functions + "\n\n" if functions else "") + source, code


def classification_data(project: Project, options: dict[str, Any],
                        refusal: str) -> tuple[str, DataCode]:
    """``make_data`` of a dataset of classes: x (N, *the dataset's shape) and int64 class
    indices; a dataset of another kind is refused with the sentence ``refusal``."""
    ctx = dataset_context(project.dataset, options)[1]
    if context_task(ctx) != "classification":
        raise StudioError(refusal)
    return make_data_source(project.dataset, options, "classification",
                            "(N, " + ", ".join(map(str, ctx.inputs["x"])) + ")",
                            "int64 class indices (n,)")


def only_dataset(project: Project, dataset: str, script: str, which: str) -> None:
    """A ``script`` script is written for the dataset ``dataset`` only (``which``, in words):
    a project on another is refused in one sentence."""
    if project.dataset != dataset:
        raise StudioError(f"The {project.dataset!r} dataset cannot be written out as a "
                          f"{script} script yet; {which} can.")


def _body(*lines: str) -> str:
    """A make_data body from its lines (each without the indent)."""
    return "".join(f"    {line}\n" for line in lines)


def _points(doc: str, settings: tuple[str, ...], call: str,
            classification: bool = True) -> Writer:
    """The writer of a dataset drawn by one call: the streams, the dataset's ``settings`` (the
    call names ``n_samples`` ``n``), the call, the split."""

    def write(o: dict[str, Any], task: str) -> DataCode:
        names = ", ".join("n" if key == "n_samples" else key for key in settings)
        values = ", ".join(repr(o[key]) for key in settings)
        split = f"return split(x, y, classification={classification}, rng=split_rng)"
        return DataCode(doc, STREAMS + _body(f"{names} = {values}", call, split))

    return write


def _digits(o: dict[str, Any], task: str) -> DataCode:
    keep = sorted(set(o["classes"])) or list(range(10))
    return DataCode("scikit-learn's 1,797 handwritten digits, 8 by 8 pixels.", SPLIT_STREAM
                    + _body(f"keep = {keep!r}  # the digits to learn, renumbered 0..k-1",
                            f"flatten = {bool(o['flatten'])!r}  # True: 64 numbers each, not "
                            "a (1, 8, 8) picture",
                            "digits = load_digits()  # 1,797 pictures of 64 pixels 0..16",
                            "x, y = digit_subset(digits.data, digits.target, keep, flatten)",
                            "return split(x, y, classification=True, rng=split_rng)"),
                    imports=("from sklearn.datasets import load_digits",))


def _noisy_digits(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("The 8x8 digits with noise added: noisy pictures in, clean ones out.",
                    STREAMS + _body(
                        f"noise, copies = {o['noise']!r}, {o['copies']!r}",
                        "images = load_digits().data  # (1797, 64) pixels 0..16",
                        "return noisy_digit_parts(images, copies, noise, VAL_FRACTION, "
                        "TEST_FRACTION,",
                        "                         rng, split_rng)"),
                    imports=("from sklearn.datasets import load_digits",))


# --- a person's own files ------------------------------------------------------------------


def _text(value: str) -> str:
    """A Python string literal in double quotes."""
    return json.dumps(value, ensure_ascii=False)


def _csv_layout(path: str, label_column: str) -> tuple[str, int, int, str, bool]:
    """How the studio reads this CSV: delimiter, header lines to skip, label column index,
    its name, and whether the labels are numbers, found as ``readers/userfiles.py`` finds
    them when the studio reads the file."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"The file '{path}' cannot be read ({err}).") from None
    delimiter, rows, lines = csv_rows(text)
    header = has_header(rows)
    names = column_names(rows[0], header)
    if not label_column or (not header and label_column == "label"):
        label = len(names) - 1
    else:
        label = names.index(label_column)
    body = rows[1:] if header else rows
    labels = [row[label] for row in body]
    if delimiter == ";":
        dotted = [v.replace(",", ".") for v in labels]
        labels = dotted if all(is_number(v) for v in dotted) else labels
    skip = lines[0] if header else 0
    return delimiter, skip, label, names[label], all(is_number(v) for v in labels)


def _csv(o: dict[str, Any], task: str) -> DataCode:
    path = os.path.abspath(o["path"])
    delimiter, skip, label, name, numeric = _csv_layout(path, o["label_column"])
    classify = task == "classification"
    lines = [f"# the labels: the column {_text(name)}, number {label} counting from 0",
             f"x, y = read_csv(DATA_FILE, delimiter={_text(delimiter)}, skip={skip}, "
             f"label={label},",
             f"                numeric_labels={numeric}, classification={classify})"]
    if o["standardize"]:
        lines += [f"data = split(x, y, classification={classify}, rng=split_rng)",
                  "# every input column to mean 0 and spread 1, measured on the training rows",
                  "return standardize_columns(data)"]
    else:
        lines.append(f"return split(x, y, classification={classify}, rng=split_rng)")
    return DataCode("The rows of your CSV file: number columns in, one label column.",
                    SPLIT_STREAM + _body(*lines), constants=(f"DATA_FILE = {_text(path)}",))


def _npz(o: dict[str, Any], task: str) -> DataCode:
    path = os.path.abspath(o["path"])
    classify = task == "classification"
    return DataCode("The arrays of your NumPy .npz file: inputs and their labels.",
                    SPLIT_STREAM + _body(
                        f"x, y = read_npz(DATA_FILE, {_text(o['x_key'])}, {_text(o['y_key'])}, "
                        f"classification={classify})",
                        f"return split(x, y, classification={classify}, rng=split_rng)"),
                    constants=(f"DATA_FILE = {_text(path)}",))


DATA_WRITERS: dict[str, Writer] = {
    "spiral": _points("Interleaved spiral arms, one per class, radius 0 to 1.",
                      ("n_samples", "classes", "noise"),
                      "x, y = spiral_points(n, classes, noise, rng)  # x (n, 2), y (n,) the arm"),
    "circles": _points("A ring of radius 0.5 (class 1) inside a ring of radius 1 (class 0).",
                       ("n_samples", "noise"), "x, y = circle_points(n, noise, rng)  "
                       "# x (n, 2), y (n,) 0 outer, 1 inner"),
    "xor": _points("Points in [-1, 1]^2; class 1 where x and y have opposite signs.",
                   ("n_samples", "noise"), "x, y = xor_points(n, noise, rng)  # x (n, 2), y (n,)"),
    "blobs": _points("Round clouds of points around centres spaced evenly on the unit circle.",
                     ("n_samples", "classes", "spread"), "x, y = blob_points(n, classes, "
                     "spread, rng)  # x (n, 2), y (n,) the cloud"),
    "moons": _points("Two interleaved half circles, centred on the origin.",
                     ("n_samples", "noise"),
                     "x, y = moon_points(n, noise, rng)  # x (n, 2), y (n,) 0 upper, 1 lower"),
    "sine": _points("y = sin(frequency * x) + noise for x uniform in [-pi, pi]; the noise "
                    "variance is the\n    smallest test error any model can reach.",
                    ("n_samples", "noise", "frequency"),
                    "x, y = sine_points(n, frequency, noise, rng)  # x (n, 1), y (n, 1)",
                    classification=False),
    "digits": _digits, "noisy_digits": _noisy_digits, "signals": signals_data,
    "csv": _csv, "npz": _npz,
}
DATA_WRITERS.update(SEQ_DATA_WRITERS)
DATA_WRITERS.update(MEDIA_DATA_WRITERS)
