"""The grammar of the built-in text corpus: word groups, sentence templates and pattern rules.

A small made-up world. There are eight kinds of animal and eight colours; a character of a
story is one coloured animal ("the red cat"). Each kind of animal has its own food and its own
way of moving, and animals of each colour live in their own place and drink their own drink.
Every sentence names at least two things tied to the animal and two tied to the colour (or
none of either), so a hidden word can be worked out from the rest of its sentence, from
either side. Words of one group (all foods, all places) fill the same slots of the templates,
so they are used alike, which is what word embeddings pick up.

The pattern lines (character level only) hold one rule each: copy three letters and add
the line's own letter, e.g. ``abc>abcq;kfm>kfmq;``. Every line adds another letter, so a
model can only tell which letter a line wants from its earlier examples, which is what
few-shot prompting tests: asked cold (``xyz>``) it can only guess the last letter.

``corpus_paragraphs`` writes the stories and the puzzle lines from a random generator; it
and the functions it calls use only this module's names, so an exported script copies them
as they stand.
"""

from __future__ import annotations

from .tokenizer import Tokenizer

ANIMALS = ("cat", "dog", "cow", "horse", "duck", "frog", "bear", "mouse")
COLOURS = ("red", "blue", "green", "yellow", "black", "white", "brown", "grey")
# by animal
FOODS = ("fish", "bones", "grass", "hay", "bread", "flies", "honey", "cheese")
VERBS = ("creeps", "runs", "walks", "gallops", "swims", "hops", "climbs", "scurries")
# by colour
PLACES = ("barn", "pond", "forest", "field", "cave", "house", "hill", "garden")
DRINKS = ("tea", "water", "juice", "milk", "coffee", "cocoa", "cider", "lemonade")

WORD_GROUPS = {"animals": ANIMALS, "colours": COLOURS, "foods": FOODS, "verbs": VERBS,
               "places": PLACES, "drinks": DRINKS}

TEMPLATES = (  # {a} animal, {c} colour, {f} its food, {v} its verb, {p} its place, {d} its drink
    "the {c} {a} eats {f} in the {p} .",
    "the {c} {a} {v} to the {p} .",
    "in the {p} the {c} {a} {v} .",
    "the {c} {a} likes {f} and {d} .",
    "a {c} {a} {v} home and drinks {d} .",
    "the {c} {a} lives in the {p} and eats {f} .",
    "every day the {a} {v} and eats {f} .",
    "the {c} one drinks {d} at the {p} .",
)

PATTERN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
PATTERN_RULES = tuple(f"+{c}" for c in PATTERN_LETTERS)  # "+q": copy, then add a q
PATTERN_ARROW = ">"  # between a word and its answer
PATTERN_END = ";"  # after each answer


def apply_rule(rule: str, word: str) -> str:
    """The answer a pattern rule gives for ``word``: rule ``+q`` turns ``abc`` into ``abcq``."""
    if len(rule) == 2 and rule[0] == "+" and rule[1] in PATTERN_LETTERS:
        return word + rule[1]
    raise ValueError(f"unknown pattern rule {rule!r}")


def sentence(template: int, animal: int, colour: int) -> str:
    """One sentence of the corpus, as space-separated words (the full stop is a word)."""
    return TEMPLATES[template].format(a=ANIMALS[animal], c=COLOURS[colour], f=FOODS[animal],
                                      v=VERBS[animal], p=PLACES[colour], d=DRINKS[colour])


def story(rng) -> list[str]:
    """3 to 6 sentences about one coloured animal, each from a different template."""
    animal, colour = (int(v) for v in rng.integers(0, 8, 2))
    count = int(rng.integers(3, 7))
    templates = rng.choice(len(TEMPLATES), size=count, replace=False)
    return [sentence(int(t), animal, colour).replace(" .", ".") for t in templates]


def puzzle_word(rng) -> str:
    """Three different random letters."""
    return "".join(rng.choice(list(PATTERN_LETTERS), size=3, replace=False))


def puzzle(rule: str, words: list[str]) -> str:
    """Puzzle text: each word, the arrow, the rule's answer for it, the end mark."""
    return "".join(f"{w}{PATTERN_ARROW}{apply_rule(rule, w)}{PATTERN_END}" for w in words)


def puzzle_line(rng) -> tuple[str, list[str]]:
    """One line of letter puzzles: 3 to 5 words under one random rule; and its words."""
    rule = PATTERN_RULES[int(rng.integers(len(PATTERN_RULES)))]
    words = [puzzle_word(rng) for _ in range(int(rng.integers(3, 6)))]
    return puzzle(rule, words), words


def corpus_paragraphs(count: int, puzzle_share: float, rng) -> tuple[list[list[str]], set[str]]:
    """``count`` stories (each a list of sentences) and, when ``puzzle_share`` > 0, puzzle
    lines (one each) making up about that share of all lines, all in a random order; and
    the words the puzzles use."""
    paragraphs = [story(rng) for _ in range(count)]
    used: set[str] = set()
    if puzzle_share > 0:
        lines = sum(len(p) for p in paragraphs)
        for _ in range(round(lines * puzzle_share / (1.0 - puzzle_share))):
            line, words = puzzle_line(rng)
            used.update(words)
            paragraphs.append([line])
        paragraphs = [paragraphs[i] for i in rng.permutation(len(paragraphs))]
    return paragraphs, used


def word_groups() -> dict[str, str]:
    """Each content word and the name of its group."""
    return {word: group for group, words in WORD_GROUPS.items() for word in words}


def corpus_words() -> list[str]:
    """Every word the templates can write: the groups' words, then the grammar words."""
    words = [w for group in WORD_GROUPS.values() for w in group]
    for template in TEMPLATES:
        words += [w for w in template.split() if not w.startswith("{") and w not in words]
    return words


def corpus_chars() -> list[str]:
    """Every character of the character-level corpus, sorted: line breaks, spaces, the full
    stop, the pattern marks and the letters."""
    chars = set("".join(corpus_words())) | set(PATTERN_LETTERS)
    chars |= {"\n", " ", PATTERN_ARROW, PATTERN_END}
    return sorted(chars)


def corpus_tokenizer(level: str) -> Tokenizer:
    """The tokenizer of the built-in corpus at ``level`` (``char`` or ``word``)."""
    symbols = corpus_chars() if level == "char" else corpus_words()
    return Tokenizer.from_symbols(symbols, level)
