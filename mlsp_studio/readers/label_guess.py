"""Which column of a table holds what to predict, guessed from the column names and values.

Plain Python (no numpy, torch or Qt): the import dialog asks it before reading the whole file,
and the CSV reader may take its guess as the default label column. A guess is made only when
one column stands out; otherwise the answer is ``None`` and the person is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# names that say "this is the label", best first; compared without case, spaces, - and _
LABEL_NAMES = ("label", "labels", "class", "classes", "classlabel", "target", "targets",
               "y", "digit", "category", "categories", "species", "outcome", "answer",
               "variety", "genre", "diagnosis", "sentiment", "tag", "truth", "groundtruth")
FEW_CLASSES = 20  # whole numbers with at most this many values look like class numbers


@dataclass(frozen=True)
class LabelGuess:
    """The guessed label column (its index) and why, or ``column is None`` when no column
    stands out; ``why`` is then the question to put to the person."""

    column: int | None
    why: str


def _key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _categorical(cells: list[str]) -> str:
    """``text`` when some value is not a number, ``few`` for few distinct whole numbers
    (fewer than half the rows, at most FEW_CLASSES), else empty."""
    values = [c for c in cells if c != ""]
    if not values:
        return ""
    if not all(_number(c) for c in values):
        return "text"
    numbers = [float(c) for c in values]
    if not all(v == int(v) for v in numbers if abs(v) < 1e15):
        return ""
    distinct = len(set(numbers))
    return "few" if 2 <= distinct <= FEW_CLASSES and distinct * 2 <= len(values) else ""


def guess_label_column(names: Sequence[str], rows: Sequence[Sequence[str]]) -> LabelGuess:
    """Guess which of the columns ``names`` holds the labels, from the names and the first
    ``rows`` of text cells (as many rows as are at hand: a few hundred judge best).

    A column named like a label (``label``, ``class``, ``target``, ``species``, …, any case)
    is taken first, the best-named one when several are; otherwise the only column of text,
    or else the only column of few distinct whole numbers. Anywhere in the table, first column
    included. Two or more equal candidates, or none, give no guess."""
    keys = [_key(n) for n in names]
    named = [i for i in range(len(names)) if keys[i] in LABEL_NAMES]
    if named:
        best = min(named, key=lambda i: LABEL_NAMES.index(keys[i]))
        return LabelGuess(best, f"Column '{names[best]}' is taken as the label from its name.")
    kinds = [_categorical([r[i] for r in rows if i < len(r)]) for i in range(len(names))]
    for kind, what in (("text", "holds text"), ("few", "holds a few whole numbers")):
        found = [i for i, k in enumerate(kinds) if k == kind]
        if len(found) == 1:
            return LabelGuess(found[0], f"Column '{names[found[0]]}' is taken as the label: "
                                        f"it is the only one that {what}.")
        if len(found) > 1:
            listed = ", ".join(f"'{names[i]}'" for i in found[:4])
            return LabelGuess(None, f"Several columns could be the label ({listed}). "
                                    "Choose the one that holds what to predict.")
    return LabelGuess(None, "No column looks like the label. Choose the one that holds what "
                            "to predict.")


def other_label_column(names: Sequence[str], rows: Sequence[Sequence[str]],
                       label: str | None) -> str | None:
    """The name of a column other than ``label`` that stands out as the label (as
    :func:`guess_label_column` judges the rest of the table), or None."""
    keep = [i for i, name in enumerate(names) if name != label]
    guess = guess_label_column([names[i] for i in keep],
                               [[r[i] for i in keep if i < len(r)] for r in rows])
    return names[keep[guess.column]] if guess.column is not None else None
