"""What every dataset's settings are made of, without torch: ``DatasetSpec`` (a dataset's
options and the input shape it gives a network), the registry, and the pieces the dataset
modules share (``datasets``, ``seq_datasets``, ``paired_datasets``, ``media_datasets``).

Built-in datasets are made from ``data_seed`` and split at random; a person's own files
have the split settings of ``model/splits.py`` (``own_file_opts``) and ``split_seed``.
Neither is the run's ``seed`` (the project's), which sets the starting weights and batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import DataError, ParamError
from ..readers.userfiles import TASKS, TableData
from .blocks import Context, p_choice, p_float, p_int
from .params import ParamSet, ParamSpec
from .registry import SpecRegistry
from .splits import SPLIT_METHODS

INPUT_KINDS = ("points2d", "scalar", "image", "signal", "table", "tokens", "sequence")
DATASET_TASKS = (*TASKS, "sequence", "text")  # source/target pairs; a text corpus
SIGNAL_CLASSES = ("sine", "square", "sawtooth", "chirp", "noise burst")


@dataclass(frozen=True)
class DatasetSpec:
    """What the studio knows about one dataset before making it: its options and shapes.

    ``task`` is ``classification``, ``regression``, ``sequence`` (source and target token
    sequences) or ``text`` (a corpus), or ``auto`` for a person's table file, whose task is
    decided by the file and the ``task`` option (see :func:`context_task`).
    ``context(options)`` takes validated options and gives the input shape and the number of
    classes (classification) or targets (regression); it raises :class:`DataError` when the
    options name a file that does not fit.

    A dataset read from a person's files also gives ``table(options)``, the file read (the
    readers keep it, so it is read once), and ``fields(options, name)``, each example's value
    of a column or file-name field (for the split settings, ``model/splits.py``).
    """

    name: str
    title: str
    doc: str
    task: str
    input_kind: str
    options: ParamSet
    context: Callable[[dict[str, Any]], Context]
    table: Callable[[dict[str, Any]], TableData] | None = None
    fields: Callable[[dict[str, Any], str], list[str]] | None = None

    def __post_init__(self) -> None:
        if self.task not in DATASET_TASKS:
            raise ValueError(f"{self.name}: unknown task {self.task!r}")
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"{self.name}: unknown input kind {self.input_kind!r}")


class DatasetRegistry(SpecRegistry[DatasetSpec]):
    """Dataset specs by name. Registering a name twice is an error, built-ins included."""

    taken = "a dataset called {name!r} is already registered"

    def _unknown(self, name: object) -> Exception:
        return DataError(f"There is no dataset called {name!r} (known: {self.known()}).")


def context_task(ctx: Context) -> str:
    """``classification`` when the data has classes, else ``regression``."""
    return "classification" if ctx.num_classes > 0 else "regression"


# ---------------------------------------------------------------- the person's own files


_SEED_RANGE = (0, 2**31 - 1)
_VAL = p_float("val_fraction", 0.2, 0.0, 0.5, "Share of the data kept aside to check progress "
               "(validation).")


def _common() -> tuple[ParamSpec, ...]:
    return (
        p_int("data_seed", 0, *_SEED_RANGE, "The data's seed: the same seed makes the same "
              "examples and splits them alike (at random; a dataset of your own files can "
              "also be split by groups, a range or a test file). The run's seed, under Seed "
              "and device, sets the starting weights and the order of the batches."),
        _VAL,
        p_float("test_fraction", 0.2, 0.05, 0.5, "Share of the data kept aside for the final "
                "score (test)."),
    )


def _opts(*specs: ParamSpec) -> ParamSet:
    return ParamSet((*specs, *_common()))


def own_file_opts(*specs: ParamSpec, groups: bool = True) -> ParamSet:
    """``specs`` and the split settings of a person's files (``model/splits.py``); without
    ``groups`` (an NPZ or IDX file has no columns or names to group by) no group split."""
    methods = SPLIT_METHODS if groups else tuple(m for m in SPLIT_METHODS if m != "group")
    where = "column or file-name field" if groups else ""
    split = (
        p_choice("split", "random", methods, "How the data is split into training, validation "
                 "and test: random (each class dealt out evenly), test_file (the test set is "
                 "the file or folder in test_path)"
                 + (", group (the groups in test_groups are the test set)" if groups else "")
                 + " or range (the examples in test_range are the test set)."),
        p_int("split_seed", 0, *_SEED_RANGE, "The split's seed: which examples a random draw "
              "puts in training, validation and test (the same seed, the same split). The "
              "run's seed, under Seed and device, sets the starting weights and batches."),
        _VAL,
        p_float("test_fraction", 0.2, 0.05, 0.5, "random split: share of the data kept aside "
                "for the final score (test)."),
        ParamSpec("test_path", "str", "", doc="split test_file: the test set, a file or "
                  "folder in the same format as path."),
    )
    grouped = (
        ParamSpec("group", "str", "", doc=f"A {where} whose examples always stay together, "
                  "e.g. speaker: one speaker's recordings never go to both training and "
                  "validation or test. A random split then draws whole groups."),
        ParamSpec("test_groups", "str", "", doc="split group: the values of group held out "
                  "as the test set, e.g. theo, or several joined by commas."),
        ParamSpec("range_field", "str", "", doc=f"split range: the {where} holding a whole "
                  "number per example, e.g. index; empty: the example's position, the first "
                  "being 0."),
    ) if groups else ()
    held = ParamSpec("test_range", "str", "", doc="split range: the examples held out as the "
                     "test set, e.g. 0-4 (both ends included)"
                     + ("." if groups else ", by their position in the file, the first 0."))
    return ParamSet((*specs, *split, *grouped, held))


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
