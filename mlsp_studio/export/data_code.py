"""What every dataset's part of an exported script is made of: the line that starts its
``make_data`` (the two random streams), the ``DataCode`` a writer returns, and the signals'
writer, which the spectrograms' writer builds on (``script_data`` and ``script_seq_data``
share these).

A body calls the studio's own drawing functions (``seed_streams``, ``signal_waves``, ...);
``script_data.make_data_source`` copies every one it calls above ``make_data``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.datasets import SIGNAL_CLASSES

# the examples' stream and the split's, from one seed: changing the split never changes the
# examples (SPLIT_STREAM: the split's alone, for data without random draws of its own)
STREAMS = "    rng, split_rng = seed_streams(seed)  # one stream for the examples, one to split\n"
SPLIT_STREAM = "    _, split_rng = seed_streams(seed)  # the split's stream (the second of two)\n"


@dataclass(frozen=True)
class DataCode:
    """One dataset's ``make_data``: its docstring's first line and its body (indented by 4),
    the import lines it needs beyond numpy and torch, and constants it reads."""

    doc: str
    body: str
    imports: tuple[str, ...] = ()
    constants: tuple[str, ...] = ()
    x_type: str = "float32"


Writer = Callable[[dict[str, Any], str], DataCode]


def signals_data(o: dict[str, Any], task: str) -> DataCode:
    names = ", ".join(SIGNAL_CLASSES)
    return DataCode(f"Short noisy signals of five shapes: {names}.", "".join([
        STREAMS,
        f"    n, length, noise = {o['n_samples']!r}, {o['length']!r}, {o['noise']!r}\n",
        "    x, y = signal_waves(n, length, noise, rng)  # x (n, 1, L), y (n,) the shape 0..4\n",
        "    return split(x, y, classification=True, rng=split_rng)\n"]))
