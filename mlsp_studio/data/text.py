"""Text for language models: the built-in grammar corpus and a person's own .txt file.

Both give the same layout. ``Split.x`` (n, seq_len) holds one sentence per row as token ids
(word level: ``<cls>`` first), padded with 0 and cut at ``seq_len``; ``Split.y`` (n,) is each
row's length. ``extras``:

- ``"stream"``: {split: 1-D LongTensor of the split's whole text}, for next-token training;
- ``"sentences"``: {split: token ids of each full sentence, without ``<cls>``}, one per row;
- ``"paragraph"``: {split: paragraph number of each sentence}; sentences of one paragraph
  follow each other, so a pair from one paragraph is a true next sentence;
- ``"word_groups"``: {word: group name} (built-in corpus only);
- ``"pattern_eval"``: held-out (zero-shot prompt, few-shot prompt, answer) letter puzzles
  (built-in corpus at character level only);
- ``"fill_examples"``: test sentences with one ``<mask>`` each, for trying a masked model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..readers import corpus as grammar
from ..readers.textfiles import load_text_file
from ..readers.tokenizer import Tokenizer
from .bundle import DataBundle, Split, seed_streams, split_indices, split_sizes

PARTS = ("train", "val", "test")
PATTERN_EVAL_ITEMS = 60
FILL_EXAMPLES = 8


@dataclass
class TextPart:
    """One split's text and its sentences as ``(start, end, paragraph)`` positions in it."""

    text: str
    sentences: list[tuple[int, int, int]]


def char_ids(text: str, tokenizer: Tokenizer) -> np.ndarray:
    """Character-level ids of ``text`` (int64), fast for long texts."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    unique, inverse = np.unique(codes, return_inverse=True)
    table = np.array([tokenizer.encode(chr(c))[0][0] for c in unique.tolist()], dtype=np.int64)
    return table[inverse.reshape(-1)] if len(unique) else np.zeros(0, dtype=np.int64)


def _encode_part(part: TextPart, tokenizer: Tokenizer, seq_len: int, cut: bool
                 ) -> tuple[Split, torch.Tensor, list[list[int]], list[int]]:
    """Rows, stream, sentences and paragraph numbers of one split.

    With ``cut``, sentences longer than a row are cut into row-sized pieces first.
    """
    word = tokenizer.level == "word"
    if word:
        sentences = [tokenizer.encode(part.text[s:e])[0] for s, e, _ in part.sentences]
    else:
        every = char_ids(part.text, tokenizer)
        sentences = [every[s:e].tolist() for s, e, _ in part.sentences]
    paragraphs = [p for _, _, p in part.sentences]
    if cut:
        room = seq_len - word
        pieces = [(s[i:i + room], p) for s, p in zip(sentences, paragraphs, strict=True)
                  for i in range(0, len(s), room)]
        sentences, paragraphs = [s for s, _ in pieces], [p for _, p in pieces]
    kept = [(s, p) for s, p in zip(sentences, paragraphs, strict=True) if s]
    sentences, paragraphs = [s for s, _ in kept], _renumber([p for _, p in kept])
    x = np.zeros((len(sentences), seq_len), dtype=np.int64)
    lengths = np.zeros(len(sentences), dtype=np.int64)
    for row, sentence in enumerate(sentences):
        tokens = ([tokenizer.cls_id] + sentence if word else sentence)[:seq_len]
        x[row, :len(tokens)] = tokens
        lengths[row] = len(tokens)
    stream = np.array([t for s in sentences for t in s], dtype=np.int64) if word else every
    split = Split(torch.from_numpy(x), torch.from_numpy(lengths))
    return split, torch.from_numpy(stream), sentences, paragraphs


def _renumber(paragraphs: list[int]) -> list[int]:
    """Paragraph numbers counted from 0 in order of appearance."""
    out, seen = [], {}
    for p in paragraphs:
        out.append(seen.setdefault(p, len(seen)))
    return out


def text_bundle(name: str, parts: dict[str, TextPart], tokenizer: Tokenizer,
                options: dict[str, Any], cut: bool, extras: dict[str, Any]) -> DataBundle:
    """A ``text`` bundle in the layout this module's docstring describes."""
    encoded = {k: _encode_part(part, tokenizer, options["seq_len"], cut)
               for k, part in parts.items()}
    extras = {"stream": {k: e[1] for k, e in encoded.items()},
              "sentences": {k: e[2] for k, e in encoded.items()},
              "paragraph": {k: e[3] for k, e in encoded.items()}, **extras}
    vocab = tokenizer.vocab
    return DataBundle(
        name=name, task="text", input_kind="tokens", train=encoded["train"][0],
        val=encoded["val"][0], test=encoded["test"][0], input_shape=(options["seq_len"],),
        num_classes=len(vocab), num_targets=0, class_names=list(vocab), options=dict(options),
        vocab=vocab, tokenizer=tokenizer, extras=extras)


def _join_lines(paragraphs: list[list[str]]) -> TextPart:
    """Paragraphs of lines as one text, a line each, with the lines' positions."""
    text, spans, at = [], [], 0
    for number, lines in enumerate(paragraphs):
        for line in lines:
            spans.append((at, at + len(line), number))
            text.append(line + "\n")
            at += len(line) + 1
    return TextPart("".join(text), spans)


def fill_examples(part: TextPart, level: str, rng: np.random.Generator,
                  words: set[str] | None = None, count: int = FILL_EXAMPLES) -> list[str]:
    """Up to ``count`` sentences of ``part`` with one word (word level) or one letter of a
    word (char level) replaced by ``<mask>``; with ``words``, only those words are hidden."""
    out: list[str] = []
    for index in rng.permutation(len(part.sentences)).tolist():
        start, end, _ = part.sentences[index]
        line = part.text[start:end]
        spots = [m for m in re.finditer(r"[^\W\d_]{3,}", line)
                 if words is None or m.group().lower() in words]
        if not spots:
            continue
        spot = spots[int(rng.integers(len(spots)))]
        a, b = spot.span()
        if level == "char":
            a = int(rng.integers(a, b))
            b = a + 1
        out.append(line[:a] + "<mask>" + line[b:])
        if len(out) == count:
            break
    return out


# ---------------------------------------------------------------- the built-in corpus

def _pattern_eval(rng: np.random.Generator, used: set[str]) -> list[tuple[str, str, str]]:
    """Held-out prompts, the rules taking turns: the query word is in no training line."""
    items = []
    for i in range(PATTERN_EVAL_ITEMS):
        rule = grammar.PATTERN_RULES[i % len(grammar.PATTERN_RULES)]
        query = grammar.puzzle_word(rng)
        for _ in range(10_000):  # a word no training line uses, while there are such words
            if query not in used:
                break
            query = grammar.puzzle_word(rng)
        used.add(query)
        shots = [grammar.puzzle_word(rng) for _ in range(2)]
        zero = f"{query}{grammar.PATTERN_ARROW}"
        items.append((zero, grammar.puzzle(rule, shots) + zero, grammar.apply_rule(rule, query)))
    return items


def make_corpus(options: dict[str, Any]) -> DataBundle:
    """Stories from the grammar in ``spec.corpus`` and, at character level, letter puzzles;
    whole paragraphs (a story, or one puzzle line) are dealt out to the splits."""
    rng, split_rng = seed_streams(options["data_seed"])
    level = options["level"]
    share = options["patterns"] if level == "char" else 0.0
    units, used = grammar.corpus_paragraphs(options["n_paragraphs"], share, rng)
    pattern_eval = _pattern_eval(rng, used) if level == "char" else []
    index = split_indices(np.zeros(len(units)), False, options["val_fraction"],
                          options["test_fraction"], split_rng)
    parts = {k: _join_lines([units[i] for i in np.sort(ix)]) for k, ix in zip(PARTS, index,
                                                                            strict=True)}
    groups = grammar.word_groups()
    extras = {"word_groups": groups, "pattern_eval": pattern_eval,
              "fill_examples": fill_examples(parts["test"], level, rng, set(groups))}
    return text_bundle("corpus", parts, grammar.corpus_tokenizer(level), options, False, extras)


# ---------------------------------------------------------------- a person's text file

def make_text_file(options: dict[str, Any]) -> DataBundle:
    """The person's text, read by ``spec.textfiles``: the first sentences train, the next
    ones check progress, the last ones test; sentences longer than a row are cut."""
    loaded = load_text_file(options["path"], options["level"], options["max_vocab"])
    rng, _ = seed_streams(options["data_seed"])
    spans, text = loaded.sentences, loaded.text
    n_train, n_val, _ = split_sizes(len(spans), options["val_fraction"],
                                    options["test_fraction"])
    bounds = [0, n_train, n_train + n_val, len(spans)]
    parts = {}
    for k, lo, hi in zip(PARTS, bounds, bounds[1:], strict=False):
        start = spans[lo][0] if lo < len(spans) else len(text)
        end = spans[hi][0] if hi < len(spans) else len(text)
        parts[k] = TextPart(text[start:end],
                            [(s - start, e - start, p) for s, e, p in spans[lo:hi]])
    extras = {"word_groups": {}, "pattern_eval": [],
              "fill_examples": fill_examples(parts["test"], options["level"], rng)}
    return text_bundle("text_file", parts, loaded.tokenizer, options, True, extras)
