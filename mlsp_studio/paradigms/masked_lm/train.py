"""Masked language modelling, BERT-style: hide some tokens of each sentence and predict them
from both sides; optionally also learn whether a second sentence really follows the first."""

from __future__ import annotations

import re
from typing import Any

import torch
import torch.nn.functional as F

from ...errors import ProjectError
from ...model.project import Project
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..seq_visuals import attention_snapshot
from ..text_common import (
    TextTrainer,
    bits_per_character,
    choose_positions,
    corrupt,
    option_number,
    special_mask,
    token_text,
    unknown_note,
)
from .snapshots import FillMask

EVAL_ROWS = 512           # rows of a split scored at each check (train: a fixed subset)
TOP = 5                   # guesses listed per blank
BLANK = re.compile(r"\[mask\]|<mask>|_+", re.IGNORECASE)


@PARADIGMS.register("masked_lm")
class MaskedLMParadigm(TextTrainer):
    """BERT's pre-training on the dataset's sentence rows (``Split.x``, padded with 0).

    Each step chooses ``mask_fraction`` of every row's ordinary tokens (never padding or
    special tokens); of those, 80 % become ``<mask>``, 10 % a random token and 10 % stay.
    The loss is the cross-entropy on the chosen positions only. The network (slot ``model``)
    maps token ids (L,) to scores (L, V). With ``next_sentence`` each row is a pair
    ``<cls> A <sep> B <sep>`` whose B is the real next sentence half the time, and the network
    needs a second output with 2 classes (e.g. TakeToken 0 → ClassifierHead with 2 classes)
    that learns to tell which.
    """

    name = "masked_lm"
    visual_kinds = frozenset({"fill_mask"})

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin_text(project, nets, data, device)
        self.length = int(data.input_shape[0])
        self.fraction = self.hparams["mask_fraction"]
        self.nsp = self.hparams["next_sentence"]
        self.special = special_mask(self.tokenizer, self.vocab, device)
        self.ordinary = torch.nonzero(~self.special)[:, 0]
        self.mask_id = int(self.tokenizer.mask_id)
        self.cls_id, self.sep_id = int(self.tokenizer.cls_id), int(self.tokenizer.sep_id)
        self._check_outputs()
        if self.nsp:
            self._sentences = {s: list(v) for s, v in data.extras["sentences"].items()}
            self._paragraph = {s: list(v) for s, v in data.extras["paragraph"].items()}
            # sentences followed by another of their paragraph: the first halves of pairs
            self._firsts = {s: [i for i in range(len(p) - 1) if p[i + 1] == p[i]]
                            for s, p in self._paragraph.items()}
            n = len(self._firsts["train"])
            if n == 0:
                raise ProjectError("next_sentence needs paragraphs of two sentences or more, "
                                   "and the training text has none")
        else:
            n = len(data.train)
        if n == 0:
            raise ProjectError("the training split has no sentences to learn from")
        # indices on the CPU: rows() builds sentence pairs there, or moves the indices itself
        self._common_setup(project, n, None)
        self.optimizer = make_optimizer(self.model.parameters(), self.hparams, self.total_steps)
        self._eval = {split: self._fixed_batch(split, project.seed + 11 + i)
                      for i, split in enumerate(("train", "val", "test"))}
        self._kinds_with_attention("fill_mask")

    def _check_outputs(self) -> None:
        """The network must give token scores, and a 2-class output too with next_sentence."""
        with torch.no_grad():
            out = self.model(self.data.train.x[:1])
        outs = out if isinstance(out, tuple) else (out,)
        self._token_out = next((i for i, o in enumerate(outs) if o.dim() == 3), None)
        self._pair_out = next((i for i, o in enumerate(outs)
                               if o.dim() == 2 and o.shape[-1] == 2), None)
        if self._token_out is None:
            raise ProjectError("the network must give scores for every token, shape "
                               "(L, vocabulary size), e.g. end it with a ClassifierHead")
        if self.nsp and self._pair_out is None:
            raise ProjectError("next_sentence is on, but the network has no second output "
                               "with 2 classes: add one (e.g. TakeToken 0 → ClassifierHead "
                               "with classes 2) or turn next_sentence off")

    # -- batches -------------------------------------------------------------------------
    def pairs(self, split: str, index: torch.Tensor, generator: torch.Generator
              ) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows ``<cls> A <sep> B <sep>`` (N, L) and labels (N,): A is the ``index``-th
        sentence of the split that has a next one in its paragraph; half of the time B is
        that next sentence (label 1), else a sentence of another paragraph (label 0)."""
        sentences, paragraph = self._sentences[split], self._paragraph[split]
        firsts = self._firsts[split]
        n = len(sentences)
        coins = torch.rand(len(index), generator=generator).tolist()
        picks = torch.randint(n, (len(index), 4), generator=generator).tolist()
        rows = torch.zeros(len(index), self.length, dtype=torch.long)
        labels = torch.zeros(len(index), dtype=torch.long)
        for r, i in enumerate(firsts[k] for k in index.tolist()):
            if coins[r] < 0.5:
                j, labels[r] = i + 1, 1
            else:
                others = [p for p in picks[r] if paragraph[p] != paragraph[i]]
                j = others[0] if others else (i + 1 + n // 2) % n
            a, b = list(sentences[i]), list(sentences[j])
            a = [t for t in a if t != self.cls_id]
            b = [t for t in b if t != self.cls_id]
            while len(a) + len(b) + 3 > self.length:  # cut the longer one to fit
                (a if len(a) >= len(b) else b).pop()
            ids = [self.cls_id, *a, self.sep_id, *b, self.sep_id]
            rows[r, :len(ids)] = torch.tensor(ids)
        return rows.to(self.device), labels.to(self.device)

    def rows(self, split: str, index: torch.Tensor, generator: torch.Generator
             ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.nsp:
            return self.pairs(split, index, generator)
        return getattr(self.data, split).x[index.to(self.device)], None

    def mask(self, x: torch.Tensor, generator: torch.Generator
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Corrupted inputs and the (N, L) bool tensor of the chosen positions."""
        return mask_tokens(x, self.fraction, self.special, self.mask_id, self.ordinary,
                           generator)

    def _fixed_batch(self, split: str, seed: int) -> tuple | None:
        """A batch masked once, so every check scores the same positions."""
        generator = torch.Generator().manual_seed(seed)
        n = len(self._firsts[split]) if self.nsp else len(getattr(self.data, split))
        if n == 0:
            return None
        index = torch.randperm(n, generator=generator)[:EVAL_ROWS]
        x, labels = self.rows(split, index, generator)
        inputs, chosen = self.mask(x, generator)
        return x, inputs, chosen, labels

    # -- training ------------------------------------------------------------------------
    def _losses(self, x, inputs, chosen, labels):
        out = self.model(inputs)
        outs = out if isinstance(out, tuple) else (out,)
        logits, token_loss = masked_prediction(outs[self._token_out], x, chosen)
        pair_logits = outs[self._pair_out] if labels is not None else None
        pair_loss = F.cross_entropy(pair_logits, labels) if labels is not None else None
        return logits, token_loss, pair_logits, pair_loss

    def step(self) -> dict[str, float]:
        if not self.model.training:
            self.model.train()
        x, labels = self.rows("train", self._next_indices(), self.generator)
        inputs, chosen = self.mask(x, self.generator)
        _, token_loss, _, pair_loss = self._losses(x, inputs, chosen, labels)
        metrics = {"loss": self._update(token_loss if pair_loss is None
                                        else token_loss + pair_loss)}
        if pair_loss is not None:
            metrics["masked_loss"] = token_loss.item()
            metrics["nsp_loss"] = pair_loss.item()
        return metrics

    def evaluate(self, split: str = "val") -> dict[str, float]:
        batch = self._eval.get(split)
        if batch is None:
            return {}
        x, inputs, chosen, labels = batch
        with torch.inference_mode():
            self.model.eval()
            logits, token_loss, pair_logits, pair_loss = self._losses(x, inputs, chosen, labels)
            metrics = {"loss": token_loss.item(),
                       **bits_per_character(self.tokenizer, token_loss.item()),
                       "masked_accuracy": masked_accuracy(logits, x, chosen)}
            if pair_logits is not None:
                metrics["nsp_loss"] = pair_loss.item()
                metrics["nsp_accuracy"] = (pair_logits.argmax(-1) == labels).float().mean().item()
        return metrics

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        return self._pictures(kinds, {"fill_mask": lambda: self.fill_mask(self._mask_text()),
                                      "attention": self._attention}, self.model)

    def _mask_text(self) -> str:
        text = str(self._options.get("mask_text", "") or "").strip()
        if text:
            return text
        examples = self.data.extras.get("fill_examples") or []
        if examples:
            index = int(option_number(self._options.get("example_index"), 0)) % len(examples)
            return str(examples[index])
        return ""

    def encode_blanks(self, text: str) -> tuple[list[int], str]:
        """Ids of a sentence with blanks written as [MASK], <mask> or _ (each becomes the
        mask token), with the class token in front when the training rows have one, and a
        note about words the vocabulary lacks (they become <unk>)."""
        blank = "<mask>" if self.tokenizer.level == "char" else " <mask> "
        ids, unknown = self.tokenizer.encode(BLANK.sub(blank, text))
        if bool((self.data.train.x[:, 0] == self.cls_id).all()) and (not ids
                                                                     or ids[0] != self.cls_id):
            ids = [self.cls_id, *ids]
        return ids, unknown_note(unknown, self.tokenizer.level, "read as <unk>")

    def fill_mask(self, text: str) -> FillMask:
        """The model's top guesses for every blank of ``text``."""
        ids, note = self.encode_blanks(text)
        if len(ids) > self.length:
            ids = ids[:self.length]
            note = (note + " " if note else "") + \
                f"The sentence was cut to the model's {self.length} tokens."
        masked = [i for i, t in enumerate(ids) if t == self.mask_id]
        if not masked:
            note = (note + " " if note else "") + \
                "Write a blank as [MASK] or _ to see the model's guesses."
        x = torch.zeros(1, self.length, dtype=torch.long, device=self.device)
        if ids:
            x[0, :len(ids)] = torch.tensor(ids, device=self.device)
        predictions = []
        if masked:
            out = self.model(x)
            logits = (out if isinstance(out, tuple) else (out,))[self._token_out][0]
            probs = torch.softmax(logits[masked].float(), -1)
            probs[:, self.special] = 0.0
            top = torch.topk(probs, min(TOP, probs.shape[-1]), -1)
            for values, indices in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                predictions.append(tuple((self.vocab[i], float(p))
                                         for p, i in zip(values, indices, strict=True)))
        return FillMask(step=self.steps_done, tokens=token_text(self.vocab, ids),
                        masked=tuple(masked), predictions=tuple(predictions), note=note)

    def _attention(self) -> Snapshot:
        test = self.data.test if len(self.data.test) else self.data.train
        index = int(option_number(self._options.get("example_index"), 0)) % len(test)
        x = test.x[index:index + 1]
        labels = token_text(self.vocab, x[0].tolist())
        text = self.tokenizer.decode(x[0].tolist())
        return attention_snapshot(self.model, (x,), labels, labels, self.steps_done, index,
                                  f"test sentence {index}: {text}")


def mask_tokens(x: torch.Tensor, fraction: float, special: torch.Tensor, mask_id: int,
                ordinary: torch.Tensor, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's corruption of the rows ``x`` (N, L): ``fraction`` of each row's ordinary tokens
    (at least one; never padding or the tokens marked in ``special`` (V,)) are chosen; of
    those, 80 % become ``mask_id``, 10 % a random token of ``ordinary`` and 10 % stay as they
    are. Returns the corrupted rows and the chosen positions (N, L), the ones to predict."""
    chosen = choose_positions(x, fraction, special, generator)
    inputs, _ = corrupt(x, chosen, mask_id, ordinary, generator)
    return inputs, chosen


def masked_prediction(scores: torch.Tensor, x: torch.Tensor, chosen: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """The scores (hidden, V) at the chosen positions of ``scores`` (N, L, V), and their
    cross-entropy against the true tokens ``x`` (N, L) there: only the hidden positions
    count, the rest of the row is given, not predicted."""
    hidden = scores[chosen]
    return hidden, F.cross_entropy(hidden, x[chosen])


def masked_accuracy(hidden: torch.Tensor, x: torch.Tensor, chosen: torch.Tensor) -> float:
    """The share of hidden tokens whose best score (``hidden`` (hidden, V)) is the true one."""
    return (hidden.argmax(-1) == x[chosen]).float().mean().item()
