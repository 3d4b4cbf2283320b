"""Next-token language modelling, GPT-style: predict every next token of a text from the
tokens before it, then write new text one token at a time from the current weights."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import DataError
from ...model.project import Project
from ...snapshots.kinds import Snapshot
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..seq_visuals import attention_snapshot
from ..text_common import (
    TextTrainer,
    bits_per_character,
    entropy_nats,
    option_number,
    sample_next,
    token_counts,
    token_text,
    unknown_note,
)
from .snapshots import Generation

EVAL_WINDOWS = 96         # windows of the val split scored at each check (train: the same)
FINAL_WINDOWS = 512       # windows of each split scored for the final metrics
EVAL_BATCH = 128
GENERATION_BUDGET_S = 0.15  # sampling stops early rather than keep a prompt waiting longer


@PARADIGMS.register("language_model")
class LanguageModelParadigm(TextTrainer):
    """Causal next-token prediction on the dataset's text stream (``extras["stream"]``).

    Each step draws ``batch_size`` random windows of the training text; the input is a
    window, the target the same window shifted one token on. The network (slot ``model``)
    maps token ids (L,) to scores over the vocabulary (L, V) and must not look ahead (use
    causal attention). The pictures are ``generation`` (text written from a prompt) and
    ``attention`` (the maps for one test window).
    """

    name = "language_model"
    visual_kinds = frozenset({"generation"})

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        self._begin_text(project, nets, data, device)
        self.window = int(data.input_shape[0])
        streams = data.extras.get("stream", {})
        self.streams = {k: torch.as_tensor(v, dtype=torch.long).to(device)
                        for k, v in streams.items()}
        train = self.streams.get("train")
        if train is None or len(train) < self.window + 2:
            raise DataError(f"the training text has fewer than {self.window + 2} tokens, too "
                            f"few for the model's window of {self.window}; use more text or "
                            "a shorter sequence length")
        # random windows, not a walk over rows: an epoch is as many tokens as the text holds
        self.batch_size = self.hparams["batch_size"]
        self._schedule(max(1, math.ceil((len(train) - 1) / (self.batch_size * self.window))))
        self.generator = torch.Generator().manual_seed(project.seed)
        self.optimizer = make_optimizer(self.model.parameters(), self.hparams, self.total_steps)
        counts = token_counts(train, len(self.vocab))
        self.unigram_loss = entropy_nats(counts)
        # tokens the training text never holds (padding, mask, ...) are never written
        self._unseen = torch.from_numpy(counts == 0).to(device)
        rng = torch.Generator().manual_seed(project.seed + 1)
        self._eval_starts = {
            "train": torch.randint(0, len(train) - self.window, (EVAL_WINDOWS,),
                                   generator=rng).to(device)}
        for split in ("val", "test"):
            self._eval_starts[split] = self._tiling(split, EVAL_WINDOWS)
        self._kinds_with_attention("generation")

    def _tiling(self, split: str, limit: int) -> torch.Tensor:
        """Starts of non-overlapping windows over a split's text (at most ``limit``)."""
        stream = self.streams.get(split)
        if stream is None or len(stream) < self.window + 1:
            return torch.zeros(0, dtype=torch.long, device=self.device)
        return tiling(len(stream), self.window, limit, self.device)

    # -- training ------------------------------------------------------------------------
    def windows(self, stream: torch.Tensor, starts: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets for windows starting at ``starts``: the target of position t is
        the token at t + 1."""
        return windows(stream, starts, self.window)

    def step(self) -> dict[str, float]:
        if not self.model.training:
            self.model.train()
        x, y = random_windows(self.streams["train"], self.window, self.batch_size,
                              self.generator)               # (B, L), (B, L)
        value = self._update(next_token_loss(self.model(x), y))   # scores (B, L, V)
        if self.steps_done % self.steps_per_epoch == 0:
            self.epoch += 1
        return {"loss": value}

    def evaluate(self, split: str = "val", starts: torch.Tensor | None = None
                 ) -> dict[str, float]:
        stream = self.streams.get(split)
        starts = self._eval_starts.get(split) if starts is None else starts
        if stream is None or starts is None or len(starts) == 0:
            return {}
        with torch.inference_mode():
            self.model.eval()
            loss, accuracy = window_scores(self.model, stream, starts, self.window, EVAL_BATCH)
        return {"loss": loss, **bits_per_character(self.tokenizer, loss), "accuracy": accuracy}

    def final_metrics(self) -> dict[str, float]:
        out = self._split_metrics(lambda split: self.evaluate(
            split, None if split == "train" else self._tiling(split, FINAL_WINDOWS)))
        out["unigram_loss"] = self.unigram_loss
        out.update(self.pattern_accuracy())
        return out

    # -- prompting -----------------------------------------------------------------------
    def encode_prompt(self, text: str) -> tuple[list[int], str]:
        """Token ids of a prompt, with characters or words the vocabulary lacks left out,
        and a note saying which (empty when all were known)."""
        ids, unknown = self.tokenizer.encode(text)
        unk = getattr(self.tokenizer, "unk_id", None)
        ids = [i for i in ids if i != unk and i != 0]
        return ids, unknown_note(unknown, getattr(self.tokenizer, "level", "char"), "left out")

    def start_ids(self) -> list[int]:
        """What an empty prompt starts from: a newline where the vocabulary has one, else the
        first token of the training text."""
        if "\n" in self.vocab:
            return [self.vocab.index("\n")]
        return [int(self.streams["train"][0])]

    def complete(self, ids: list[int], count: int, temperature: float, top_k: int,
                 generator: torch.Generator | None = None,
                 budget_s: float | None = None) -> list[int]:
        """``count`` new token ids after ``ids``, each drawn from the model's next-token
        scores given at most the last ``window`` tokens. Call under inference mode."""
        seq = torch.tensor([ids], dtype=torch.long, device=self.device)
        new: list[int] = []
        start = time.perf_counter()
        for _ in range(count):
            token = next_token(self.model, seq, self.window, self._unseen, temperature, top_k,
                               generator)                      # (1,)
            new.append(int(token[0]))
            seq = torch.cat([seq, token[:, None]], 1)
            if budget_s is not None and time.perf_counter() - start > budget_s:
                break
        return new

    def greedy_batch(self, prompts: list[list[int]], count: int) -> torch.Tensor:
        """Greedy continuations (P, count) of several prompts at once. Each prompt is cut to
        its last ``window`` tokens and padded on the right; thanks to the causal mask the
        padding never reaches the position that is read."""
        rows = torch.zeros(len(prompts), self.window, dtype=torch.long, device=self.device)
        ends = []
        for r, ids in enumerate(prompts):
            ids = ids[-(self.window - 1):] or self.start_ids()
            rows[r, :len(ids)] = torch.tensor(ids, device=self.device)
            ends.append(len(ids))
        end = torch.tensor(ends, device=self.device)
        out = torch.zeros(len(prompts), count, dtype=torch.long, device=self.device)
        arange = torch.arange(len(prompts), device=self.device)
        for t in range(count):
            logits = self.model(rows)[arange, end - 1]          # (P, V) at each prompt's end
            logits = logits.masked_fill(self._unseen, float("-inf"))
            token = logits.argmax(-1)
            out[:, t] = token
            full = end >= self.window
            if full.any():  # slide the window of the rows that filled it
                rows[full] = torch.roll(rows[full], -1, 1)
                end = torch.where(full, end - 1, end)
            rows[arange, end] = token
            end = end + 1
        return out

    def pattern_accuracy(self) -> dict[str, float]:
        """Share of the held-out pattern prompts whose greedy completion is the answer,
        without examples (zero-shot) and with examples in the prompt (few-shot). Each prompt
        starts a new line, as the puzzles do in the training text."""
        items = self.data.extras.get("pattern_eval") or []
        if not items:
            return {}
        answers = [self.tokenizer.encode(a)[0] for _, _, a in items]
        start = self.start_ids() if "\n" in self.vocab else []  # a prompt starts a line
        count = max(len(a) for a in answers)
        scores = {}
        with torch.inference_mode():
            self.model.eval()
            for name, column in (("zero_shot_accuracy", 0), ("few_shot_accuracy", 1)):
                prompts = [start + self.encode_prompt(item[column])[0] for item in items]
                got = self.greedy_batch(prompts, count).tolist()
                hits = [g[:len(a)] == a for g, a in zip(got, answers, strict=True)]
                scores[name] = float(np.mean(hits))
        return scores

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        return self._pictures(kinds, {"generation": self._generation,
                                      "attention": self._attention}, self.model)

    def _generation(self) -> Generation:
        prompt = str(self._options.get("prompt", "") or "")
        temperature = option_number(self._options.get("temperature"), self.hparams["temperature"])
        temperature = min(max(temperature, 0.05), 5.0)
        top_k = max(0, int(option_number(self._options.get("top_k"), self.hparams["top_k"])))
        seed = int(option_number(self._options.get("sample_seed"), 0))
        ids, note = self.encode_prompt(prompt)
        if not ids:
            ids = self.start_ids()
        count = self.hparams["sample_length"]
        start = time.perf_counter()
        new = self.complete(ids, count, temperature, top_k,
                            torch.Generator().manual_seed(seed), GENERATION_BUDGET_S)
        seconds = time.perf_counter() - start
        if len(new) < count:
            note = (note + " " if note else "") + \
                f"Stopped after {len(new)} tokens to answer quickly."
        examples: list[tuple[str, str]] = []
        for i, (zero, few, _) in enumerate((self.data.extras.get("pattern_eval") or [])[:2]):
            examples += [(f"zero-shot {i + 1}", zero), (f"few-shot {i + 1}", few)]
        return Generation(step=self.steps_done, prompt=prompt,
                          completion=self.continuation(prompt, ids, new), temperature=temperature,
                          top_k=top_k, note=note, examples=tuple(examples), seconds=seconds)

    def continuation(self, prompt: str, ids: list[int], new: list[int]) -> str:
        """The text of ``new`` as it follows the prompt: for words, with the space the
        tokenizer puts between them (none before punctuation or after a typed space)."""
        if getattr(self.tokenizer, "level", "char") != "word" or not prompt:
            return self.tokenizer.decode(new)
        before = self.tokenizer.decode(ids)
        text = self.tokenizer.decode(ids + new)[len(before):]
        return text.lstrip(" ") if prompt[-1].isspace() else text

    def _attention(self) -> Snapshot:
        stream = self.streams.get("test")
        if stream is None or len(stream) < self.window + 1:
            stream = self.streams["train"]
        count = max(1, (len(stream) - 1) // self.window)
        index = int(option_number(self._options.get("example_index"), 0)) % count
        x = stream[index * self.window:(index + 1) * self.window][None]
        labels = token_text(self.vocab, x[0].tolist())
        text = self.tokenizer.decode(x[0].tolist()).replace("\n", " ⏎ ")
        text = text if len(text) <= 60 else text[:59] + "…"
        return attention_snapshot(self.model, (x,), labels, labels, self.steps_done, index,
                                  f"test window {index}: {text}")


def next_token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of scores (N, L, V) against the next tokens (N, L)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def windows(ids: torch.Tensor, starts: torch.Tensor, length: int
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets (N, length) of the windows of ``length`` tokens that begin at
    ``starts`` (N,) in the token stream ``ids``: the target at position t is the token at
    t + 1, so every position learns to predict the next token."""
    w = ids[starts[:, None] + torch.arange(length + 1, device=ids.device)]  # (N, length + 1)
    return w[:, :-1], w[:, 1:]


def random_windows(ids: torch.Tensor, length: int, batch_size: int,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets (B, length) of ``batch_size`` windows from random places in the
    token stream ``ids``, the places drawn from ``generator``."""
    starts = torch.randint(0, len(ids) - length, (batch_size,), generator=generator)
    return windows(ids, starts.to(ids.device), length)


def tiling(n_tokens: int, length: int, limit: int, device=None) -> torch.Tensor:
    """Starts of the windows of ``length`` tokens that tile a text of ``n_tokens`` without
    overlapping: at most ``limit`` of them, spread evenly over the text when there are more."""
    count = (n_tokens - 1) // length
    starts = torch.arange(count, device=device) * length
    if count > limit:
        keep = torch.linspace(0, count - 1, limit, device=device).round().long()
        starts = starts[keep]
    return starts


def window_scores(model, ids: torch.Tensor, starts: torch.Tensor, length: int,
                  batch: int = 128) -> tuple[float, float]:
    """Next-token loss (mean cross-entropy per token) and accuracy (share of tokens predicted
    right) of the windows at ``starts``, ``batch`` windows at a time."""
    total, correct, count = 0.0, 0, 0
    for i in range(0, len(starts), batch):
        x, y = windows(ids, starts[i:i + batch], length)
        scores = model(x)                                       # (n, L, V)
        total += F.cross_entropy(scores.reshape(-1, scores.shape[-1]), y.reshape(-1),
                                 reduction="sum").item()
        correct += (scores.argmax(-1) == y).sum().item()
        count += y.numel()
    return total / count, correct / count


def next_token(model, seq: torch.Tensor, length: int, unseen: torch.Tensor,
               temperature: float, top_k: int, generator: torch.Generator | None = None
               ) -> torch.Tensor:
    """The token (1,) that follows ``seq`` (1, T), drawn by :func:`sample_next` from the
    model's scores at the last position; the model reads the last ``length`` tokens, and
    tokens marked in ``unseen`` (V,) (never in the training text) are never drawn."""
    scores = model(seq[:, -length:])[:, -1]                     # (1, V): the last position
    scores = scores.masked_fill(unseen, float("-inf"))
    return sample_next(scores, temperature, top_k, generator)
