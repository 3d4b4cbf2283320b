"""``mlsp-studio run … --prompt TEXT``: what a trained language model makes of a prompt.

A next-token model (``language_model``) writes a few samples continuing the prompt; a masked
language model (``masked_lm``) fills the blanks written in it ([MASK], <mask> or _). They are
printed at the end of the run and written to the run folder as ``samples.txt``. Any other
paradigm, or a masked model given a prompt without a blank, is refused in a sentence before
training starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import StudioError

PROMPT_PARADIGMS = ("language_model", "masked_lm")
SAMPLES_FILE = "samples.txt"
# a blank as the masked model reads one in a sentence (its fill_mask): [MASK], <mask> or _
BLANK = re.compile(r"\[mask\]|<mask>|_+", re.IGNORECASE)


class PromptError(StudioError):
    """A prompt this project cannot answer."""


def check_prompt(paradigm: str, prompt: str, samples: int) -> None:
    """Refuse, before any training, a prompt the run could not answer."""
    if paradigm not in PROMPT_PARADIGMS:
        raise PromptError(f"--prompt is for language models (paradigms language_model and "
                          f"masked_lm); this project trains {paradigm}, which reads no "
                          "prompt")
    if paradigm == "masked_lm" and not BLANK.search(prompt):
        raise PromptError("a masked language model fills blanks: write each as [MASK], <mask> "
                          "or _ in the prompt, e.g. --prompt 'the cat [MASK] on the mat'")
    if paradigm == "language_model" and not 1 <= samples <= 100:
        raise PromptError("--samples must be 1 to 100")


def answer_prompt(paradigm: Any, prompt: str, samples: int, seed: int) -> list[str]:
    """The lines that answer ``prompt`` with the paradigm's trained model."""
    import torch

    model = paradigm.model
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            if paradigm.name == "masked_lm":
                return _fill(paradigm, prompt)
            return _continue(paradigm, prompt, samples, seed)
    finally:
        model.train(was_training)


def _continue(paradigm: Any, prompt: str, samples: int, seed: int) -> list[str]:
    import torch

    h = paradigm.hparams
    ids, note = paradigm.encode_prompt(prompt)
    if not ids:
        ids = paradigm.start_ids()
    count = h["sample_length"]
    top = f"top-k {h['top_k']}" if h["top_k"] else "all tokens"
    lines = [f"Prompt: {prompt!r}",
             f"{samples} sample{'s' if samples != 1 else ''} of {count} tokens each at "
             f"temperature {h['temperature']:g} ({top}), by the weights of step "
             f"{paradigm.steps_done:,}"]
    if note:
        lines.append(note)
    for i in range(samples):
        new = paradigm.complete(ids, count, h["temperature"], h["top_k"],
                                torch.Generator().manual_seed(seed + i))
        lines += ["", f"--- sample {i + 1} ---", prompt + paradigm.continuation(prompt, ids, new)]
    return lines


def _fill(paradigm: Any, prompt: str) -> list[str]:
    snap = paradigm.fill_mask(prompt)
    lines = [f"Prompt: {prompt!r}", f"The blanks filled by the weights of step "
                                    f"{paradigm.steps_done:,}, likeliest guesses first:"]
    if snap.note:
        lines.append(snap.note)
    ids, _ = paradigm.encode_blanks(prompt)
    ids = ids[:paradigm.length]
    index = {text: i for i, text in enumerate(paradigm.vocab)}
    for n, (position, guesses) in enumerate(zip(snap.masked, snap.predictions, strict=True)):
        ids[position] = index[guesses[0][0]]
        said = ", ".join(f"{token!r} {p:.0%}" for token, p in guesses)
        lines.append(f"  blank {n + 1}: {said}")
    special = {paradigm.cls_id, paradigm.sep_id}
    filled = paradigm.tokenizer.decode(i for i in ids if i not in special)
    lines += ["", f"Filled: {filled}"]
    return lines


def write_samples(paradigm: Any, prompt: str, samples: int, seed: int, out: Path) -> None:
    """Answer ``prompt``, print the answer and write it to ``out/samples.txt``."""
    lines = answer_prompt(paradigm, prompt, samples, seed)
    text = "\n".join(lines) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / SAMPLES_FILE).write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"(also in {out / SAMPLES_FILE})")
