"""word2vec skip-gram with negative sampling: a word's vector learns to predict the words
around it, told apart from words drawn at random."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import DataError, ProjectError
from ...model.project import Project
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..text_common import (
    TextTrainer,
    nearest,
    neighbour_precision,
    noise_distribution,
    pca_2d,
    special_ids,
    token_counts,
)
from .snapshots import Embeddings

EVAL_PAIRS = 4096     # (center, context) pairs of a split scored at each check
NEIGHBOURS = 5


@PARADIGMS.register("word2vec")
class Word2VecParadigm(TextTrainer):
    """Skip-gram on the dataset's sentences (``extras["sentences"]``).

    Every word and each word up to ``window`` places away in the same sentence make a pair
    (center, context). The network in slot ``model`` (Input → Embedding) gives the center
    word's vector v; this paradigm keeps a second table of *context* vectors u, one per word,
    made and trained here alongside the network (it is not part of the graph). The loss of a
    pair is −log σ(u_context·v) − Σ log σ(−u_neg·v) over ``negatives`` words drawn from the
    training unigram distribution raised to the power 0.75. The picture is ``embeddings``:
    the center vectors in 2-D (PCA) with a chosen word's nearest neighbours.
    """

    name = "word2vec"
    visual_kinds = frozenset({"embeddings"})

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin_text(project, nets, data, device)
        self.special = special_ids(self.tokenizer, self.vocab)
        sentences = data.extras.get("sentences", {})
        self.pairs = {split: skipgram_pairs(rows, self.hparams["window"], self.special)
                      .to(device) for split, rows in sentences.items()}
        train = self.pairs.get("train")
        if train is None or len(train) == 0:
            raise DataError("the training text has no sentence with two words or more, so "
                            "there are no word pairs to learn from")
        with torch.no_grad():
            probe = self.center(train[:2, 0])
        if probe.dim() != 2:
            raise ProjectError("word2vec needs a network that gives one vector per word, "
                               "e.g. Input → Embedding")
        dim = int(probe.shape[-1])
        self.context = context_table(len(self.vocab), dim).to(device)
        counts = token_counts(sentences["train"], len(self.vocab))
        counts[sorted(self.special)] = 0
        self.noise = noise_distribution(counts, 0.75).to(device)
        self._common_setup(project, len(train), device)
        self.optimizer = make_optimizer([*self.model.parameters(), *self.context.parameters()],
                                        self.hparams, self.total_steps)
        rng = torch.Generator().manual_seed(project.seed + 1)
        self._eval = {}
        for split, pairs in self.pairs.items():
            if len(pairs):
                pick = torch.randperm(len(pairs), generator=rng)[:EVAL_PAIRS].to(device)
                self._eval[split] = (pairs[pick], self.draw_negatives(len(pick), rng))
        groups = data.extras.get("word_groups") or {}
        index = {w: i for i, w in enumerate(self.vocab)}
        self.words = [i for i in range(len(self.vocab))
                      if i not in self.special and counts[i] > 0]
        self.grouped = [(index[w], g) for w, g in groups.items() if w in index]

    def center(self, ids: torch.Tensor) -> torch.Tensor:
        """The network's vector for each word id of a 1-D tensor: (n, dim)."""
        return center_vectors(self.model, ids)

    def draw_negatives(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """(n, negatives) word ids drawn from the noise distribution (unigram^0.75)."""
        return negative_samples(self.noise, n, self.hparams["negatives"], generator)

    # -- training ------------------------------------------------------------------------
    def _next_batch(self) -> torch.Tensor:
        return self.pairs["train"][self._next_indices()]

    def loss(self, pairs: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        return skipgram_loss(self.model, self.context, pairs, negatives)

    def step(self) -> dict[str, float]:
        if not self.model.training:
            self.model.train()
        pairs = self._next_batch()
        loss = self.loss(pairs, self.draw_negatives(len(pairs), self.generator))
        return {"loss": self._update(loss)}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        batch = self._eval.get(split)
        if batch is None:
            return {}
        with torch.inference_mode():
            self.model.eval()
            metrics = {"loss": self.loss(*batch).item()}
            if split == "val" and self.grouped:
                metrics["neighbour_precision"] = self.precision()
        return metrics

    def vectors(self) -> torch.Tensor:
        """The center vector of every token id: (V, dim). Call under inference mode."""
        return self.center(torch.arange(len(self.vocab), device=self.device)).float()

    def precision(self) -> float:
        """Share of each grouped word's 5 nearest neighbours from its own group (the data's
        word groups), averaged over the grouped words."""
        ids, groups = zip(*self.grouped, strict=True)
        return neighbour_precision(self.vectors(), ids, groups, self.words, NEIGHBOURS)

    def final_metrics(self) -> dict[str, float]:
        out = {key: value for key, value in self._split_metrics().items()
               if key.endswith("_loss")}
        if self.grouped:  # only the built-in corpus knows which words belong together
            with torch.inference_mode():
                self.model.eval()
                out["neighbour_precision"] = self.precision()
        return out

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        if "embeddings" not in kinds:
            return []
        with torch.inference_mode():
            self.model.eval()
            return [self.embeddings()]

    def embeddings(self) -> Embeddings:
        vectors = self.vectors()
        words = self.words
        points, explained = pca_2d(vectors[words].cpu().numpy())
        group_of = dict(self.grouped)
        query = str(self._options.get("query_word", "") or "").strip().lower()
        if not query and words:  # a grouped word, else the first word with letters
            lettered = [i for i in words if any(c.isalpha() for c in self.vocab[i])]
            query = self.vocab[(self.grouped[0][0] if self.grouped else
                                (lettered or words)[0])]
        label = "word vectors projected on their two main axes (PCA)"
        neighbours: tuple[tuple[str, float], ...] = ()
        if query:
            if query in self.vocab and self.vocab.index(query) in words:
                found = nearest(vectors, self.vocab.index(query), words, NEIGHBOURS)
                neighbours = tuple((self.vocab[i], s) for i, s in found)
            else:
                label = f"{query!r} is not in the vocabulary, so it has no neighbours"
        return Embeddings(step=self.steps_done, label=label,
                          words=tuple(self.vocab[i] for i in words),
                          points=points, groups=tuple(group_of.get(i, "") for i in words),
                          explained=explained, query=query, neighbours=neighbours)


def skipgram_pairs(sentences: list[list[int]], window: int, skip: set[int]) -> torch.Tensor:
    """(center, context) id pairs: every word with each word up to ``window`` places away in
    the same sentence; ids in ``skip`` (special tokens) take no part. A (P, 2) tensor."""
    out: list[np.ndarray] = []
    for row in sentences:
        ids = np.array([int(t) for t in row if int(t) not in skip], dtype=np.int64)
        n = len(ids)
        for d in range(1, window + 1):
            if n > d:
                out.append(np.stack([ids[:-d], ids[d:]], 1))
                out.append(np.stack([ids[d:], ids[:-d]], 1))
    if not out:
        return torch.zeros(0, 2, dtype=torch.long)
    return torch.from_numpy(np.concatenate(out))


def center_vectors(model, ids: torch.Tensor) -> torch.Tensor:
    """The network's vector v of each word id of the 1-D tensor ``ids``: (n, dim)."""
    out = model(ids.reshape(-1, 1))                          # (n, 1, dim) from an Embedding
    return out.reshape(len(ids), -1) if out.dim() == 3 and out.shape[1] == 1 else out


def context_table(size: int, dim: int) -> torch.nn.Embedding:
    """The second table: one context vector u of ``dim`` numbers per word of a vocabulary of
    ``size``, all zero at the start, trained alongside the network."""
    table = torch.nn.Embedding(size, dim)
    torch.nn.init.zeros_(table.weight)
    return table


def negative_samples(noise: torch.Tensor, n: int, k: int, generator: torch.Generator
                     ) -> torch.Tensor:
    """(n, k) word ids drawn from the noise distribution ``noise`` (V,) (unigram^0.75), on
    the device ``noise`` is on."""
    draws = torch.multinomial(noise.cpu(), n * k, replacement=True, generator=generator)
    return draws.reshape(n, k).to(noise.device)


def skipgram_loss(model, context: torch.nn.Embedding, pairs: torch.Tensor,
                  negatives: torch.Tensor) -> torch.Tensor:
    """The loss of (center, context) id pairs (B, 2), each with the random words
    ``negatives`` (B, K): -log sigmoid(u . v) - sum log sigmoid(-u_neg . v), so the true
    context scores high and the random words low."""
    v = center_vectors(model, pairs[:, 0])                   # (B, D) the center words
    u = context(pairs[:, 1])                                 # (B, D) their true context
    u_neg = context(negatives)                               # (B, K, D) random words
    positive = F.logsigmoid((u * v).sum(-1))
    negative = F.logsigmoid(-(u_neg @ v[:, :, None])[..., 0]).sum(-1)
    return -(positive + negative).mean()
