"""Generated sequence tasks: recall after a delay, tagging with future context, counting, the
copy / reverse / sort / add pairs, per-position token maps and events hidden in noise.

Token inputs are int64 ids of the dataset's vocabulary (``mlsp_studio.model.seq_datasets``
builds the same tokenizers, so the window knows the vocabulary size before torch loads).

Each maker draws its examples with a plain function of numpy and its own arguments
(``recall_examples``, ``digit_pairs``, ``event_examples``, ...), which an exported script
copies as it stands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..model import seq_datasets as sd
from .bundle import DataBundle, Split, seed_streams, split_indices


def sequence_bundle(name: str, task: str, input_kind: str, x: np.ndarray, y: np.ndarray,
                    options: dict[str, Any], split_rng: np.random.Generator, *,
                    class_names: list[str], num_classes: int | None = None,
                    tokenizer: Any = None, extra: dict[str, np.ndarray] | None = None,
                    extra_inputs: dict[str, tuple[int, ...]] | None = None,
                    extras: dict[str, Any] | None = None) -> DataBundle:
    """Split numpy arrays into a bundle: token ``x`` becomes int64, float ``x`` float32, ``y``
    int64. One label per example is dealt out evenly over the splits, class by class.

    ``extra`` holds further per-example arrays (n rows each), split with the examples.
    """
    tokens = input_kind == "tokens"
    x = np.ascontiguousarray(x, dtype=np.int64 if tokens else np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    extra = {k: np.ascontiguousarray(v) for k, v in (extra or {}).items()}
    per_example = y.ndim == 1
    parts = split_indices(y if per_example else np.zeros(len(y)), per_example,
                          options["val_fraction"], options["test_fraction"], split_rng)

    def part(index: np.ndarray) -> Split:
        return Split(torch.from_numpy(x[index]), torch.from_numpy(y[index]),
                     {k: torch.from_numpy(v[index]) for k, v in extra.items()})

    train, val, test = (part(index) for index in parts)
    return DataBundle(
        name=name, task=task, input_kind=input_kind, train=train, val=val, test=test,
        input_shape=tuple(int(d) for d in x.shape[1:]),
        num_classes=len(class_names) if num_classes is None else num_classes, num_targets=0,
        class_names=list(class_names), options=dict(options),
        vocab=tokenizer.vocab if tokenizer is not None else (), tokenizer=tokenizer,
        extra_inputs=dict(extra_inputs or {}), extras=dict(extras or {}))


def distinct_rows(draw, n: int) -> np.ndarray:
    """Up to ``n`` different rows from ``draw(count)``, in the order drawn, so that no test
    example is a copy of a training one (fewer than ``n`` when few different rows exist)."""
    rows = draw(2 * n)
    _, first = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first)][:n]


# ---------------------------------------------------------------- recall after a delay

def recall_examples(n: int, delay: int, symbols: list[int], fillers: list[int], query: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of token ids (n, delay + 2): one of the ``symbols`` (ids), ``delay`` random
    ``fillers`` (ids), then the ``query`` id. The label (n,) is the symbol's index; every
    symbol is used equally often."""
    symbols, fillers = np.asarray(symbols), np.asarray(fillers)
    y = rng.permutation(np.arange(n) % len(symbols))
    x = np.empty((n, delay + 2), dtype=np.int64)
    x[:, 0] = symbols[y]
    x[:, 1:-1] = fillers[rng.integers(0, len(fillers), (n, delay))]
    x[:, -1] = query
    return x, y


def make_recall(options: dict[str, Any]) -> DataBundle:
    """A symbol, ``delay`` distractors, then the query mark; the label is the symbol."""
    rng, split_rng = seed_streams(options["data_seed"])
    k = options["symbols"]
    tokenizer = sd.recall_tokenizer(k)
    ids = {text: i for i, text in enumerate(tokenizer.vocab)}
    symbols = [ids[s] for s in sd.RECALL_SYMBOLS[:k]]
    distractors = [ids[s] for s in sd.RECALL_DISTRACTORS]
    x, y = recall_examples(options["n_samples"], options["delay"], symbols, distractors,
                           ids[sd.RECALL_QUERY], rng)
    return sequence_bundle("recall", "classification", "tokens", x, y, options, split_rng,
                           class_names=list(sd.RECALL_SYMBOLS[:k]), tokenizer=tokenizer)


# ---------------------------------------------------------------- tagging

def tagging_examples(n: int, length: int, zero: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of random digits as token ids ``zero + digit`` (n, length), and each digit's
    tag (n, length): (this digit + the next digit) mod 3, the last digit's its own value
    mod 3."""
    digits = rng.integers(0, 10, (n, length))
    following = np.concatenate([digits[:, 1:], np.zeros((n, 1), dtype=digits.dtype)], axis=1)
    return zero + digits, (digits + following) % 3


def make_tagging(options: dict[str, Any]) -> DataBundle:
    """Random digits; the tag of each is (this digit + the next digit) mod 3, and the last
    digit's tag is its own value mod 3."""
    rng, split_rng = seed_streams(options["data_seed"])
    x, y = tagging_examples(options["n_samples"], options["length"], len(sd.SPECIALS), rng)
    return sequence_bundle("tagging", "classification", "tokens", x, y, options, split_rng,
                           class_names=list(sd.TAG_NAMES), tokenizer=sd.digit_tokenizer())


# ---------------------------------------------------------------- counting (vector → sequence)

def counting_examples(n: int, length: int, with_step: bool, zero: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random start digit (and, ``with_step``, a step digit 1..9, else steps of 1) as token
    ids ``zero + digit`` (n, 1 or 2); the label (n, length): the next ``length`` digits of
    the count, mod 10."""
    start = rng.integers(0, 10, n)
    step = rng.integers(1, 10, n) if with_step else np.ones(n, dtype=np.int64)
    y = (start[:, None] + step[:, None] * np.arange(1, length + 1)) % 10
    x = zero + np.stack([start, step] if with_step else [start], axis=1)
    return x, y


def make_counting(options: dict[str, Any]) -> DataBundle:
    """A start digit (and a step digit) in; the next ``length`` digits of the count out."""
    rng, split_rng = seed_streams(options["data_seed"])
    x, y = counting_examples(options["n_samples"], options["length"], options["with_step"],
                             len(sd.SPECIALS), rng)
    return sequence_bundle("counting", "classification", "tokens", x, y, options, split_rng,
                           class_names=list(sd.SYMBOLS[:10]), tokenizer=sd.digit_tokenizer())


# ---------------------------------------------------------------- copy, reverse, sort, add

def apply_operation(operation: str, rows: np.ndarray) -> np.ndarray:
    """Each row copied, reversed or sorted."""
    if operation == "copy":
        return rows.copy()
    if operation == "reverse":
        return rows[:, ::-1].copy()
    if operation == "sort":
        return np.sort(rows, axis=1)
    raise ValueError(f"unknown operation {operation!r}")


def digit_pairs(n: int, length: int, operation: str, zero: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` different rows of ``length`` random digits and the same rows copied,
    reversed or sorted, both as token ids ``zero + digit`` (n, length)."""
    source = distinct_rows(lambda m: rng.integers(0, 10, (m, length)), n)
    return zero + source, zero + apply_operation(operation, source)


def sum_pairs(n: int, length: int, zero: int, plus: int, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` different pairs of ``length``-digit numbers written "a + b" (n, 2 length
    + 1) and their sum in ``length + 1`` digits, zeros in front (n, length + 1): token ids
    ``zero + digit``, and ``plus`` for the plus sign."""
    pairs = distinct_rows(lambda m: rng.integers(0, 10, (m, 2 * length)), n)
    powers = 10 ** np.arange(length - 1, -1, -1, dtype=np.int64)
    total = pairs[:, :length] @ powers + pairs[:, length:] @ powers
    target = (total[:, None] // (10 ** np.arange(length, -1, -1, dtype=np.int64))) % 10
    sign = np.full((len(pairs), 1), plus - zero)
    source = np.concatenate([pairs[:, :length], sign, pairs[:, length:]], axis=1)
    return zero + source, zero + target


def make_seq_pairs(options: dict[str, Any]) -> DataBundle:
    """Source and target token ids for an encoder-decoder: digits copied, reversed or sorted,
    or two ``length``-digit numbers and their sum (``length + 1`` digits, zeros in front)."""
    rng, split_rng = seed_streams(options["data_seed"])
    n, length, operation = options["n_samples"], options["length"], options["operation"]
    tokenizer = sd.seq_pairs_tokenizer(operation)
    zero = tokenizer.vocab.index("0")
    if operation == "add":
        source, target = sum_pairs(n, length, zero, tokenizer.vocab.index("+"), rng)
    else:
        source, target = digit_pairs(n, length, operation, zero, rng)
    return sequence_bundle("seq_pairs", "sequence", "tokens", source, target,
                           options, split_rng, class_names=list(tokenizer.vocab),
                           tokenizer=tokenizer, extra_inputs={"dec": (target.shape[1],)},
                           extras={"bos_id": tokenizer.vocab.index(sd.BOS)})


def token_map_examples(n: int, length: int, k: int, operation: str, zero: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` different rows of ``length`` symbols 0..k-1 as token ids ``zero + symbol``
    (n, length); at each position the label is the symbol the operation (copy, reverse,
    sort) puts there (n, length)."""
    symbols = distinct_rows(lambda m: rng.integers(0, k, (m, length)), n)
    return zero + symbols, apply_operation(operation, symbols)


def make_token_map(options: dict[str, Any]) -> DataBundle:
    """Token ids in; at each position the class of the token the operation puts there."""
    rng, split_rng = seed_streams(options["data_seed"])
    k = options["symbols"]
    x, y = token_map_examples(options["n_samples"], options["length"], k,
                              options["operation"], len(sd.SPECIALS), rng)
    return sequence_bundle("token_map", "classification", "tokens", x, y, options, split_rng,
                           class_names=list(sd.SYMBOLS[:k]), tokenizer=sd.symbol_tokenizer(k))


# ---------------------------------------------------------------- events in noise

def event_patterns(classes: int, features: int, rng: np.random.Generator) -> np.ndarray:
    """One pattern across the features per class (classes, features): orthogonal directions
    and, past ``features`` classes, their negatives; each has mean square 1 per feature."""
    basis, _ = np.linalg.qr(rng.normal(size=(features, features)))
    directions = np.concatenate([basis.T, -basis.T])[:classes]
    return directions * np.sqrt(features)


def event_examples(n: int, length: int, features: int, classes: int, span: int,
                   noise: float, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise (n, length, features) of spread ``noise``, with the pattern of each example's
    class added over ``span`` steps from a random start; every class is used equally often.
    Returns x (float32), the labels (n,) and the starts (n,)."""
    patterns = event_patterns(classes, features, rng)
    y = rng.permutation(np.arange(n) % classes)
    start = rng.integers(0, length - span + 1, n)
    x = rng.standard_normal((n, length, features), dtype=np.float32) * noise
    inside = np.arange(length)[None, :] - start[:, None]               # (n, T) since the start
    active = (inside >= 0) & (inside < span)
    x += active[:, :, None] * patterns[y][:, None, :].astype(np.float32)
    return x, y, start


def make_events(options: dict[str, Any]) -> DataBundle:
    """Noise (length, features) with one class pattern added over a random stretch of
    ``event_length`` steps; ``Split.extra["event"]`` holds its (start, end), end excluded."""
    rng, split_rng = seed_streams(options["data_seed"])
    classes, span = options["classes"], options["event_length"]
    x, y, start = event_examples(options["n_samples"], options["length"], options["features"],
                                 classes, span, options["noise"], rng)
    event = np.stack([start, start + span], axis=1)
    return sequence_bundle("events", "classification", "sequence", x, y, options, split_rng,
                           class_names=list(sd.EVENT_NAMES[:classes]),
                           extra={"event": event.astype(np.int64)})
