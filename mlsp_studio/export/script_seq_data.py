"""The data part of an exported script for the generated sequence tasks.

Each ``make_data`` calls the drawing function of its maker in ``mlsp_studio.data.sequences``
(``recall_examples``, ``digit_pairs``, ...; ``spectrograms`` for the spectrograms) with the
dataset's settings and the same random streams, and ``script_data`` copies those functions
into the script as they stand, so the script gets the very examples the studio makes. Token
ids count the five special tokens first (<pad> <unk> <mask> <cls> <sep>), as the studio's
vocabularies do; the settings rows say which id is which symbol.
"""

from __future__ import annotations

from typing import Any

from ..model import seq_datasets as sd
from .data_code import STREAMS, DataCode

# The drawing functions a make_data body below calls: the module under mlsp_studio.data and
# what is copied for each, the functions it calls first (the form of script_data.COPIED).
SEQ_COPIED: dict[str, tuple[str, tuple[str, ...]]] = {
    "recall_examples": ("sequences", ("recall_examples",)),
    "tagging_examples": ("sequences", ("tagging_examples",)),
    "counting_examples": ("sequences", ("counting_examples",)),
    "token_map_examples": ("sequences", ("distinct_rows", "apply_operation",
                                         "token_map_examples")),
    "digit_pairs": ("sequences", ("distinct_rows", "apply_operation", "digit_pairs")),
    "sum_pairs": ("sequences", ("distinct_rows", "sum_pairs")),
    "event_examples": ("sequences", ("event_patterns", "event_examples")),
}

TOKENS = "int64 token ids"
SPLIT_TOKENS = "return split(x, y, classification=True, rng=split_rng, tokens=True)"
ZERO = f"zero = {len(sd.SPECIALS)}  # the token id of the digit 0, after the special tokens"


def _body(*lines: str) -> str:
    """A make_data body: the two random streams, then ``lines`` (each without the indent)."""
    return STREAMS + "".join(f"    {line}\n" for line in lines)


def _recall(o: dict[str, Any], task: str) -> DataCode:
    k = o["symbols"]
    ids = {text: i for i, text in enumerate(sd.recall_tokenizer(k).vocab)}
    letters = sd.RECALL_SYMBOLS[:k]
    return DataCode(f"A symbol, {o['delay']} filler tokens, then '?': the label is the symbol.",
                    _body(f"n, delay = {o['n_samples']!r}, {o['delay']!r}",
                          f"# token ids: {len(sd.SPECIALS)} special tokens, then "
                          + " ".join([*letters, *sd.RECALL_DISTRACTORS, sd.RECALL_QUERY]),
                          f"symbols = {[ids[s] for s in letters]!r}  # to remember",
                          f"fillers = {[ids[s] for s in sd.RECALL_DISTRACTORS]!r}  # "
                          "meaningless filler",
                          f"query = {ids[sd.RECALL_QUERY]}  # the '{sd.RECALL_QUERY}' at the end",
                          "x, y = recall_examples(n, delay, symbols, fillers, query, rng)",
                          SPLIT_TOKENS), x_type=TOKENS)


def _tagging(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Random digits; each digit's tag is (it + the next digit) mod 3.",
                    _body(f"n, length = {o['n_samples']!r}, {o['length']!r}", ZERO,
                          "x, y = tagging_examples(n, length, zero, rng)  # both (n, length)",
                          SPLIT_TOKENS), x_type=TOKENS)


def _counting(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("A start digit (and a step digit) in; the next digits of the count out.",
                    _body(f"n, length = {o['n_samples']!r}, {o['length']!r}",
                          f"with_step = {bool(o['with_step'])!r}  # False: count in steps of 1",
                          ZERO, "x, y = counting_examples(n, length, with_step, zero, rng)",
                          SPLIT_TOKENS), x_type=TOKENS)


def _token_map(o: dict[str, Any], task: str) -> DataCode:
    return DataCode(f"Rows of random symbols; each position's label: the {o['operation']} of "
                    "the row.",
                    _body(f"n, length, k = {o['n_samples']!r}, {o['length']!r}, "
                          f"{o['symbols']!r}  # k different symbols",
                          f"operation = {o['operation']!r}", ZERO,
                          "x, y = token_map_examples(n, length, k, operation, zero, rng)",
                          SPLIT_TOKENS), x_type=TOKENS)


def _seq_pairs(o: dict[str, Any], task: str) -> DataCode:
    operation = o["operation"]
    vocab = sd.seq_pairs_tokenizer(operation).vocab
    zero = f"zero = {vocab.index('0')}  # the token id of the digit 0 (after the special tokens)"
    if operation == "add":
        lines = [zero, f"plus = {vocab.index('+')}  # the token id of '+'",
                 "x, y = sum_pairs(n, length, zero, plus, rng)  # 'a+b' and the sum's digits"]
    else:
        lines = [f"operation = {operation!r}", zero,
                 "x, y = digit_pairs(n, length, operation, zero, rng)  # both (n, length)"]
    return DataCode(f"Pairs of digit rows: the target is the source's {operation}.",
                    _body(f"n, length = {o['n_samples']!r}, {o['length']!r}", *lines,
                          SPLIT_TOKENS), x_type=TOKENS)


def _events(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Noise with one class pattern added over a short random stretch.",
                    _body(f"n, length, features = {o['n_samples']!r}, {o['length']!r}, "
                          f"{o['features']!r}",
                          f"classes, span, noise = {o['classes']!r}, {o['event_length']!r}, "
                          f"{o['noise']!r}",
                          "x, y, _ = event_examples(n, length, features, classes, span, noise,"
                          " rng)  # x (n, T, F)", "return split(x, y, classification=True, "
                          "rng=split_rng)"))


def _spectrograms(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("The five signal shapes as log spectrograms: frames of frequency bins.",
                    _body(f"n, length, noise = {o['n_samples']!r}, {o['length']!r}, "
                          f"{o['noise']!r}",
                          "x, y = signal_waves(n, length, noise, rng)  # x (n, 1, L), y (n,) "
                          "the shape 0..4",
                          "waves = split(x, y, classification=True, rng=split_rng)",
                          f"n_fft, hop = {o['n_fft']!r}, {o['hop']!r}  # samples per frame "
                          "and between frames",
                          "return spectrogram_parts(waves, n_fft, hop)  # x (n, frames, bins)"))


SEQ_DATA_WRITERS = {"recall": _recall, "tagging": _tagging, "counting": _counting,
                    "token_map": _token_map, "seq_pairs": _seq_pairs, "events": _events,
                    "spectrograms": _spectrograms}
