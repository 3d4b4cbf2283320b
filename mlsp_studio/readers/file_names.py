"""Labels and other fields read from file names, in plain Python (no numpy, torch or Qt).

A pattern such as ``{label}_{speaker}_{index}.wav`` says how a file's name is made: each
``{field}`` is a part of the name, the text between them is matched as it stands. ``label``
is the class; any other field (``speaker``, ``index``...) can keep groups of files together
when the data is split, or hold out a range of numbers as the test set. A pattern without an
extension is matched against the name without its extension.

:func:`flat_files` lists a folder whose files sit side by side (no class subfolders) and
labels them by the pattern; :func:`file_fields` reads every field of listed files;
:func:`flat_folder_error` is the sentence for a flat folder read without a pattern: it names
the kind of files found and offers a pattern built from one of their names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import DataError

LABEL = "label"
_FIELD = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KINDS = {".wav": "WAV sounds", ".png": "PNG pictures", ".jpg": "JPG pictures",
          ".jpeg": "JPG pictures", ".csv": "CSV files", ".npz": "NPZ files",
          ".txt": "text files", ".gz": "gzipped files"}


@dataclass(frozen=True)
class NamePattern:
    """A checked pattern: its text, its fields in order, and the expression that reads them."""

    text: str
    fields: tuple[str, ...]
    regex: re.Pattern[str]
    whole_name: bool  # the pattern holds the extension: matched against the whole name

    def match(self, file_name: str) -> dict[str, str] | None:
        """Each field's text in ``file_name`` (a name, not a path), or None if it does not fit."""
        name = file_name if self.whole_name else os.path.splitext(file_name)[0]
        found = self.regex.fullmatch(name)
        return found.groupdict() if found else None


def parse_pattern(text: str) -> NamePattern:
    """Check a pattern and make it ready to read names; a DataError says what is wrong."""
    where = f"The pattern '{text}'"
    if not text.strip():
        raise DataError("The pattern is empty; write it as a file name with fields in braces, "
                        "e.g. {label}_{speaker}_{index}.wav.")
    if "/" in text or "\\" in text:
        raise DataError(f"{where} holds a folder separator; a pattern describes a file's "
                        "name only, e.g. {label}_{speaker}_{index}.wav.")
    parts = _FIELD.split(text)  # literal, field, literal, field, ..., literal
    literals, fields = parts[0::2], parts[1::2]
    if any("{" in lit or "}" in lit for lit in literals):
        raise DataError(f"{where} has a brace without its pair; each field is a name between "
                        "{ and }, e.g. {speaker}.")
    if not fields:
        raise DataError(f"{where} has no fields; name the parts of the file name in braces, "
                        "e.g. {label}_{speaker}_{index}.wav.")
    for name in fields:
        if not _NAME.match(name):
            shown = "{" + name + "}"
            raise DataError(f"{where} has the field {shown}; a field's name is letters, digits "
                            "and _, starting with a letter, e.g. {speaker}.")
        if fields.count(name) > 1:
            raise DataError(f"{where} names the field {{{name}}} twice; give each field its own "
                            "name.")
    for i, lit in enumerate(literals[1:-1], start=1):
        if not lit:
            raise DataError(f"{where} puts {{{fields[i - 1]}}} and {{{fields[i]}}} side by side, "
                            "so where one ends and the other starts cannot be told; put a "
                            "character such as _ between them.")
    expression = "".join(re.escape(lit) if k % 2 == 0 else f"(?P<{lit}>.+?)"
                         for k, lit in enumerate(parts))
    return NamePattern(text, tuple(fields), re.compile(expression, re.IGNORECASE),
                       whole_name="." in literals[-1])


def file_fields(files: list[str], pattern: str) -> dict[str, list[str]]:
    """Every field of ``pattern`` for each file (full paths, read by their names), in order.

    Raises a DataError saying how many names do not fit, with one of them."""
    parsed = parse_pattern(pattern)
    fields: dict[str, list[str]] = {name: [] for name in parsed.fields}
    misfits: list[str] = []
    for path in files:
        found = parsed.match(os.path.basename(path))
        if found is None:
            misfits.append(os.path.basename(path))
            continue
        for name, value in found.items():
            fields[name].append(value)
    if misfits:
        raise DataError(f"{len(misfits):,} of {len(files):,} file names do not fit the pattern "
                        f"'{pattern}', e.g. '{misfits[0]}'; rename or move those files, or "
                        "change the pattern.")
    return fields


def class_order(labels: set[str]) -> list[str]:
    """Class names in order: by value when every one is a whole number, else as text."""
    if all(re.fullmatch(r"-?\d+", label) for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def flat_files(path: str, extensions: tuple[str, ...], what: str, pattern: str,
               limits: tuple[int, int]) -> list[tuple[str, list[str]]]:
    """The files of ``path`` itself (not its subfolders) grouped by the ``{label}`` of their
    names: ``[(class, [full paths...]), ...]`` in class order, each class's files by name.

    ``limits`` are the most files and bytes the folder may hold; a DataError says why the
    folder does not fit (no such files, names that do not fit, fewer than two classes)."""
    parsed = parse_pattern(pattern)
    if LABEL not in parsed.fields:
        raise DataError(f"The pattern '{pattern}' has no {{label}} field, so it cannot give "
                        f"the class of {what} in one folder; add {{label}} where the class "
                        "is written in the names.")
    most_files, most_bytes = limits
    where = f"The folder '{path}'"
    try:
        entries = sorted((e for e in os.scandir(path) if e.is_file()
                          and e.name.lower().endswith(extensions)), key=lambda e: e.name)
        if len(entries) > most_files:
            raise DataError(f"{where} holds more than {most_files:,} {what}, too many to load "
                            "here; use a smaller selection.")
        if sum(e.stat().st_size for e in entries) > most_bytes:
            raise DataError(f"{where} holds more than {most_bytes >> 20} MB of {what}, too "
                            "much to load here; use a smaller selection.")
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if not entries:
        kinds = "/".join(e.lstrip(".").upper() for e in extensions)
        raise DataError(f"{where} holds no {what} ({kinds} files) of its own; with a pattern "
                        "the files are read from the folder itself, not from subfolders.")
    labels = file_fields([e.path for e in entries], pattern)[LABEL]
    by_class: dict[str, list[str]] = {}
    for entry, label in zip(entries, labels, strict=True):
        by_class.setdefault(label, []).append(entry.path)
    if len(by_class) < 2:
        raise DataError(f"Every one of the {what} in '{path}' has the label "
                        f"'{labels[0]}'; a classifier needs at least two classes.")
    return [(label, by_class[label]) for label in class_order(set(by_class))]


def pattern_for(file_name: str) -> str:
    """A pattern that fits ``file_name``, to offer as an example: its first part is the
    label, a part made of digits an index, any other part a group."""
    stem, ext = os.path.splitext(file_name)
    pieces = re.split(r"([_\-. ])", stem)
    names: list[str] = []
    for k, piece in enumerate(pieces[0::2]):
        base = LABEL if k == 0 else "index" if piece.isdigit() else "group"
        name = base
        while name in names:
            name = f"{base}{sum(n.startswith(base) for n in names) + 1}"
        names.append(name)
    out = [("{" + names[k // 2] + "}") if k % 2 == 0 else piece
           for k, piece in enumerate(pieces)]
    return "".join(out) + ext.lower()


def flat_folder_error(path: str, what: str) -> DataError:
    """Why a folder without class subfolders cannot be read without a pattern: the kind of
    files it holds and, when it holds some, a pattern built from one of their names."""
    where = f"The folder '{path}'"
    try:
        names = sorted(e.name for e in os.scandir(path)
                       if e.is_file() and not e.name.startswith("."))
    except OSError as err:
        return DataError(f"{where} cannot be read ({err.strerror or err}).")
    if not names:
        return DataError(f"{where} is empty: no subfolders and no files; put the {what} of "
                         "each class in a subfolder named after the class.")
    counts: dict[str, int] = {}
    for name in names:
        kind = _KINDS.get(os.path.splitext(name)[1].lower(), "other files")
        counts[kind] = counts.get(kind, 0) + 1
    held = ", ".join(f"{n:,} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    example = next((n for n in names if _KINDS.get(os.path.splitext(n)[1].lower()) ==
                    max(counts, key=counts.get)), names[0])
    return DataError(f"{where} has no subfolders: it holds {held} side by side. If "
                     "the file names say the class, set the pattern setting, e.g. "
                     f"'{pattern_for(example)}' for a name like '{example}' ({{label}} is the "
                     "class; name the other fields as you like, e.g. {speaker}); otherwise "
                     f"put the {what} of each class in a subfolder named after the class.")
