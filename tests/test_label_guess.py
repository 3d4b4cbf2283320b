"""The label column is guessed from its name or from being the only categorical column,
anywhere in the table; with no clear candidate there is no guess (the person is asked)."""

from __future__ import annotations

import pytest

from mlsp_studio.readers.label_guess import guess_label_column, other_label_column


def _rows(*columns: list[str]) -> list[list[str]]:
    return [list(row) for row in zip(*columns, strict=True)]


FLOATS = [f"{0.37 * i - 2.1:.2f}" for i in range(30)]
MORE_FLOATS = [f"{1.3 * i % 7.1:.3f}" for i in range(30)]
FEW_INTS = [str(i % 3) for i in range(30)]
MANY_INTS = [str(i * 7) for i in range(30)]
TEXT = [("setosa", "versicolor", "virginica")[i % 3] for i in range(30)]


@pytest.mark.parametrize("name", ["label", "Label", "LABELS", "class", "Target", "y", "digit",
                                  "Category", "species", "class_label", "Ground Truth"])
def test_a_column_named_like_a_label_is_taken_even_when_first(name) -> None:
    guess = guess_label_column([name, "a", "b"], _rows(FEW_INTS, FLOATS, MORE_FLOATS))
    assert guess.column == 0 and name in guess.why and "name" in guess.why


def test_the_best_name_wins_over_a_lesser_one_and_over_values() -> None:
    names = ["y", "petal", "label", "colour"]
    guess = guess_label_column(names, _rows(FLOATS, MORE_FLOATS, FEW_INTS, TEXT))
    assert guess.column == 2


def test_the_only_text_column_is_the_label_wherever_it_is() -> None:
    guess = guess_label_column(["kind", "width", "height"], _rows(TEXT, FLOATS, MORE_FLOATS))
    assert guess.column == 0 and "only one that holds text" in guess.why
    guess = guess_label_column(["width", "flower", "height"], _rows(FLOATS, TEXT, MORE_FLOATS))
    assert guess.column == 1


def test_the_only_column_of_few_whole_numbers_is_the_label() -> None:
    guess = guess_label_column(["column 1", "column 2", "column 3"],
                               _rows(FEW_INTS, FLOATS, MANY_INTS))
    assert guess.column == 0 and "few whole numbers" in guess.why


@pytest.mark.parametrize("columns", [
    (FLOATS, MORE_FLOATS, MANY_INTS),          # all numbers, none categorical
    (FEW_INTS, FLOATS, FEW_INTS),              # two equal candidates
    (TEXT, FLOATS, TEXT),
])
def test_no_clear_candidate_gives_no_guess_and_a_question(columns) -> None:
    guess = guess_label_column(["a", "b", "c"], _rows(*columns))
    assert guess.column is None and guess.why.endswith("what to predict.")
    assert "Choose" in guess.why


def test_another_column_that_looks_like_the_label() -> None:
    names, rows = ["species", "width", "height"], _rows(TEXT, FLOATS, MORE_FLOATS)
    assert other_label_column(names, rows, "height") == "species"
    assert other_label_column(names, rows, "species") is None
