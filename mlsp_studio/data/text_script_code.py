"""Plain code copied into the exported scripts of the text projects, never imported.

The names in capitals (``N_PARAGRAPHS``, ``PUZZLE_SHARE``, ``VOCAB``, ``VAL_FRACTION``,
``TEST_FRACTION``) are the settings and the vocabulary the script defines at its top. What
the studio itself runs is copied from where it lives: the grammar, the stories and the
puzzles (``corpus_paragraphs``) from ``mlsp_studio.readers.corpus``, the split
(``split_indices``, ``seed_streams``) from ``bundle.py`` and the word splitting
(``split_words``) from ``mlsp_studio.readers.tokenizer``. Here are only the steps the script
does its own way: text to token ids with a plain dictionary, and ``make_text``, which hands
the paradigm's loop the sentences and the whole text of every part.
"""

ID = {token: i for i, token in enumerate(VOCAB)}  # the id of every token's text


def encode_chars(line):
    """Token ids of a line: one per character."""
    return [ID[c] for c in line]


def encode_words(line):
    """Token ids of a line: one per lowercase word or punctuation mark."""
    return [ID[w] for w in split_words(line)]


def make_text(seed):
    """N_PARAGRAPHS stories (and letter-puzzle lines, a PUZZLE_SHARE of all lines); whole
    paragraphs are dealt out to the parts "train", "val" and "test". Returns each part's
    sentences as token-id lists and its whole text as one int64 tensor."""
    # two random streams from one seed: changing the split never changes the text
    rng, split_rng = seed_streams(seed)
    paragraphs, _ = corpus_paragraphs(N_PARAGRAPHS, PUZZLE_SHARE, rng)
    train, val, test = split_indices(np.zeros(len(paragraphs)), False, VAL_FRACTION,
                                     TEST_FRACTION, split_rng)
    sentences, streams = {}, {}
    for name, rows in (("train", train), ("val", val), ("test", test)):
        lines = [line for i in np.sort(rows) for line in paragraphs[i]]  # paragraphs in order
        sentences[name] = [encode(line) for line in lines]
        # the whole text: at character level the line breaks are tokens too
        ids = [i for line in lines for i in encode(line + "\n")]
        streams[name] = torch.tensor(ids, dtype=torch.long)
    return sentences, streams
