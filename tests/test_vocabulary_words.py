"""A vocabulary's size is said with its special tokens named: a character model of a text of
65 characters has 70 tokens, 65 characters and 5 special ones."""

from __future__ import annotations

import string

import pytest

from mlsp_studio.errors import ShapeError
from mlsp_studio.model.blocks import Context
from mlsp_studio.model.catalog.sequence import embedding_vocab
from mlsp_studio.model.seq_datasets import seq_pairs_tokenizer
from mlsp_studio.model.vocabulary import vocabulary_words
from mlsp_studio.readers.tokenizer import Tokenizer

SIXTY_FIVE = string.ascii_letters + string.digits + " .\n"  # 52 + 10 + 3 = 65 characters


def test_a_character_vocabulary_names_its_special_tokens() -> None:
    tokenizer = Tokenizer.from_text(SIXTY_FIVE * 3, "char")
    assert len(set(SIXTY_FIVE)) == 65 and len(tokenizer) == 70
    assert vocabulary_words(tokenizer.vocab, "char") == (
        "70 tokens: 65 characters and 5 special ones (<pad>, <unk>, <mask>, <cls>, <sep>)")


def test_words_and_a_datasets_own_special_token_are_counted() -> None:
    words = Tokenizer.from_text("the cat sat. the dog ran.", "word")
    assert vocabulary_words(words.vocab, "word").startswith("11 tokens: 6 words and 5 special")
    pairs = seq_pairs_tokenizer("add")  # the digits, '+' and a start token <bos>
    assert vocabulary_words(pairs.vocab, pairs.level) == (
        "17 tokens: 11 characters and 6 special ones (<pad>, <unk>, <mask>, <cls>, <sep>, "
        "<bos>)")


def test_an_embedding_too_small_for_the_data_says_the_specials_count() -> None:
    with pytest.raises(ShapeError, match=r"the data uses 70 tokens \(the special ones such as "
                                         r"<pad> and <unk> included\)"):
        embedding_vocab({"vocab": 65}, Context({"x": (8,)}, vocab_size=70))
