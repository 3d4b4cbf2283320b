"""Bring a project file written in an older format up to the current one.

Each step takes the JSON object of version ``n`` to version ``n + 1`` and says in words what
it changed, so the window can tell the person. Steps never trust the file: anything of the
wrong type is left for the loader, which refuses it with a sentence.

Version history (docs/project-format.md has the whole format):

1. The first format.
2. A relative path in a dataset's options (a CSV, a folder of images…) is read from the
   project file's folder, not from the folder the studio was started in, so a project and its
   data can be moved or shared together. Version 1 paths are made absolute against the
   folder the studio runs in, which is where version 1 read them.
3. The data's seed, a dataset option called ``seed`` beside the run's ``seed``, is named for
   what it does: ``split_seed`` for a person's own files (it only splits them), ``data_seed``
   for the built-in datasets (it makes the examples and splits them). Its value is kept, so
   the same examples and split come out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

CURRENT = 3
# datasets read from a person's files when version 3 came (their seed only splits them)
_OWN_FILES_V3 = ("csv", "npz", "image_folder", "wav_folder", "idx")


def is_path_option(name: Any) -> bool:
    """Dataset options that name a file or folder: ``path`` and ``…_path``."""
    return isinstance(name, str) and (name == "path" or name.endswith("_path"))


def _option_dicts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The dataset options of the project and of each of its variants."""
    found = []
    dataset = data.get("dataset")
    if isinstance(dataset, dict) and isinstance(dataset.get("options"), dict):
        found.append(dataset["options"])
    variants = data.get("variants")
    if isinstance(variants, dict):
        for variant in variants.values():
            if isinstance(variant, dict) and isinstance(variant.get("dataset_options"), dict):
                found.append(variant["dataset_options"])
    return found


def _v1_to_v2(data: dict[str, Any]) -> str:
    here = Path.cwd()
    changed = 0
    for options in _option_dicts(data):
        for name, value in options.items():
            if is_path_option(name) and isinstance(value, str) and value \
                    and not os.path.isabs(value):
                options[name] = str(here / value)
                changed += 1
    if not changed:
        return ""
    return (f"{changed} data file path{'s' if changed > 1 else ''} made absolute (the older "
            "format read them from the folder the studio was started in)")


def _v2_to_v3(data: dict[str, Any]) -> str:
    dataset = data.get("dataset")
    main = dataset.get("name") if isinstance(dataset, dict) else None
    found = []
    if isinstance(dataset, dict) and isinstance(dataset.get("options"), dict):
        found.append((main, dataset["options"]))
    variants = data.get("variants")
    for variant in variants.values() if isinstance(variants, dict) else ():
        if isinstance(variant, dict) and isinstance(variant.get("dataset_options"), dict):
            found.append((variant.get("dataset", main), variant["dataset_options"]))
    renamed = set()
    for name, options in found:
        if "seed" in options:
            new = "split_seed" if name in _OWN_FILES_V3 else "data_seed"
            options.setdefault(new, options.pop("seed"))
            renamed.add(new)
    if not renamed:
        return ""
    return (f"the data's seed is now called {' and '.join(sorted(renamed))}, apart from the "
            "run's seed (same value, same data)")


STEPS: dict[int, Callable[[dict[str, Any]], str]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(data: dict[str, Any], version: int) -> tuple[dict[str, Any], list[str]]:
    """``data`` (a version ``version`` project, changed in place) brought to :data:`CURRENT`,
    with a sentence for each step that changed something."""
    notes = []
    while version < CURRENT:
        note = STEPS[version](data)
        if note:
            notes.append(note)
        version += 1
        data["version"] = version
    return data, notes


def resolve_paths(options: dict[str, Any], base: Path) -> None:
    """Relative file paths in ``options`` read from ``base`` (the project file's folder)."""
    for name, value in options.items():
        if is_path_option(name) and isinstance(value, str) and value \
                and not os.path.isabs(value):
            options[name] = str(base / value)


def relative_paths(options: dict[str, Any], base: Path) -> dict[str, Any]:
    """A copy of ``options`` with paths inside ``base``'s folder tree written relative to it,
    so the project and its data can move together; paths elsewhere stay absolute."""
    out = dict(options)
    root = base.resolve()
    for name, value in options.items():
        if is_path_option(name) and isinstance(value, str) and os.path.isabs(value):
            try:
                out[name] = Path(value).resolve().relative_to(root).as_posix()
            except ValueError:
                pass  # outside the project's folder: an absolute path is the only one that works
    return out
