"""A vocabulary's size in words a person reads: what its tokens are, special ones named.

A character model of a text with 65 different characters has 70 tokens, because every
vocabulary starts with the special tokens (``<pad>``, ``<unk>``, ``<mask>``, ``<cls>``,
``<sep>``; a dataset may add ``<bos>``). Saying only "70 tokens" leaves the five unexplained.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..readers.tokenizer import SPECIALS

_PIECES = {"char": ("character", "characters"), "word": ("word", "words")}


def is_special(token: str) -> bool:
    """A special token: ``<pad>`` and the like (a character or a word never looks so)."""
    return len(token) > 2 and token.startswith("<") and token.endswith(">") \
        and token[1:-1].isalpha()


def vocabulary_words(vocab: Sequence[str], level: str) -> str:
    """E.g. "70 tokens: 65 characters and 5 special ones (<pad>, <unk>, <mask>, <cls>, <sep>)"."""
    specials = [t for t in vocab if is_special(t)]
    plain = len(vocab) - len(specials)
    one, many = _PIECES.get(level, ("symbol", "symbols"))
    total = f"{len(vocab):,} token{'s' if len(vocab) != 1 else ''}"
    if not specials:
        return f"{total}, all {many}"
    listed = f"{len(specials)} special one{'s' if len(specials) != 1 else ''} " \
             f"({', '.join(specials)})"
    return f"{total}: {plain:,} {one if plain == 1 else many} and {listed}"


def counted_specials(size: int) -> str:
    """For a vocabulary known only by its size: "70 tokens (the special ones such as <pad>
    and <unk> included)"."""
    return (f"{size:,} token{'s' if size != 1 else ''} (the special ones such as "
            f"{SPECIALS[0]} and {SPECIALS[1]} included)")
