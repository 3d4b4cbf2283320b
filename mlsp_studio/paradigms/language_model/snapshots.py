"""Snapshots of the next-token language model: text written from a prompt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class Generation(Snapshot):
    """Text a language model wrote from a prompt with the current weights.

    ``note`` says in words what was done with characters or words outside the vocabulary
    (empty when there were none). ``examples`` are ready prompts a person can pick, as
    (name, prompt) pairs, e.g. a zero-shot and a few-shot prompt of the pattern task.
    ``seconds`` is how long the sampling took."""

    kind: ClassVar[str] = "generation"
    prompt: str = ""
    completion: str = ""
    temperature: float = 1.0
    top_k: int = 0
    note: str = ""
    examples: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0


SNAPSHOTS: tuple[type[Snapshot], ...] = (Generation,)
OPTIONS: dict[str, str] = {
    "prompt": "the generation panel's prompt (str)",
    "temperature": "sampling temperature (float > 0)",
    "top_k": "sample among the k likeliest tokens only; 0 = all (int)",
    "sample_seed": "a new value re-samples the same prompt (int)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
