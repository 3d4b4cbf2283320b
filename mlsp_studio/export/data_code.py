"""What every dataset's part of an exported script is made of: the two random streams of
its ``make_data`` and the ``DataCode`` a writer returns; and the signals' writer, which the
spectrograms' writer builds on (``script_data`` and ``script_seq_data`` share these)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.datasets import SIGNAL_CLASSES

STREAMS = ("    # two random streams from one seed: changing the split never changes the examples\n"
           "    rng, split_rng = (np.random.default_rng(s)\n"
           "                      for s in np.random.SeedSequence(seed).spawn(2))\n")
SPLIT_STREAM = ("    # the split's random stream (the second of two from the seed)\n"
                "    split_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])\n")


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
    return DataCode(f"Short noisy signals of five shapes: {names}.", STREAMS + f"""
    n, length, noise = {o['n_samples']!r}, {o['length']!r}, {o['noise']!r}
    y = np.arange(n) % 5             # (n,) 0 sine, 1 square, 2 sawtooth, 3 chirp, 4 burst
    t = np.arange(length) / length                 # (L,) time from 0 to 1
    top = min(8.0, length / 4)                     # at least 4 samples per cycle
    cycles = rng.uniform(2.0, top, (n, 1))         # (n, 1) cycles in the window
    phase = rng.uniform(0.0, 1.0, (n, 1))          # in cycles
    amplitude = rng.uniform(0.5, 1.0, (n, 1))
    turns = cycles * t + phase                     # (n, L)
    f0 = rng.uniform(1.0, 2.0, (n, 1))             # the chirp's start and end frequencies
    f1 = rng.uniform(top * 0.75, top * 1.5, (n, 1))
    centre = rng.uniform(0.2, 0.8, (n, 1))         # where the noise burst is, and how wide
    width = rng.uniform(0.05, 0.15, (n, 1))
    x = np.empty((n, length))
    for c in range(5):
        rows = y == c
        turn = turns[rows]
        if c == 0:    # sine
            wave = np.sin(2 * np.pi * turn)
        elif c == 1:  # square
            wave = np.where(np.mod(turn, 1.0) < 0.5, 1.0, -1.0)
        elif c == 2:  # sawtooth
            wave = 2.0 * np.mod(turn, 1.0) - 1.0
        elif c == 3:  # chirp: phase = f0 t + (f1 - f0) t^2 / 2 sweeps from f0 up to f1
            sweep = f0[rows] * t + (f1[rows] - f0[rows]) * t**2 / 2
            wave = np.sin(2 * np.pi * (sweep + phase[rows]))
        else:         # noise burst
            envelope = np.exp(-0.5 * ((t - centre[rows]) / width[rows]) ** 2)
            wave = rng.normal(0.0, 1.0, turn.shape) * envelope
        x[rows] = amplitude[rows] * wave
    x += rng.normal(0.0, noise, x.shape)
    x = x[:, None, :]                              # (n, 1, L): one channel
    return split(x, y, classification=True, rng=split_rng)
""")
