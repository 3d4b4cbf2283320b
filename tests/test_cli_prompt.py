"""``mlsp-studio run … --prompt TEXT``: a language model's samples, a masked model's filled
blanks, printed and written to samples.txt; every other project refused in one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsp_studio.cli import main


def _run(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "run"
    code = main(["run", *args, "--steps", "3", "--no-figures", "--quiet", "--out", str(out)])
    return code, out


def test_a_language_model_continues_the_prompt(tmp_path: Path, capsys) -> None:
    code, out = _run(tmp_path, "gpt-chars", "--prompt", "the fox", "--samples", "2",
                     "--set", "sample_length=12")
    assert code == 0
    printed = capsys.readouterr().out
    written = (out / "samples.txt").read_text(encoding="utf-8")
    assert written in printed
    lines = written.splitlines()
    assert lines[0] == "Prompt: 'the fox'"
    assert "2 samples of 12 tokens each" in lines[1] and "step 3" in lines[1]
    samples = [lines[i + 1] for i, line in enumerate(lines) if line.startswith("--- sample")]
    assert len(samples) == 2
    assert all(s.startswith("the fox") and len(s) > len("the fox") for s in samples)


def test_a_masked_model_fills_the_blanks(tmp_path: Path, capsys) -> None:
    code, out = _run(tmp_path, "bert-mlm", "--prompt", "the cat [MASK] the _")
    assert code == 0
    written = (out / "samples.txt").read_text(encoding="utf-8")
    assert written in capsys.readouterr().out
    blanks = [line for line in written.splitlines() if line.strip().startswith("blank ")]
    assert [b.split(":")[0].strip() for b in blanks] == ["blank 1", "blank 2"]
    filled = next(line for line in written.splitlines() if line.startswith("Filled: "))
    assert filled.startswith("Filled: the cat ") and "[MASK]" not in filled


@pytest.mark.parametrize("target,prompt,words", [
    ("spiral", "hello", "--prompt is for language models"),
    ("bert-mlm", "the cat sat", "fills blanks: write each as [MASK]"),
])
def test_a_prompt_that_cannot_be_answered_is_refused_before_training(
        tmp_path: Path, capsys, target: str, prompt: str, words: str) -> None:
    code, out = _run(tmp_path, target, "--prompt", prompt)
    err = capsys.readouterr().err
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and not out.exists()  # refused before anything was made
