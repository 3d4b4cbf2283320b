"""The recording's format on disk, read with suspicion: what its index may say, and how one of
its files is opened. Shared by the writer (``engine/recording.py``) and the reader
(``recording.py``); described for other readers in ``docs/recording.md``.

A recording is a folder: ``index.json`` (the only file a reader trusts: it lists every
record) and ``frames/<n>.npz`` (one snapshot each) and ``metrics/<n>.npz`` (a chunk of
scalars), ``<n>`` a number of eight digits that the index gives. Files are written whole
before the index that lists them replaces the previous one (``os.replace``).
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ..errors import StudioError

FORMAT = "mlsp-studio recording"
VERSION = 1
INDEX = "index.json"
FOLDER = "recording"           # a run folder's recording: <run>/recording/
MAX_INDEX_BYTES = 32 << 20
MAX_FILE_BYTES = 512 << 20     # one frame or one chunk of metrics
MAX_TOTAL_BYTES = 64 << 30     # what an index may list in all
MAX_KINDS = 256
MAX_FRAMES = 1_000_000         # listed frames, all kinds together
MAX_SERIES = 10_000
MAX_CHUNKS = 100_000
MAX_CHUNK_RECORDS = 50_000_000
MAX_STEP = 1 << 62
MAX_NAME = 128
KIND_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
# a chunk of metrics: array -> its type (little-endian, as numpy writes it)
METRIC_ARRAYS = {"step": "<i8", "series": "<i4", "value": "<f8"}
FRAME_ARRAY = "message"        # a frame: the snapshot as one wire message (``wire.py``)


class RecordingError(StudioError, ValueError):
    """A recording that cannot be read, said in a sentence."""


class RecordGone(RecordingError):
    """A file the index listed has gone: the writer thinned it since (read the index again)."""


def index_size(root: Path) -> int:
    """Bytes of ``root``'s index (0 when it cannot be read)."""
    try:
        return (root / INDEX).stat().st_size
    except OSError:
        return 0


def frame_file(root: Path, number: int) -> Path:
    return root / "frames" / f"{number:08d}.npz"


def metrics_file(root: Path, number: int) -> Path:
    return root / "metrics" / f"{number:08d}.npz"


@dataclass(frozen=True)
class Index:
    """What ``index.json`` says, checked. ``frames[kind]`` is ((step, number, bytes), ...) in
    order of step; ``chunks`` is ((number, records, bytes), ...)."""

    version: int
    serial: int
    ended: bool
    end_reason: str
    last_step: int
    budget_bytes: int
    kinds: tuple[str, ...]
    frames: dict[str, tuple[tuple[int, int, int], ...]]
    series: tuple[tuple[str, str], ...]
    chunks: tuple[tuple[int, int, int], ...]

    @property
    def nbytes(self) -> int:
        """Bytes of every file listed (the index itself not counted)."""
        return (sum(f[2] for frames in self.frames.values() for f in frames)
                + sum(c[2] for c in self.chunks))


def _refuse(where: str, what: str) -> RecordingError:
    return RecordingError(f"{where} is not a recording this studio can read: {what}")


def _int(value: object, low: int, high: int, where: str, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _refuse(where, f"{what} must be a whole number from {low:,} to {high:,}")
    return value


def _text(value: object, where: str, what: str, pattern: re.Pattern | None = None) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME or (
            pattern is not None and not pattern.fullmatch(value)):
        raise _refuse(where, f"{what} is not a short name")
    return value


def _rows(value: object, limit: int, where: str, what: str) -> list:
    if not isinstance(value, list) or len(value) > limit:
        raise _refuse(where, f"{what} must be a list of at most {limit:,} entries")
    return value


def _triples(rows: list, where: str, what: str) -> tuple[tuple[int, int, int], ...]:
    out = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 3:
            raise _refuse(where, f"an entry of {what} is not three numbers")
        out.append((_int(row[0], 0, MAX_STEP, where, f"a number in {what}"),
                    _int(row[1], 0, 99_999_999, where, f"a file number in {what}"),
                    _int(row[2], 1, MAX_FILE_BYTES, where, f"a file size in {what}")))
    return tuple(out)


def parse_index(data: bytes, where: str) -> Index:
    """The index in ``data``, every field checked; :class:`RecordingError` otherwise."""
    if len(data) > MAX_INDEX_BYTES:
        raise _refuse(where, f"its index is over {MAX_INDEX_BYTES >> 20} MB")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(where, "its index is not JSON (cut short or damaged)") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _refuse(where, f"its index does not say format {FORMAT!r}")
    version = _int(raw.get("version"), 1, 1 << 30, where, "the version")
    if version > VERSION:
        raise _refuse(where, f"it is format version {version}, written by a newer studio "
                             f"(this one reads version {VERSION})")
    if not isinstance(raw.get("ended"), bool) or not isinstance(raw.get("end_reason"), str):
        raise _refuse(where, "'ended' must be true or false and 'end_reason' text")
    kinds = tuple(_text(k, where, "a kind", KIND_NAME)
                  for k in _rows(raw.get("kinds"), MAX_KINDS, where, "'kinds'"))
    table = raw.get("frames")
    if not isinstance(table, dict) or len(table) > MAX_KINDS:
        raise _refuse(where, "'frames' must map at most 256 kinds to their frames")
    frames, count, numbers = {}, 0, set()
    for kind, rows in table.items():
        listed = _triples(_rows(rows, MAX_FRAMES, where, "a kind's frames"), where, "frames")
        steps = [f[0] for f in listed]
        if steps != sorted(steps):
            raise _refuse(where, f"the frames of {kind!r} are not in order of step")
        frames[_text(kind, where, "a kind", KIND_NAME)] = listed
        count += len(listed)
        numbers.update(f[1] for f in listed)
    series = []
    for row in _rows(raw.get("series"), MAX_SERIES, where, "'series'"):
        if not isinstance(row, list) or len(row) != 2:
            raise _refuse(where, "a series must be [set, metric]")
        series.append((_text(row[0], where, "a set's name"), _text(row[1], where, "a metric")))
    chunks = _triples(_rows(raw.get("metrics"), MAX_CHUNKS, where, "'metrics'"), where,
                      "'metrics'")
    if any(c[0] > MAX_CHUNK_RECORDS for c in chunks):  # [records, file number, bytes]
        raise _refuse(where, "a chunk of metrics lists too many records")
    numbers.update(c[1] for c in chunks)
    if count > MAX_FRAMES or len(numbers) != count + len(chunks):
        raise _refuse(where, "it lists too many frames, or one file twice")
    index = Index(version, _int(raw.get("serial"), 0, MAX_STEP, where, "'serial'"),
                  raw["ended"], raw["end_reason"][:400],
                  _int(raw.get("last_step"), 0, MAX_STEP, where, "'last_step'"),
                  _int(raw.get("budget_bytes"), 0, MAX_TOTAL_BYTES, where, "'budget_bytes'"),
                  kinds, frames, tuple(series), tuple((c[1], c[0], c[2]) for c in chunks))
    if index.nbytes > MAX_TOTAL_BYTES:
        raise _refuse(where, "its files would add up to more than 64 GB")
    return index


def _check_header(stream, size: int, where: str) -> None:
    """An .npy header of version 1 or 2, of no objects, declaring no more than ``size``
    bytes."""
    version = npy.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise _refuse(where, f"it holds an array of .npy version {version}")
    read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, _, dtype = read(stream)
    if dtype.hasobject:
        raise _refuse(where, "it holds Python objects (pickle), which are never read")
    if math.prod(shape) * dtype.itemsize > size:
        raise _refuse(where, "an array in it declares more than the file holds")


def read_arrays(path: Path, declared: int, names: dict[str, str | None]) -> dict[str, np.ndarray]:
    """The arrays ``names`` (name -> required type, or None: bytes) of the npz at ``path``,
    which the index says is ``declared`` bytes. Anything else, a size that differs, a member
    that is compressed or pickled, a damaged zip: :class:`RecordingError`."""
    where = path.name
    try:
        size = path.stat().st_size
        if size != declared:
            raise RecordingError(f"{where} holds {size:,} bytes but the recording's index says "
                                 f"{declared:,}: it was cut short or changed")
        data = path.read_bytes()
    except FileNotFoundError:
        raise RecordGone(f"{where} is listed in the recording but is not there") from None
    except OSError as err:
        raise RecordingError(f"{where} cannot be read ({err.strerror or err})") from None
    if len(data) != declared:
        raise RecordingError(f"{where} changed while it was read")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sorted(m.filename for m in members) != sorted(f"{n}.npy" for n in names) or any(
                    m.compress_type != zipfile.ZIP_STORED or m.file_size > declared
                    for m in members):
                raise _refuse(where, f"it must hold exactly {', '.join(sorted(names))}, "
                                     "uncompressed")
            for member in members:  # before numpy makes room for what a header declares
                with archive.open(member) as stream:
                    _check_header(stream, member.file_size, where)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in names}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        if isinstance(err, RecordingError):
            raise
        raise _refuse(where, f"it is damaged ({str(err)[:120]})") from None
    for name, kind in names.items():
        array = arrays[name]
        wanted = kind or "|u1"
        if array.dtype.str != wanted or array.ndim != 1:
            raise _refuse(where, f"{name} must be a list of {np.dtype(wanted).name}")
    return arrays
