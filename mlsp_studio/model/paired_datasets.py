"""Paired datasets for cross-modal learning: two kinds of data that say the same thing.

Listed in :data:`~mlsp_studio.model.datasets.DATASET_SPECS`; the tensors are made in
``mlsp_studio.data.paired``.
"""

from __future__ import annotations

from typing import Any

from .blocks import Context, p_float, p_int
from .dataset_base import DatasetSpec, _opts

# Touch-tone (DTMF) keypad: a key is a row tone plus a column tone.
KEYPAD_ROWS = ("123", "456", "789", "*0#")
ROW_CYCLES = (4.0, 5.5, 7.0, 8.5)       # low tones, in cycles per 64 samples
COLUMN_CYCLES = (12.0, 15.0, 18.0)      # high tones


def digit_tones(digit: int) -> tuple[float, float]:
    """The (row, column) tone of ``digit``'s key, in cycles per 64 samples."""
    for r, row in enumerate(KEYPAD_ROWS):
        if str(digit) in row:
            return ROW_CYCLES[r], COLUMN_CYCLES[row.index(str(digit))]
    raise ValueError(f"no key for the digit {digit!r}")


def _paired_context(o: dict[str, Any]) -> Context:
    return Context({"x": (1, 8, 8), "pair": (1, o["length"])}, num_classes=10)


PAIRED_DATASETS = (
    DatasetSpec(
        "paired_digits", "Digits paired with tones",
        "Each handwritten 8x8 digit (input x) comes with a short sound (input \"pair\") that "
        "says the same digit the way a telephone keypad does: two tones mixed, one for the "
        "key's row and one for its column, each with a random phase, loudness and a slight "
        "detune, in noise. Digits in the same row share a tone. The label is the digit; a "
        "cross-modal model never sees it and has to find that the two halves agree.",
        "classification", "image",
        _opts(p_int("length", 64, 32, 512, "Samples in each sound."),
              p_float("noise", 0.5, 0.0, 2.0, "Standard deviation of the noise added to "
                      "each sound; the tones are about 1 loud.")),
        _paired_context),
)

