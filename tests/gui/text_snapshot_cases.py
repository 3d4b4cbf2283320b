"""Text snapshots for the panel tests (generation, fill in the blank, word vectors), made
with numpy only (no torch).

``TEXT_ORDINARY[kind](step)`` is a realistic snapshot whose shape does not depend on the step;
``TEXT_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.paradigms.language_model.snapshots import Generation
from mlsp_studio.paradigms.masked_lm.snapshots import FillMask
from mlsp_studio.paradigms.word2vec.snapshots import Embeddings

NAN = np.nan
GROUPS = {"animal": ("cat", "dog", "horse", "bird", "fish", "mouse"),
          "food": ("bread", "apple", "cheese", "soup", "rice", "cake"),
          "place": ("park", "house", "river", "school", "city", "garden"),
          "action": ("runs", "eats", "sleeps", "sees", "likes", "finds")}


def generation(step: int = 1200, prompt: str = "the dog ", seconds: float = 0.021
               ) -> Generation:
    return Generation(step=step, prompt=prompt,
                      completion="runs to the park .\nthe cat sleeps in the <b>house</b> .",
                      temperature=0.8, top_k=5, seconds=seconds,
                      note="1 character not in the vocabulary was left out: 'É'",
                      examples=(("pattern, zero-shot", "abc -> "),
                                ("pattern, few-shot", "xyz -> zyx\nkpq -> qpk\nabc -> ")))


def fill_mask(step: int = 900) -> FillMask:
    return FillMask(step=step, tokens=("<cls>", "the", "<mask>", "eats", "the", "<mask>", ".",
                                       "<pad>", "<pad>"),
                    masked=(2, 5), truth=("dog", "bread"),
                    predictions=((("cat", 0.46), ("dog", 0.31), ("bird", 0.12), ("fish", 0.04),
                                  ("mouse", 0.02)),
                                 (("bread", 0.62), ("cake", 0.2), ("soup", 0.09),
                                  ("<b>x</b>", 0.004))))


def embeddings(step: int = 3000, seed: int = 0, query: str = "cat") -> Embeddings:
    rng = np.random.default_rng(seed)
    words, groups, points = [], [], []
    for k, (group, members) in enumerate(GROUPS.items()):
        centre = 2.5 * np.array([np.cos(k * 1.6), np.sin(k * 1.6)])
        for word in members:
            words.append(word)
            groups.append(group)
            points.append(centre + rng.normal(size=2) * 0.5)
    for word in ("the", "a", "."):
        words.append(word)
        groups.append("")
        points.append(rng.normal(size=2) * 0.3)
    return Embeddings(step=step, label="Embedding 1", words=tuple(words), groups=tuple(groups),
                      points=np.array(points), explained=(0.34, 0.21), query=query,
                      neighbours=(("dog", 0.91), ("horse", 0.84), ("bird", 0.77),
                                  ("mouse", 0.7), ("fish", 0.52)))


DEGENERATE = {
    "generation": [Generation(step=0), Generation(step=1, prompt="x" * 3000, completion=""),
                   Generation(step=2, prompt="", completion="\n" * 40 + "<script>", top_k=0,
                              examples=(("only", ""),))],
    "fill_mask": [FillMask(step=0), FillMask(step=1, tokens=tuple("hello")),
                  FillMask(step=2, tokens=tuple("a _ b _ c"), masked=(2, 6, 99),
                           predictions=((("x", NAN),),), truth=("",), note="odd"),
                  FillMask(step=3, tokens=("<mask>",) * 7, masked=tuple(range(7)),
                           predictions=tuple(((f"w{i}", 1.5), ("v", -1.0)) for i in range(7)))],
    "embeddings": [Embeddings(step=0), Embeddings(step=1, words=("a",), points=np.zeros((1, 2))),
                   Embeddings(step=2, words=("a", "b", "c"),
                              points=np.array([[NAN, 1.0], [np.inf, 2.0], [1.0, 1.0]]),
                              groups=("g",), query="zzz"),
                   Embeddings(step=3, words=("a", "b"), points=np.zeros(4)),
                   Embeddings(step=4, words=tuple(f"w{i}" for i in range(400)),
                              points=np.random.default_rng(0).normal(size=(400, 2)),
                              groups=tuple(f"g{i % 20}" for i in range(400)), query="w1",
                              neighbours=(("w2", 0.4), ("w3", -0.2)))],
}
ORDINARY = {"generation": generation, "fill_mask": fill_mask, "embeddings": embeddings}
TEXT_ORDINARY = ORDINARY
TEXT_SNAPSHOTS = {kind: (lambda kind=kind: [ORDINARY[kind](), *DEGENERATE[kind]])
                  for kind in ORDINARY}
