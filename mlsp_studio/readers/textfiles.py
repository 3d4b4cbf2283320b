"""Reading a person's own .txt file, in plain Python (no numpy, no torch).

It lives in a plain layer (no torch) because a network's Embedding needs the vocabulary size before
torch is loaded, and the vocabulary is only known by reading the text. The file is cut into
paragraphs (at blank lines) and sentences (after ``.``, ``!`` or ``?`` and at every line
break), which the data layer turns into rows of token ids.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import DataError
from .files import RecentReads, check_file
from .tokenizer import LEVELS, Tokenizer, split_words

MIN_CHARS = 1000
MIN_SENTENCES = 10
MAX_TEXT_BYTES = 10 * 1024 * 1024

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?]+[\"'”’)\]]*(?=\s)|$)", re.M)


@dataclass(frozen=True)
class TextFile:
    """A person's text with its tokenizer and where its sentences are.

    ``text`` has Windows and old Mac line ends turned into ``\\n``; ``sentences`` holds
    ``(start, end, paragraph)`` for each sentence or line, in order, as character positions in
    ``text`` and the index of the paragraph it belongs to.
    """

    path: str
    text: str
    tokenizer: Tokenizer
    sentences: tuple[tuple[int, int, int], ...]


_recent: RecentReads[TextFile] = RecentReads()


def load_text_file(path: str, level: str = "char", max_vocab: int = 0) -> TextFile:
    """Read a UTF-8 text file for language modelling, or raise one plain :class:`DataError`.

    Refuses an empty path, a missing file, a folder, a file over ``MAX_TEXT_BYTES``, binary
    data, text that is not UTF-8 and text shorter than ``MIN_CHARS`` characters or
    ``MIN_SENTENCES`` sentences.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown tokenizer level {level!r}")
    where = f"The file '{path}'"
    check_file(path, "a text file")
    try:
        stat = os.stat(path)
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if stat.st_size > MAX_TEXT_BYTES:
        raise _too_large(where)
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, level, max_vocab)
    return _recent.get(key, lambda: _read(path, where, level, max_vocab))


def _read(path: str, where: str, level: str, max_vocab: int) -> TextFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 1)
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise _too_large(where)
    if not raw.strip():
        raise DataError(f"{where} is empty.")
    if b"\x00" in raw:
        raise DataError(f"{where} holds binary data, not text; choose a plain .txt file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{where} is not UTF-8 text; save it as UTF-8 and try again.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chars = len(text.strip())
    if chars < MIN_CHARS:
        raise DataError(f"{where} has only {chars} characters of text, too little to train "
                        f"on; it needs at least {MIN_CHARS}.")
    sentences = split_sentences(text)
    if len(sentences) < MIN_SENTENCES:
        raise DataError(f"{where} has only {len(sentences)} sentences or lines; it needs at "
                        f"least {MIN_SENTENCES} to train on.")
    if level == "word" and not split_words(text):
        raise DataError(f"{where} has no words to train on.")
    tokenizer = Tokenizer.from_text(text, level, max_vocab)
    return TextFile(path, text, tokenizer, tuple(sentences))


def _too_large(where: str) -> DataError:
    limit = (f"{MAX_TEXT_BYTES >> 20} MB" if MAX_TEXT_BYTES >= 1 << 20
             else f"{MAX_TEXT_BYTES} bytes")
    return DataError(f"{where} is larger than {limit}, too big to train on here; use a "
                     "shorter text.")


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph)`` of each sentence or line of ``text`` that holds any visible
    character, leading and trailing spaces left out. Paragraphs end at blank lines."""
    out: list[tuple[int, int, int]] = []
    starts = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
    ends = [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]
    paragraph = 0
    for para_start, para_end in zip(starts, ends, strict=True):
        found = False
        for match in _SENTENCE.finditer(text, para_start, para_end):
            start, end = match.span()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                out.append((start, end, paragraph))
                found = True
        paragraph += found
    return out
