"""The built-in text corpus as an exported script writes it: the grammar, the stories and
the letter puzzles, made with the studio's random streams so the script reads the same text.

Follows ``mlsp_studio.data.text.make_corpus`` step by step; only the text streams (the
split's whole text as token ids) and the sentences (one per row) are written out.
"""

from __future__ import annotations

from typing import Any

from ..errors import StudioError
from ..readers import corpus as grammar


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


def corpus_source(dataset: str, options: dict[str, Any]) -> str:
    """``VOCAB``, the grammar and ``make_text(seed)`` → {part: list of sentences as lists of
    token ids} and {part: the part's whole text as one id tensor}."""
    if dataset != "corpus":
        raise StudioError(f"The {dataset!r} dataset cannot be written out as a script yet; "
                          "the built-in corpus can.")
    level = options["level"]
    vocab = grammar.corpus_tokenizer(level).vocab
    groups = "\n".join(f"{name.upper()} = {words!r}" for name, words in
                       grammar.WORD_GROUPS.items())
    templates = "\n".join(f"    {t!r}," for t in grammar.TEMPLATES)
    puzzles = ""
    if level == "char" and options["patterns"] > 0:
        puzzles = f"""
    # letter puzzles, a line each: copy three letters and add the line's own letter
    share = {options['patterns']!r}
    lines = sum(len(u) for u in units)
    for _ in range(round(lines * share / (1.0 - share))):
        letter = PATTERN_LETTERS[int(rng.integers(len(PATTERN_LETTERS)))]
        words = [puzzle_word(rng) for _ in range(int(rng.integers(3, 6)))]
        units.append(["".join(f"{{w}}>{{w}}{{letter}};" for w in words)])
    units = [units[i] for i in rng.permutation(len(units))]
"""
    if level == "char":
        encode = '''\
def encode(line):
    """Token ids of a line: one per character."""
    return [ID[c] for c in line]
'''
        stream = ("# the whole text, line breaks included\n"
                  "        ids = [i for line in lines for i in encode(line + chr(10))]")
    else:
        encode = '''\
def encode(line):
    """Token ids of a sentence: lowercase words and punctuation marks."""
    return [ID[w] for w in re.findall(r"\\w+(?:'\\w+)*|[^\\w\\s]", line.lower())]
'''
        stream = ("# the sentences one after the other\n"
                  "        ids = [i for line in lines for i in encode(line)]")
    return f'''\
# The grammar of the built-in corpus: each kind of animal has its own food and way of moving,
# each colour its own place and drink.
{groups}
TEMPLATES = (  # {{a}} animal, {{c}} colour, {{f}} food, {{v}} verb, {{p}} place, {{d}} drink
{templates}
)
PATTERN_LETTERS = {grammar.PATTERN_LETTERS!r}
# the text of every token id; ids 0..4 are the special tokens
VOCAB = {wrapped_list(list(vocab))}
ID = {{token: i for i, token in enumerate(VOCAB)}}


def story(rng):
    """3 to 6 sentences about one coloured animal, each from a different template."""
    animal, colour = (int(v) for v in rng.integers(0, 8, 2))
    count = int(rng.integers(3, 7))
    templates = rng.choice(len(TEMPLATES), size=count, replace=False)
    words = dict(a=ANIMALS[animal], c=COLOURS[colour], f=FOODS[animal], v=VERBS[animal],
                 p=PLACES[colour], d=DRINKS[colour])
    return [TEMPLATES[t].format(**words).replace(" .", ".") for t in templates]


def puzzle_word(rng):
    return "".join(rng.choice(list(PATTERN_LETTERS), size=3, replace=False))


{encode}

def make_text(seed):
    """{options['n_paragraphs']} stories (and puzzle lines); whole paragraphs are dealt out to
    the parts "train", "val" and "test". Returns each part's sentences as token-id lists and
    its whole text as one int64 tensor."""
    # two random streams from one seed: changing the split never changes the text
    rng, split_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    units = [story(rng) for _ in range({options['n_paragraphs']!r})]{puzzles}
    n = len(units)
    order = split_rng.permutation(n)
    n_test = max(1, round(n * TEST_FRACTION))
    n_val = max(1, round(n * VAL_FRACTION)) if VAL_FRACTION > 0 else 0
    parts = {{"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}}
    sentences, streams = {{}}, {{}}
    for name, rows in parts.items():
        lines = [line for i in np.sort(rows) for line in units[i]]  # paragraphs kept in order
        sentences[name] = [encode(line) for line in lines]
        {stream}
        streams[name] = torch.tensor(ids, dtype=torch.long)
    return sentences, streams
'''
