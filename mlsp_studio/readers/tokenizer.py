"""Character- and word-level tokenizers in plain Python: text to token ids and back.

Every vocabulary starts with the same special tokens, so id 0 is always padding:
``<pad>`` (0), ``<unk>`` (a character or word the vocabulary lacks), ``<mask>`` (a hidden
token for masked language models), ``<cls>`` (the start of a sentence for a classifier) and
``<sep>`` (between two sentences). A dataset may add its own specials (``<bos>``) after them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

SPECIALS = ("<pad>", "<unk>", "<mask>", "<cls>", "<sep>")
LEVELS = ("char", "word")

# a word: letters and digits (with inner apostrophes, "don't"); any other visible character
# (punctuation) is a word of its own
_WORD = re.compile(r"\w+(?:'\w+)*|[^\w\s]")  # a word ("don't" is one) or a punctuation mark
_SPECIAL_TEXT = re.compile(r"<[a-z]+>")
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}'\"")
_NO_SPACE_AFTER = frozenset("([{")


class Tokenizer:
    """Turns text into token ids and back, one character or one word per token.

    ``vocab`` is the text of every id; it must start with :data:`SPECIALS`. Word-level text is
    lowercased and split into words and punctuation marks. Special tokens written in the text
    (``"the <mask> eats fish"``) are read as themselves at both levels.
    """

    def __init__(self, vocab: Sequence[str], level: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown tokenizer level {level!r}")
        vocab = tuple(vocab)
        if vocab[:len(SPECIALS)] != SPECIALS:
            raise ValueError(f"a vocabulary must start with {SPECIALS}")
        if len(set(vocab)) != len(vocab):
            raise ValueError("a vocabulary must not repeat a token")
        self.vocab = vocab
        self.level = level
        self._ids = {text: i for i, text in enumerate(vocab)}
        self._specials = {t for t in vocab if _SPECIAL_TEXT.fullmatch(t)}
        self.pad_id, self.unk_id, self.mask_id, self.cls_id, self.sep_id = range(len(SPECIALS))

    @classmethod
    def from_symbols(cls, symbols: Iterable[str], level: str,
                     specials: Sequence[str] = ()) -> Tokenizer:
        """A tokenizer whose vocabulary is the standard specials, ``specials``, then
        ``symbols`` in the order given (repeats dropped)."""
        vocab = list(SPECIALS) + [s for s in specials if s not in SPECIALS]
        seen = set(vocab)
        for symbol in symbols:
            if symbol not in seen:
                seen.add(symbol)
                vocab.append(symbol)
        return cls(vocab, level)

    @classmethod
    def from_text(cls, text: str, level: str, max_vocab: int = 0) -> Tokenizer:
        """A tokenizer for the characters or words of ``text``, most frequent first; with
        ``max_vocab`` > 0 only that many are kept and the rarer ones become ``<unk>``."""
        pieces = text if level == "char" else split_words(text)
        counts = Counter(pieces)
        for special in SPECIALS:
            counts.pop(special, None)
        ranked = sorted(counts, key=lambda s: (-counts[s], s))
        if max_vocab > 0:
            ranked = ranked[:max_vocab]
        return cls.from_symbols(ranked, level)

    def __len__(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        return f"Tokenizer({self.level}, {len(self.vocab)} tokens)"

    def pieces(self, text: str) -> list[str]:
        """``text`` cut into the characters or words this tokenizer makes tokens of."""
        out: list[str] = []
        start = 0
        for match in _SPECIAL_TEXT.finditer(text):
            if match.group() in self._specials:
                out += self._split(text[start:match.start()])
                out.append(match.group())
                start = match.end()
        return out + self._split(text[start:])

    def _split(self, text: str) -> list[str]:
        return list(text) if self.level == "char" else split_words(text)

    def encode(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids of ``text`` and the characters or words missing from the vocabulary
        (each listed once, in the order met); those become ``<unk>``."""
        ids: list[int] = []
        unknown: dict[str, None] = {}
        for piece in self.pieces(text):
            index = self._ids.get(piece)
            if index is None:
                unknown[piece] = None
                index = self.unk_id
            ids.append(index)
        return ids, list(unknown)

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; padding is left out and ids outside the vocabulary read as
        ``<unk>``. Words are joined by spaces, with none before punctuation."""
        size = len(self.vocab)
        texts = [self.vocab[i] if 0 <= i < size else SPECIALS[1]
                 for i in (int(i) for i in ids) if i != self.pad_id]
        if self.level == "char":
            return "".join(texts)
        out = ""
        for text in texts:
            glue = (not out or text in _NO_SPACE_BEFORE or out[-1] in _NO_SPACE_AFTER)
            out += text if glue else " " + text
        return out


def split_words(text: str) -> list[str]:
    """Lowercased words and punctuation marks of ``text``, as word-level tokens."""
    return _WORD.findall(text.lower())
