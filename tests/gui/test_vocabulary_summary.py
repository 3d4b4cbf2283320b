"""The import dialog's summary of a text file says what its tokens are, specials named."""

from __future__ import annotations

import string
from pathlib import Path

from mlsp_studio.gui.data_preview import summary


def test_a_text_files_summary_names_the_special_tokens(tmp_path: Path) -> None:
    letters = string.ascii_lowercase + string.ascii_uppercase  # 52 characters
    lines = [f"{letters[i:]}{letters[:i]} is line {i % 10}." for i in range(60)]
    path = tmp_path / "story.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    distinct = len(set(path.read_text(encoding="utf-8")))
    said = summary("text_file", {"path": str(path), "level": "char", "max_vocab": 0}, (64,))
    assert (f"{distinct + 5} tokens: {distinct} characters and 5 special ones (<pad>, <unk>, "
            "<mask>, <cls>, <sep>)") in said
    assert "different tokens" not in said
