"""The checks every hostile project file goes through in the fuzz tests: whatever the file,
the studio opens it as a project or refuses it in one plain sentence."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

from hypothesis import currently_in_test_context, event

from mlsp_studio.errors import StudioError
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.project import check_project, load_project

BAD_WORDS = ("Traceback", "NoneType", "object of type", "not subscriptable", "unhashable",
             "Exceeds the limit", "maximum recursion")


def assert_sentence(message: str) -> None:
    assert message and message.strip(), "empty message"
    assert len(message.splitlines()) == 1 and "\r" not in message, repr(message[:300])
    assert len(message) < 1000, repr(message[:300])
    for word in BAD_WORDS:
        assert word not in message, repr(message[:300])


def _note(text: str) -> None:
    """Counted in ``--hypothesis-show-statistics``, to see what the files got as far as."""
    if currently_in_test_context():
        event(text)


def _refused_plainly(action, *args) -> Any:
    """Run ``action``; a StudioError is fine if it is one plain sentence. Returns the result."""
    try:
        return action(*args)
    except StudioError as err:
        assert_sentence(str(err))
        words = [w for w in str(err).split(": ")[-1].split() if w.isalpha()]
        _note(f"{action.__name__} refused: {' '.join(words[:5])}")
        return None


def exercise(folder: Path, raw: bytes, setting: tuple[str, Any] = ("seed", 1)) -> None:
    """Everything the studio does with a file it opens; only plain refusals may escape.

    Opening, checking, saving, reopening and changing a setting, and making each variant (a
    copy of the whole project). No time is asserted: a file that hangs is caught by the test's
    timeout, and the bench's ``largest_project_open_s`` times the largest network. The cycle
    collector is off meanwhile: its pauses grow with this process's heap (hypothesis keeps a
    lot), not with the file, and JSON values hold no cycles.
    """
    gc.disable()
    try:
        _exercise(folder, raw, setting)
    finally:
        gc.enable()


def _exercise(folder: Path, raw: bytes, setting: tuple[str, Any]) -> None:
    path = folder / "fuzz.mlsp.json"
    path.write_bytes(raw)
    project = _refused_plainly(load_project, path)
    if project is None:
        return
    check = check_project(project, BLOCKS)  # problems come back as sentences, never raised
    for message in check.errors:
        assert_sentence(message)
    _note("opened, " + ("checks fine" if check.ok else "with check errors"))
    first = project.to_json()
    saved = folder / "saved.mlsp.json"
    saved.write_text(first, encoding="utf-8")
    again = load_project(saved)  # whatever the studio saves, it must open
    assert again.to_json() == first
    _refused_plainly(project.apply_setting, *setting)
    json.dumps([project.seed, project.device, project.hparams, project.dataset_options])
    for name in list(project.variants)[:2]:
        variant = _refused_plainly(project.with_variant, name)
        if variant is not None:
            for message in check_project(variant, BLOCKS).errors:
                assert_sentence(message)
