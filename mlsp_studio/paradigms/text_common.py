"""Pieces the text paradigms share: the start of their trainer class, special tokens,
sampling, masking, unigram statistics, nearest neighbours, a 2-D projection and notes about
words outside the vocabulary.

This is not a paradigm; the language-model, masked-LM and word2vec paradigms import it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

from ..model.project import Project
from .seq_visuals import ATTENTION_TYPES, keys_of
from .update import TrainerBase

SPECIAL_ATTRS = ("pad_id", "unk_id", "mask_id", "cls_id", "sep_id", "bos_id", "eos_id")
SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥"}


# -- the trainers' start --------------------------------------------------------------------
class TextTrainer(TrainerBase):
    """The start of a text paradigm's class: one network in slot ``model`` that reads token
    ids, and the dataset's tokenizer and vocabulary."""

    def _begin_text(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
                    device: torch.device) -> None:
        """The start of set-up: :meth:`_begin`, then ``model``, ``tokenizer`` and ``vocab``
        (the dataset's, as a tuple)."""
        self._begin(project, data, device)
        self.model = nets["model"]
        self.tokenizer = data.tokenizer
        self.vocab = tuple(data.vocab)

    def _kinds_with_attention(self, kind: str) -> None:
        """``visual_kinds``: the paradigm's own picture ``kind``, and ``attention`` when the
        network has attention blocks to draw."""
        self.visual_kinds = frozenset({kind, "attention"} if keys_of(self.model, ATTENTION_TYPES)
                                      else {kind})


# -- vocabulary ---------------------------------------------------------------------------------
def special_ids(tokenizer: Any, vocab: Sequence[str]) -> set[int]:
    """Ids of the tokens that are not text: padding, unknown, mask, class, separator.

    Taken from the tokenizer's ``*_id`` attributes, plus any vocabulary entry written like
    ``<name>``."""
    ids = set()
    for attr in SPECIAL_ATTRS:
        value = getattr(tokenizer, attr, None)
        if isinstance(value, int) and 0 <= value < len(vocab):
            ids.add(value)
    for i, text in enumerate(vocab):
        if len(text) > 2 and text.startswith("<") and text.endswith(">"):
            ids.add(i)
    ids.add(0)
    return ids


def special_mask(tokenizer: Any, vocab: Sequence[str], device: torch.device | str = "cpu"
                 ) -> torch.Tensor:
    """A (V,) bool tensor, True for special tokens."""
    mask = torch.zeros(len(vocab), dtype=torch.bool)
    mask[sorted(special_ids(tokenizer, vocab))] = True
    return mask.to(device)


def token_text(vocab: Sequence[str], ids: Iterable[int]) -> tuple[str, ...]:
    """Labels for token ids, with blanks made visible (space ␣, newline ⏎)."""
    return tuple(SHOWN.get(vocab[i], vocab[i]) if 0 <= i < len(vocab) else "?"
                 for i in (int(i) for i in ids))


def unknown_note(unknown: Sequence[str], level: str, action: str) -> str:
    """A sentence saying which characters or words were not in the vocabulary and what was
    done with them (``action``, e.g. "left out" or "replaced by <unk>"); "" when none."""
    seen = list(dict.fromkeys(str(u) for u in unknown))
    if not seen:
        return ""
    what = "character" if level == "char" else "word"
    shown = ", ".join(repr(SHOWN.get(u, u)) for u in seen[:8])
    if len(seen) > 8:
        shown += f" and {len(seen) - 8} more"
    many = len(seen) > 1
    return (f"The {what}{'s' if many else ''} {shown} {'are' if many else 'is'} not in the "
            f"vocabulary and {'were' if many else 'was'} {action}.")


def option_number(value: Any, default: float) -> float:
    """A panel's option as a finite number, or ``default`` when it is missing or not one."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float(default)
    return out if math.isfinite(out) else float(default)


# -- statistics ---------------------------------------------------------------------------------
def token_counts(ids: torch.Tensor | Iterable[Iterable[int]], vocab_size: int) -> np.ndarray:
    """How often each token id occurs in a 1-D id tensor or in a list of id lists."""
    if isinstance(ids, torch.Tensor):
        flat = ids.reshape(-1).cpu().numpy()
    else:
        flat = np.fromiter((int(i) for row in ids for i in row), dtype=np.int64)
    return np.bincount(flat, minlength=vocab_size)[:vocab_size].astype(np.float64)


def entropy_nats(counts: np.ndarray) -> float:
    """Entropy of the distribution the counts give, in nats: the loss of a model that knows
    only how often each token occurs."""
    p = np.asarray(counts, dtype=np.float64)
    total = p.sum()
    if total <= 0:
        return 0.0
    p = p[p > 0] / total
    return float(-(p * np.log(p)).sum())


def bits_per_character(tokenizer: Any, loss: float) -> dict[str, float]:
    """``bits_per_char`` for character-level text, where a token is one character: the
    cross-entropy per token in bits (nats ÷ ln 2); nothing for words."""
    if getattr(tokenizer, "level", "") != "char":
        return {}
    return {"bits_per_char": loss / math.log(2.0)}


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> torch.Tensor:
    """Negative-sampling distribution: unigram counts raised to ``power``, normalised.

    The power below one lifts rare words a little and damps the most frequent ones."""
    weights = np.power(np.maximum(np.asarray(counts, dtype=np.float64), 0.0), power)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    return torch.from_numpy(weights / weights.sum()).float()


# -- sampling -----------------------------------------------------------------------------------
def sample_next(logits: torch.Tensor, temperature: float, top_k: int,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """One token id per row of ``logits`` (N, V).

    ``top_k`` = 1 is greedy (the likeliest token, no randomness); otherwise the logits are
    divided by ``temperature`` and, with ``top_k`` > 1, all but the k largest are dropped
    before drawing from the softmax."""
    logits = logits.float()
    if top_k == 1:
        return logits.argmax(-1)
    logits = logits / max(float(temperature), 1e-4)
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, -1)
    if generator is not None and probs.device.type != "cpu":
        probs = probs.cpu()
    return torch.multinomial(probs, 1, generator=generator)[:, 0].to(logits.device)


# -- masking (BERT) -----------------------------------------------------------------------------
MASK, RANDOM, KEEP = 1, 2, 3


def choose_positions(x: torch.Tensor, fraction: float, special: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """A (N, L) bool tensor: ``fraction`` of each row's ordinary tokens (at least one),
    chosen at random. Padding and special tokens are never chosen."""
    eligible = ~special[x]
    n_ok = eligible.sum(1)
    k = torch.clamp(torch.round(n_ok.float() * fraction).long(), min=1)
    k = torch.minimum(k, n_ok)
    scores = torch.rand(x.shape, generator=generator).to(x.device)
    scores = scores.masked_fill(~eligible, 2.0)
    rank = scores.argsort(1).argsort(1)
    return rank < k[:, None]


def corrupt(x: torch.Tensor, chosen: torch.Tensor, mask_id: int, ordinary: torch.Tensor,
            generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's corruption of the chosen positions: 80 % become ``mask_id``, 10 % a random
    ordinary token (from the 1-D id tensor ``ordinary``), 10 % stay as they are.

    Returns the corrupted ids and a (N, L) code per position: 0 not chosen, 1 masked,
    2 random, 3 kept."""
    u = torch.rand(x.shape, generator=generator).to(x.device)
    pick = torch.randint(len(ordinary), x.shape, generator=generator).to(x.device)
    code = torch.zeros_like(x)
    code[chosen & (u < 0.8)] = MASK
    code[chosen & (u >= 0.8) & (u < 0.9)] = RANDOM
    code[chosen & (u >= 0.9)] = KEEP
    out = x.clone()
    out[code == MASK] = mask_id
    out[code == RANDOM] = ordinary[pick][code == RANDOM]
    return out, code


# -- vectors ------------------------------------------------------------------------------------
def unit_rows(vectors: torch.Tensor) -> torch.Tensor:
    return vectors / vectors.norm(dim=-1, keepdim=True).clamp_min(1e-8)


def nearest(vectors: torch.Tensor, index: int, candidates: Sequence[int], k: int
            ) -> list[tuple[int, float]]:
    """The ``k`` candidates (excluding ``index``) most similar to row ``index`` by cosine."""
    others = [c for c in candidates if c != index]
    if not others or k <= 0:
        return []
    unit = unit_rows(vectors.float())
    sims = unit[others] @ unit[index]
    top = torch.topk(sims, min(k, len(others)))
    return [(others[int(i)], float(s)) for s, i in zip(top.values, top.indices, strict=True)]


def neighbour_precision(vectors: torch.Tensor, ids: Sequence[int], groups: Sequence[str],
                        candidates: Sequence[int], k: int = 5) -> float:
    """Mean, over the grouped words, of the share of a word's ``k`` nearest neighbours (by
    cosine, among ``candidates``) that come from its own group.

    ``ids[i]`` is a word's row in ``vectors`` and ``groups[i]`` its group. A word whose group
    has fewer than ``k`` other members is scored on that many neighbours, so a perfect
    clustering scores 1; a word alone in its group is skipped."""
    group_of = {int(i): g for i, g in zip(ids, groups, strict=True) if g}
    if not group_of:
        return 0.0
    cand = torch.tensor([int(c) for c in candidates], dtype=torch.long)
    unit = unit_rows(vectors.float().cpu())
    sims = unit[list(group_of)] @ unit[cand].T           # (words, candidates)
    sims[cand[None, :] == torch.tensor(list(group_of))[:, None]] = -math.inf
    order = sims.argsort(1, descending=True).numpy()
    cand_groups = [group_of.get(int(c), "") for c in cand]
    scores = []
    for row, (word, group) in enumerate(group_of.items()):
        mates = sum(1 for c in cand.tolist() if c != word and group_of.get(c) == group)
        kk = min(k, mates)
        if kk == 0:
            continue
        hits = sum(1 for j in order[row, :kk] if cand_groups[j] == group)
        scores.append(hits / kk)
    return float(np.mean(scores)) if scores else 0.0


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Rows projected on their two main axes, and the share of variance each axis keeps."""
    v = np.asarray(vectors, dtype=np.float64)
    if v.shape[0] < 2 or v.shape[1] < 1:
        return np.zeros((v.shape[0], 2), dtype=np.float32), (0.0, 0.0)
    centred = v - v.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    points = centred @ axes.T
    if points.shape[1] < 2:
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    var = s ** 2
    total = var.sum()
    shares = (var[:2] / total) if total > 0 else np.zeros(2)
    shares = np.pad(shares, (0, 2 - len(shares)))
    return points.astype(np.float32), (float(shares[0]), float(shares[1]))
