"""Sequence and text datasets: their options, vocabularies and shapes, without torch.

Listed in :data:`~mlsp_studio.model.datasets.DATASET_SPECS`; the tensors are made in
``mlsp_studio.data.sequences``, ``data.text`` and ``data.spectrograms``. Token datasets say
their vocabulary size here, so an Embedding left at "from the data" gets its size before any
data is made.
"""

from __future__ import annotations

from typing import Any

from ..errors import ParamError
from ..readers.corpus import corpus_tokenizer
from ..readers.textfiles import load_text_file
from ..readers.tokenizer import LEVELS, SPECIALS, Tokenizer
from .blocks import Context, p_bool, p_choice, p_float, p_int
from .dataset_base import SIGNAL_CLASSES, DatasetSpec, _n, _noise, _opts
from .params import ParamSpec

__all__ = ["BOS", "SEQ_DATASETS", "SPECIALS", "SYMBOLS", "digit_tokenizer", "recall_tokenizer",
           "seq_pairs_tokenizer", "symbol_tokenizer"]

BOS = "<bos>"
SYMBOLS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RECALL_SYMBOLS = "ABCDEFGHIJKLMNOP"
RECALL_DISTRACTORS = ("-", "~", "=")
RECALL_QUERY = "?"
TAG_NAMES = ("0", "1", "2")
EVENT_NAMES = tuple(f"event {c}" for c in "ABCDEFGH")
OPERATIONS = ("copy", "reverse", "sort")
MAX_EVENT_VALUES = 20_000_000


def recall_tokenizer(symbols: int) -> Tokenizer:
    """Symbols ``A``, ``B``, …, the distractors ``- ~ =`` and the query mark ``?``."""
    return Tokenizer.from_symbols([*RECALL_SYMBOLS[:symbols], *RECALL_DISTRACTORS,
                                   RECALL_QUERY], "char")


def digit_tokenizer() -> Tokenizer:
    """The ten digits, after the special tokens."""
    return Tokenizer.from_symbols(SYMBOLS[:10], "char")


def symbol_tokenizer(count: int) -> Tokenizer:
    """``count`` symbols: the digits, then lowercase and uppercase letters."""
    return Tokenizer.from_symbols(SYMBOLS[:count], "char")


def seq_pairs_tokenizer(operation: str) -> Tokenizer:
    """The start token ``<bos>``, the digits and, for addition, ``+``."""
    symbols = [*SYMBOLS[:10], *(["+"] if operation == "add" else [])]
    return Tokenizer.from_symbols(symbols, "char", specials=(BOS,))


def _tokens(x: tuple[int, ...], classes: int, tokenizer: Tokenizer,
            **extra_inputs: tuple[int, ...]) -> Context:
    return Context({"x": x, **extra_inputs}, num_classes=classes, vocab_size=len(tokenizer))


def _seq_pairs_context(o: dict[str, Any]) -> Context:
    tokenizer = seq_pairs_tokenizer(o["operation"])
    length = o["length"]
    if o["operation"] == "add":
        return _tokens((2 * length + 1,), len(tokenizer), tokenizer, dec=(length + 1,))
    return _tokens((length,), len(tokenizer), tokenizer, dec=(length,))


def _events_context(o: dict[str, Any]) -> Context:
    if o["event_length"] >= o["length"]:
        raise ParamError(f"events: event_length ({o['event_length']}) must be shorter than "
                         f"length ({o['length']})")
    if o["classes"] > 2 * o["features"]:
        raise ParamError(f"events: {o['classes']} classes need at least "
                         f"{(o['classes'] + 1) // 2} features, not {o['features']}")
    values = o["n_samples"] * o["length"] * o["features"]
    if values > MAX_EVENT_VALUES:
        raise ParamError(f"events: n_samples x length x features is {values:,}, more than "
                         f"the {MAX_EVENT_VALUES:,} values allowed; make one of them smaller")
    return Context({"x": (o["length"], o["features"])}, num_classes=o["classes"])


def spectrogram_shape(length: int, n_fft: int, hop: int) -> tuple[int, int]:
    """(frames, frequency bins) of a ``length``-sample signal's spectrogram."""
    return 1 + (length - n_fft) // hop, n_fft // 2 + 1


def _spectrogram_context(o: dict[str, Any]) -> Context:
    if o["n_fft"] > o["length"]:
        raise ParamError(f"spectrograms: n_fft ({o['n_fft']}) must not be longer than the "
                         f"signal ({o['length']} samples)")
    if o["hop"] > o["n_fft"]:
        raise ParamError(f"spectrograms: hop ({o['hop']}) must not be larger than n_fft "
                         f"({o['n_fft']}), or samples between frames are never seen")
    shape = spectrogram_shape(o["length"], o["n_fft"], o["hop"])
    return Context({"x": shape}, num_classes=len(SIGNAL_CLASSES))


def _text_context(tokenizer: Tokenizer, seq_len: int) -> Context:
    return _tokens((seq_len,), len(tokenizer), tokenizer)


_LENGTH_DOC = "Tokens per sequence."
_SEQ_LEN = p_int("seq_len", 64, 4, 1024, "The model's window: tokens per row (longer sentences "
                 "are cut, shorter ones padded).")
_LEVEL_DOC = "Tokens are single characters (char) or whole words (word)."

SEQ_DATASETS = (
    DatasetSpec(
        "recall", "Recall after a delay",
        "Each sequence starts with one of a few symbols, then a long run of meaningless "
        "filler tokens, then a question mark. The answer is the first symbol, so the network "
        "must carry it across the whole delay. A plain RNN forgets it over a long delay and "
        "stays at chance (one in the number of symbols); LSTM and GRU gates can keep it.",
        "classification", "tokens",
        _opts(p_int("delay", 30, 1, 300, "Filler tokens between the symbol and the question."),
              p_int("symbols", 4, 2, len(RECALL_SYMBOLS), "How many symbols to tell apart."),
              _n(3000)),
        lambda o: _tokens((o["delay"] + 2,), o["symbols"], recall_tokenizer(o["symbols"]))),
    DatasetSpec(
        "tagging", "Tagging with future context",
        "A row of random digits; every digit gets a tag, the remainder of (this digit plus the "
        "next one) divided by 3 (the last digit: its own remainder). Reading left to right, the "
        "next digit is not known yet, so a one-way RNN can only guess; a bidirectional one "
        "also reads from the right and can get every tag.",
        "classification", "tokens",
        _opts(p_int("length", 20, 2, 200, _LENGTH_DOC), _n(2000)),
        lambda o: _tokens((o["length"],), len(TAG_NAMES), digit_tokenizer())),
    DatasetSpec(
        "counting", "Counting (vector to sequence)",
        "From one start digit (and a step digit) the network writes the next digits of the "
        "count, wrapping from 9 to 0: start 3, step 4 gives 7 1 5 9 3 … A small input has to "
        "unfold into a whole sequence. There are only 90 different inputs (10 without the "
        "step), so this shows the mechanism rather than generalisation.",
        "classification", "tokens",
        _opts(p_int("length", 8, 1, 64, "Digits to write."),
              p_bool("with_step", True, "Give a step digit (1 to 9) as a second input; "
                     "without it the count goes up by one."), _n(1000)),
        lambda o: _tokens((2 if o["with_step"] else 1,), 10, digit_tokenizer())),
    DatasetSpec(
        "seq_pairs", "Copy, reverse, sort, add",
        "Pairs of digit sequences for an encoder-decoder: the target is the source copied, "
        "reversed or sorted, or, for add, the sum of two numbers written digit by digit "
        "(one digit longer, with zeros in front). The decoder writes the target one token "
        "at a time after a start token, <bos>; attention shows which source digit it reads.",
        "sequence", "tokens",
        _opts(p_choice("operation", "reverse", (*OPERATIONS, "add"), "What the target does "
                       "with the source."),
              p_int("length", 8, 2, 16, "Digits per sequence (per number for add)."),
              _n(4000)),
        _seq_pairs_context),
    DatasetSpec(
        "token_map", "Per-token copy, reverse, sort",
        "A row of random symbols; the label at each position is the symbol the operation "
        "puts there (reverse: the symbol at the mirrored position). Input and output have "
        "the same length, so an encoder alone can learn it. Reversing needs to know where "
        "each token is: without positional encoding self-attention cannot do it.",
        "classification", "tokens",
        _opts(p_choice("operation", "reverse", OPERATIONS, "What the labels do with the row."),
              p_int("length", 12, 2, 128, _LENGTH_DOC),
              p_int("symbols", 10, 2, len(SYMBOLS), "How many different symbols."),
              _n(4000)),
        lambda o: _tokens((o["length"],), o["symbols"], symbol_tokenizer(o["symbols"]))),
    DatasetSpec(
        "events", "Events in noise",
        "Long sequences of random noise, each feature a channel, like a recording with "
        "a short sound somewhere in it: one short stretch carries a pattern across the "
        "features that tells the class. The network must find where it is; attention "
        "pooling can learn to put its weight on that stretch.",
        "classification", "sequence",
        _opts(p_int("length", 100, 20, 1000, "Time steps per sequence."),
              p_int("features", 8, 2, 64, "Numbers per time step."),
              p_int("classes", 4, 2, len(EVENT_NAMES), "How many kinds of event."),
              p_int("event_length", 10, 1, 999, "Time steps the event lasts."),
              _noise(0.8, 3.0), _n(2000)),
        _events_context),
    DatasetSpec(
        "corpus", "Built-in text corpus",
        "Short stories from a small made-up grammar: coloured animals that eat, drink, move "
        "and live somewhere. Each kind of animal has its own food and way of moving, each "
        "colour its own place and drink, so a hidden word can be told from the rest of its "
        "sentence, and words of one kind (all foods, all places) are used alike. Sentences "
        "of a paragraph are about the same animal. At character level, a share of the lines "
        "are letter puzzles (abc>abcq;kfm>kfmq;): copy three letters and add the line's own "
        "letter, which only earlier examples on the line reveal — for trying zero- and "
        "few-shot prompts.",
        "text", "tokens",
        _opts(p_choice("level", "word", LEVELS, _LEVEL_DOC),
              p_float("patterns", 0.2, 0.0, 0.8, "Share of lines that are letter puzzles "
                      "(character level only)."),
              _SEQ_LEN, p_int("n_paragraphs", 800, 50, 20000, "How many stories to write.")),
        lambda o: _text_context(corpus_tokenizer(o["level"]), o["seq_len"])),
    DatasetSpec(
        "text_file", "Your text file",
        "Your own plain text (.txt, UTF-8), cut into sentences and lines; paragraphs end at "
        "blank lines. Character level keeps capitals and every symbol; word level uses "
        "lowercase words and punctuation marks, keeping the most common ones. The first "
        "part of the text trains, the next part checks progress and the end tests.",
        "text", "tokens",
        _opts(ParamSpec("path", "str", "", doc="The .txt file to read."),
              p_choice("level", "char", LEVELS, _LEVEL_DOC), _SEQ_LEN,
              p_int("max_vocab", 5000, 10, 50000, "Keep at most this many different tokens; "
                    "rarer ones become <unk>.")),
        lambda o: _text_context(load_text_file(o["path"], o["level"], o["max_vocab"]).tokenizer,
                                o["seq_len"])),
    DatasetSpec(
        "spectrograms", "Signal spectrograms",
        "The five signal shapes (sine, square, sawtooth, chirp, noise burst) as spectrograms: "
        "the signal is cut into short overlapping frames and each frame's frequency content "
        "is measured (log magnitude). The result is a sequence of frames, each a vector of "
        "frequency bins, as speech and audio models see sound.",
        "classification", "sequence",
        _opts(p_int("length", 256, 64, 1024, "Samples per signal."), _n(1000),
              _noise(0.2, 1.0),
              p_choice("n_fft", 32, (16, 32, 64, 128), "Samples per frame."),
              p_int("hop", 8, 1, 128, "Samples between the starts of two frames.")),
        _spectrogram_context),
)

