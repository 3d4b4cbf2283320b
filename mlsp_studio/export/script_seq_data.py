"""The data part of an exported script for the generated sequence tasks, in plain numpy.

Each writer follows its maker in ``mlsp_studio.data.sequences`` (or ``spectrograms``) step by
step with the same random streams, so the script gets the very examples the studio makes.
Token ids count the five special tokens first (<pad> <unk> <mask> <cls> <sep>), as the
studio's vocabularies do.
"""

from __future__ import annotations

from typing import Any

from ..model import seq_datasets as sd
from .data_code import STREAMS, DataCode, signals_data

SPECIALS = len(sd.SPECIALS)  # ids 0..4 are the special tokens; the symbols come after

DISTINCT = '''
    def distinct_rows(draw, n):
        """Up to n different rows from draw(count), in the order drawn, so that no test
        example is a copy of a training one."""
        rows = draw(2 * n)
        _, first = np.unique(rows, axis=0, return_index=True)
        return rows[np.sort(first)][:n]
'''

OPERATION = '''
    def apply(operation, rows):
        """Each row copied, reversed or sorted."""
        if operation == "copy":
            return rows.copy()
        if operation == "reverse":
            return rows[:, ::-1].copy()
        return np.sort(rows, axis=1)
'''


def _recall(o: dict[str, Any], task: str) -> DataCode:
    k = o["symbols"]
    vocab = " ".join([*sd.RECALL_SYMBOLS[:k], *sd.RECALL_DISTRACTORS, sd.RECALL_QUERY])
    return DataCode(f"A symbol, {o['delay']} filler tokens, then '?': the label is the symbol.",
                    STREAMS + f"""
    n, delay, k = {o['n_samples']!r}, {o['delay']!r}, {k!r}
    # token ids: {SPECIALS} special tokens, then {vocab}
    symbols = {SPECIALS} + np.arange(k)                     # the symbols to remember
    fillers = {SPECIALS} + k + np.arange({len(sd.RECALL_DISTRACTORS)})  # meaningless filler
    query = {SPECIALS} + k + {len(sd.RECALL_DISTRACTORS)}                    # the '?' at the end
    y = rng.permutation(np.arange(n) % k)                # (n,) as many of every symbol
    x = np.empty((n, delay + 2), dtype=np.int64)         # (n, delay + 2) token ids
    x[:, 0] = symbols[y]
    x[:, 1:-1] = fillers[rng.integers(0, len(fillers), (n, delay))]
    x[:, -1] = query
    return split(x, y, classification=True, rng=split_rng, tokens=True)
""", x_type="int64 token ids")


def _tagging(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Random digits; each digit's tag is (it + the next digit) mod 3.",
                    STREAMS + f"""
    n, length = {o['n_samples']!r}, {o['length']!r}
    digits = rng.integers(0, 10, (n, length))             # (n, L)
    following = np.concatenate([digits[:, 1:], np.zeros((n, 1), dtype=digits.dtype)], axis=1)
    y = (digits + following) % 3                          # (n, L) the last digit: itself mod 3
    x = {SPECIALS} + digits                                    # token ids: the specials come first
    return split(x, y, classification=True, rng=split_rng, tokens=True)
""", x_type="int64 token ids")


def _counting(o: dict[str, Any], task: str) -> DataCode:
    parts = "[start, step]" if o["with_step"] else "[start]"
    step = ("rng.integers(1, 10, n)" if o["with_step"] else "np.ones(n, dtype=np.int64)")
    return DataCode("A start digit (and a step digit) in; the next digits of the count out.",
                    STREAMS + f"""
    n, length = {o['n_samples']!r}, {o['length']!r}
    start = rng.integers(0, 10, n)
    step = {step}
    y = (start[:, None] + step[:, None] * np.arange(1, length + 1)) % 10  # (n, length)
    x = {SPECIALS} + np.stack({parts}, axis=1)           # token ids: the specials come first
    return split(x, y, classification=True, rng=split_rng, tokens=True)
""", x_type="int64 token ids")


def _token_map(o: dict[str, Any], task: str) -> DataCode:
    return DataCode(f"Rows of random symbols; each position's label: the {o['operation']} of "
                    "the row.", STREAMS + DISTINCT + OPERATION + f"""
    n, length, k = {o['n_samples']!r}, {o['length']!r}, {o['symbols']!r}
    symbols = distinct_rows(lambda m: rng.integers(0, k, (m, length)), n)  # (n, L)
    y = apply({o['operation']!r}, symbols)               # (n, L) the class at each position
    x = {SPECIALS} + symbols                                   # token ids: the specials come first
    return split(x, y, classification=True, rng=split_rng, tokens=True)
""", x_type="int64 token ids")


def _seq_pairs(o: dict[str, Any], task: str) -> DataCode:
    operation = o["operation"]
    tokenizer = sd.seq_pairs_tokenizer(operation)
    zero = tokenizer.vocab.index("0")
    if operation == "add":
        body = f"""
    pairs = distinct_rows(lambda m: rng.integers(0, 10, (m, 2 * length)), n)
    powers = 10 ** np.arange(length - 1, -1, -1, dtype=np.int64)
    total = pairs[:, :length] @ powers + pairs[:, length:] @ powers  # the two numbers' sum
    target = (total[:, None] // (10 ** np.arange(length, -1, -1, dtype=np.int64))) % 10
    plus = np.full((len(pairs), 1), {tokenizer.vocab.index('+') - zero})  # '+' between them
    source = np.concatenate([pairs[:, :length], plus, pairs[:, length:]], axis=1)
"""
    else:
        body = f"""
    source = distinct_rows(lambda m: rng.integers(0, 10, (m, length)), n)  # (n, L) digits
    target = apply({operation!r}, source)
"""
    return DataCode(f"Pairs of digit rows: the target is the source's {operation}.",
                    STREAMS + DISTINCT + (OPERATION if operation != "add" else "") + f"""
    n, length = {o['n_samples']!r}, {o['length']!r}""" + body + f"""
    # token ids: digit d is {zero} + d (the specials come first); y is the target row
    return split({zero} + source, {zero} + target, classification=True, rng=split_rng,
                 tokens=True)
""", x_type="int64 token ids")


def _events(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Noise with one class pattern added over a short random stretch.",
                    STREAMS + f"""
    n, length, features = {o['n_samples']!r}, {o['length']!r}, {o['features']!r}
    classes, span, noise = {o['classes']!r}, {o['event_length']!r}, {o['noise']!r}
    # one pattern across the features per class: orthogonal directions, then their negatives
    basis, _ = np.linalg.qr(rng.normal(size=(features, features)))
    patterns = np.concatenate([basis.T, -basis.T])[:classes] * np.sqrt(features)
    y = rng.permutation(np.arange(n) % classes)           # (n,) as many of every class
    start = rng.integers(0, length - span + 1, n)         # where each event begins
    x = rng.standard_normal((n, length, features), dtype=np.float32) * noise  # (n, T, F)
    inside = np.arange(length)[None, :] - start[:, None]  # (n, T) steps since the start
    active = (inside >= 0) & (inside < span)
    x += active[:, :, None] * patterns[y][:, None, :].astype(np.float32)
    return split(x, y, classification=True, rng=split_rng)
""")


def _spectrograms(o: dict[str, Any], task: str) -> DataCode:

    waves = signals_data(o, task)
    body = waves.body.replace("    return split(x, y, classification=True, rng=split_rng)\n",
                              "    waves = split(x, y, classification=True, rng=split_rng)\n")
    return DataCode("The five signal shapes as log spectrograms: frames of frequency bins.",
                    body + f"""
    n_fft, hop = {o['n_fft']!r}, {o['hop']!r}
    frames = 1 + (length - n_fft) // hop
    starts = hop * np.arange(frames)
    spectra = {{}}
    for name, (signal, _) in waves.items():
        windows = signal[:, 0].double().numpy()[:, starts[:, None] + np.arange(n_fft)]
        spectrum = np.fft.rfft(windows * np.hanning(n_fft), axis=-1)  # (n, frames, bins)
        spectra[name] = np.log(np.abs(spectrum) + 1e-3)
    # mean 0 and spread 1, measured on the training examples
    mean, std = spectra["train"].mean(), max(spectra["train"].std(), 1e-6)
    return {{name: (torch.from_numpy(((spectra[name] - mean) / std).astype(np.float32)), y)
            for name, (_, y) in waves.items()}}
""")


SEQ_DATA_WRITERS = {"recall": _recall, "tagging": _tagging, "counting": _counting,
                    "token_map": _token_map, "seq_pairs": _seq_pairs, "events": _events,
                    "spectrograms": _spectrograms}
