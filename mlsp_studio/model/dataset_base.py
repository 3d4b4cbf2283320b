"""What every dataset's settings are made of, without torch: ``DatasetSpec`` (a dataset's
options and the input shape it gives a network), the registry, and the pieces the dataset
modules share (``datasets``, ``seq_datasets``, ``paired_datasets``, ``media_datasets``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import DataError, ParamError
from ..readers.userfiles import TASKS, TableData
from .blocks import Context, p_choice, p_float, p_int
from .params import ParamSet, ParamSpec
from .registry import SpecRegistry

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
    """

    name: str
    title: str
    doc: str
    task: str
    input_kind: str
    options: ParamSet
    context: Callable[[dict[str, Any]], Context]

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
