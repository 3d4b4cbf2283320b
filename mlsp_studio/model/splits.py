"""The split a person chooses for their own data, without torch: which examples train, which
check progress (validation) and which give the final score (test), and that split in words.

Four ways (the dataset option ``split``): ``random`` (every class dealt out evenly, by
``split_seed``; with a ``group`` named, whole groups are drawn instead), ``test_file`` (the
test set is another file or folder of the same format, ``test_path``), ``group`` (the groups
named in ``test_groups`` are the test set) and ``range`` (the examples whose ``range_field``
lies in ``test_range`` are the test set, e.g. recordings 0-4). Outside ``random`` the
validation set is drawn from what is left, by whole groups when a group is named. A group
never straddles training and validation, nor the test set where groups choose it.

:func:`plan_split` does the arithmetic; :func:`dataset_split` reads what it needs from a
dataset's files (cached, so checking settings and making the data split once);
:func:`split_sentence` puts a split into words (``datasets.describe_split`` a dataset's), e.g.
``train 2,100 · validation 300 · test 500 (speaker theo held out)``.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DataError

if TYPE_CHECKING:
    import numpy as np

    from ..readers.userfiles import TableData
    from .dataset_base import DatasetSpec

SPLIT_METHODS = ("random", "test_file", "group", "range")
_RANGE = re.compile(r"\s*(-?\d+)\s*(?:(?:-|–|\.\.|to)\s*(-?\d+)\s*)?")
_SHOWN = 8  # values named in a message


@dataclass(frozen=True)
class SplitPlan:
    """Rows of the main file for each part (``test`` is empty when a test file gives the test
    set) and ``info``: the method, the seed, what is held out and the sizes, as summary.json
    records it."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    info: dict[str, Any]


def _values(values: Sequence[str]) -> str:
    unique = sorted(set(values))
    shown = ", ".join(unique[:_SHOWN])
    return shown + (f" and {len(unique) - _SHOWN} more" if len(unique) > _SHOWN else "")


def parse_range(text: str) -> tuple[int, int]:
    """``"0-4"`` → (0, 4); one number is a range of one; a DataError otherwise."""
    found = _RANGE.fullmatch(text or "")
    if not found:
        raise DataError(f"test_range must be a whole number or two joined by '-', such as "
                        f"0-4, not '{text}'.")
    low = int(found.group(1))
    high = int(found.group(2)) if found.group(2) is not None else low
    if high < low:
        raise DataError(f"test_range {text} runs backwards; write the smaller number first.")
    return low, high


def _whole_numbers(values: Sequence[str], field: str) -> np.ndarray:
    import numpy as np

    bad = next((v for v in values if not re.fullmatch(r"\s*-?\d+\s*", v)), None)
    if bad is not None:
        raise DataError(f"A range needs whole numbers in {field}, but one of its values is "
                        f"'{bad}'.")
    return np.array([int(v) for v in values])


def _rest_parts(rest: np.ndarray, y: np.ndarray, classification: bool, groups: Any,
                share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) rows out of ``rest``: ``share`` of them for validation, by whole groups
    when ``groups`` is given, else dealt out evenly by class."""
    import numpy as np

    from .split_math import group_indices, split_indices

    if share <= 0 or len(rest) < 2:
        return rng.permutation(rest), rest[:0]
    if groups is not None:
        val, train = group_indices(groups[rest], share, rng)
        return rest[train], rest[val]
    train, _, val = split_indices(y[rest] if classification else np.zeros(len(rest)),
                                  classification, 0.0, share, rng)
    return rest[train], rest[val]


def _held_out(chosen: np.ndarray, y: np.ndarray, classification: bool, groups: Any,
              val_fraction: float, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, val, test): the ``chosen`` examples are the test set, validation takes
    ``val_fraction`` of all the examples from the rest."""
    import numpy as np

    test = rng.permutation(np.flatnonzero(chosen))
    rest = np.flatnonzero(~chosen)
    share = val_fraction * len(chosen) / max(len(rest), 1)
    train, val = _rest_parts(rest, y, classification, groups, share, rng)
    return train, val, test


def plan_split(options: dict[str, Any], y: np.ndarray, classification: bool,
               groups: Sequence[str] | None = None, ranks: Sequence[str] | None = None,
               test_size: int = 0) -> SplitPlan:
    """Split ``len(y)`` examples as ``options`` say (``split``, ``split_seed``,
    ``val_fraction``, ``test_fraction``, ``group``, ``test_groups``, ``range_field``,
    ``test_range``). ``groups`` holds each example's group, ``ranks`` each example's value
    of ``range_field`` (None: its position); ``test_size`` is the test file's length."""
    import numpy as np

    from .split_math import group_indices, seed_streams, split_indices

    method = options.get("split", "random")
    seed = options.get("split_seed", 0)
    val_fraction, test_fraction = options["val_fraction"], options["test_fraction"]
    _, rng = seed_streams(seed)
    n = len(y)
    label = y if classification else np.zeros(n)
    group_name = options.get("group", "")
    keys = np.asarray(groups) if groups is not None else None
    info: dict[str, Any] = {"method": method, "seed": seed}
    if group_name:
        info["group"] = group_name
    everything = np.arange(n)
    if method == "random":
        if keys is None:
            train, val, test = split_indices(label, classification, val_fraction,
                                             test_fraction, rng)
        else:
            if len(set(keys.tolist())) < 2:
                raise DataError(f"Every example has the same {group_name} "
                                f"('{keys[0]}'); whole groups cannot be split into "
                                "training and test sets.")
            test, rest = group_indices(keys, test_fraction, rng)
            train, val = _rest_parts(rest, label, classification, keys,
                                     val_fraction * n / max(len(rest), 1), rng)
            info["held_out"] = f"whole {group_name} groups"
            info["test_groups"] = sorted(set(keys[test].tolist()))
    elif method == "test_file":
        train, val = _rest_parts(everything, label, classification, keys, val_fraction, rng)
        test = everything[:0]
        info["test_path"] = options.get("test_path", "")
        info["held_out"] = "test set from its own file"
    elif method == "group":
        if keys is None:
            raise DataError("split 'group' needs the group setting: the column or file-name "
                            "field whose values stay together, e.g. speaker.")
        wanted = [g.strip() for g in str(options.get("test_groups", "")).split(",") if g.strip()]
        if not wanted:
            raise DataError(f"split 'group' needs test_groups: the values of {group_name} held "
                            "out as the test set, e.g. one of "
                            f"{_values(keys.tolist())} (several joined by commas).")
        present = set(keys.tolist())
        missing = [g for g in wanted if g not in present]
        if missing:
            raise DataError(f"The test group '{missing[0]}' does not occur in {group_name} "
                            f"(its values are {_values(keys.tolist())}).")
        train, val, test = _held_out(np.isin(keys, wanted), label, classification, keys,
                                     val_fraction, rng)
        info["test_groups"] = wanted
        info["held_out"] = f"{group_name} {', '.join(wanted)} held out"
    elif method == "range":
        field = options.get("range_field", "")
        low, high = parse_range(str(options.get("test_range", "")))
        where = field or "the position"
        values = _whole_numbers(ranks, field) if ranks is not None else everything
        chosen = (values >= low) & (values <= high)
        if not chosen.any():
            raise DataError(f"test_range {low}-{high} holds no example: {where} runs from "
                            f"{values.min()} to {values.max()}.")
        train, val, test = _held_out(chosen, label, classification, keys, val_fraction, rng)
        info.update(field=field or "position", range=[low, high],
                    held_out=f"{field or 'position'} {low}–{high} held out")
    else:
        raise DataError(f"split must be one of {', '.join(SPLIT_METHODS)}, not '{method}'.")
    if len(train) == 0:
        raise DataError(f"The {method} split leaves no examples to train on; hold out less.")
    info["sizes"] = {"train": int(len(train)), "val": int(len(val)),
                     "test": int(test_size if method == "test_file" else len(test))}
    return SplitPlan(train, val, test, info)


def split_sentence(info: dict[str, Any]) -> str:
    """A split in words: ``train 2,100 · validation 300 · test 500 (speaker theo held out)``."""
    sizes = info.get("sizes", {})
    text = " · ".join(f"{word} {sizes.get(key, 0):,}" for key, word in
                      (("train", "train"), ("val", "validation"), ("test", "test")))
    held = info.get("held_out") or ("random split" if info.get("method") == "random" else "")
    return f"{text} ({held})" if held else text


# ---------------------------------------------------------------- from a dataset's files

# the last few plans, each with a weak reference to the table it was made from: a plan never
# keeps a file's numbers in memory, and a table read again (a changed file) is split again
_plans: dict[tuple[Any, ...], tuple[SplitPlan, Any]] = {}
_plans_lock = threading.Lock()
_KEPT_PLANS = 4


def test_table(spec: DatasetSpec, values: dict[str, Any], table: TableData) -> TableData:
    """The test file's table, its classes numbered as the training file's; a DataError when
    it does not fit the training file."""
    from ..readers.userfiles import TableData as Table

    path = values.get("test_path", "")
    if not path:
        raise DataError("split 'test_file' needs test_path: the file or folder holding the "
                        "test set, in the same format as the training data.")
    beside = {"labels_path": ""} if "labels_path" in values else {}  # IDX: the test file's own
    test = spec.table({**values, "path": path, **beside})  # type: ignore[misc]
    where = f"The test set '{path}'"
    if test.x.shape[1:] != table.x.shape[1:]:
        raise DataError(f"{where} has inputs shaped {tuple(test.x.shape[1:])}, but the training "
                        f"data's are shaped {tuple(table.x.shape[1:])}; they must match.")
    if test.task != table.task:
        raise DataError(f"{where} reads as {test.task}, the training data as {table.task}; "
                        "set the task so that both are read alike.")
    if table.task != "classification" or test.class_names == table.class_names:
        return test
    unknown = [c for c in test.class_names if c not in table.class_names]
    if unknown:
        raise DataError(f"{where} has the class '{unknown[0]}', which the training data does "
                        "not have.")
    import numpy as np

    index = np.array([table.class_names.index(c) for c in test.class_names], dtype=np.int64)
    return Table(test.x, index[test.y], test.task, table.class_names)


def dataset_split(spec: DatasetSpec, values: dict[str, Any]
                  ) -> tuple[SplitPlan, TableData, TableData | None]:
    """The split of a dataset read from a person's files, with its table and (for
    ``test_file``) the test table; the files are read through the readers' caches."""
    table = spec.table(values)  # type: ignore[misc]
    test = test_table(spec, values, table) if values["split"] == "test_file" else None
    key = (spec.name, tuple(sorted((k, repr(v)) for k, v in values.items())), id(table),
           None if test is None else len(test.y))
    with _plans_lock:
        kept = _plans.get(key)
    if kept is not None and kept[1]() is table:
        return kept[0], table, test
    group = values.get("group", "")
    field = values.get("range_field", "")
    groups = spec.fields(values, group) if group else None  # type: ignore[misc]
    ranks = (spec.fields(values, field)  # type: ignore[misc]
             if values["split"] == "range" and field else None)
    plan = plan_split(values, table.y, table.task == "classification", groups, ranks,
                      0 if test is None else len(test.y))
    with _plans_lock:
        _plans[key] = (plan, weakref.ref(table))
        while len(_plans) > _KEPT_PLANS:
            _plans.pop(next(iter(_plans)))
    return plan, table, test
