"""The built-in text corpus as an exported script writes it: the grammar, the stories and
the letter puzzles, made with the studio's random streams so the script reads the same text.

The grammar and ``corpus_paragraphs`` are copied from ``mlsp_studio.readers.corpus``, the
split from ``data/bundle.py``, the very code ``mlsp_studio.data.text.make_corpus`` runs;
``make_text`` (from ``data/text_script_code.py``) turns the parts into what the script's
loop reads: the sentences (one per row) and each part's whole text as token ids.
"""

from __future__ import annotations

from typing import Any

from ..errors import StudioError
from ..readers import corpus as grammar
from .source_copy import source_of


def wrapped_list(items: list, indent: str = "    ") -> str:
    """``items`` as a list literal broken over lines of at most 100 characters."""
    lines, line = [], ""
    for item in map(repr, items):
        if line and len(indent) + len(line) + len(item) + 2 > 100:
            lines.append(line.rstrip())
            line = ""
        line += item + ", "
    lines.append(line.rstrip().rstrip(","))
    return "[\n" + "\n".join(indent + part for part in lines) + "\n]"


CORPUS = "mlsp_studio.readers.corpus"
GRAMMAR = ("ANIMALS", "COLOURS", "FOODS", "VERBS", "PLACES", "DRINKS", "TEMPLATES",
           "PATTERN_LETTERS", "PATTERN_RULES", "PATTERN_ARROW", "PATTERN_END")  # a line each
PARAGRAPHS = (CORPUS, "apply_rule", "sentence", "story", "puzzle_word", "puzzle",
              "puzzle_line", "corpus_paragraphs")
SPLIT = ("mlsp_studio.model.split_math", "split_sizes", "split_indices", "seed_streams")
WORDS = ("mlsp_studio.readers.tokenizer", "_WORD", "split_words")
CODE = "mlsp_studio.data.text_script_code"


def corpus_source(dataset: str, options: dict[str, Any]) -> str:
    """The corpus's settings, its grammar, ``VOCAB`` and ``ID`` (token text to id), and
    ``make_text(seed)`` → {part: list of sentences as lists of token ids} and {part: the
    part's whole text as one id tensor}."""
    if dataset != "corpus":
        raise StudioError(f"The {dataset!r} dataset cannot be written out as a script yet; "
                          "the built-in corpus can.")
    level = options["level"]
    share = options["patterns"] if level == "char" else 0.0
    rows = [(f"N_PARAGRAPHS = {options['n_paragraphs']!r}", "stories in the corpus"),
            (f"PUZZLE_SHARE = {share!r}", "share of the lines that are letter puzzles"
             + (" (none at word level)" if level == "word" else ""))]
    width = max(len(row) for row, _ in rows) + 2
    settings = "".join(f"{row:<{width}}# {note}\n" for row, note in rows)
    vocab = grammar.corpus_tokenizer(level).vocab
    corpus = (f"{HEADING}{settings}{''.join(source_of(CORPUS, name) for name in GRAMMAR)}"
              f"{VOCAB_NOTE}VOCAB = {wrapped_list(list(vocab))}\n{source_of(CODE, 'ID')}")
    # the writer picks the encoder of the corpus's level; the script calls it encode
    encoder = "encode_chars" if level == "char" else "encode_words"
    encode = source_of(CODE, encoder).replace(f"def {encoder}(", "def encode(", 1)
    if level == "word":
        encode = source_of(*WORDS) + "\n\n" + encode
    return "\n\n".join([corpus, source_of(*PARAGRAPHS), source_of(*SPLIT), encode,
                        source_of(CODE, "make_text")])


HEADING = ("# The built-in corpus, made from its grammar: each kind of animal has its own food "
           "and\n# way of moving, each colour its own place and drink.\n")
VOCAB_NOTE = "# the text of every token id; ids 0..4 are the special tokens\n"
