"""The NPZ reader behind ``userfiles.load_npz_arrays``: every array's declared shape, type and
size are checked from the zip directory and the .npy headers before any array is read, so a
tiny file claiming a huge array, a zip bomb, a member that is not an array and Python objects
are all refused in a sentence at once. Nothing is ever unpickled."""

from __future__ import annotations

import math
import os
import struct
import zipfile
from typing import IO, TYPE_CHECKING

from ..errors import DataError
from .userfiles import MIN_ROWS, TableData, check_data_bytes, label_table

if TYPE_CHECKING:
    import numpy as np

MAX_MEMBERS = 10_000  # arrays in one archive; its directory is read whole
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 10_000  # an .npy header (numpy's own limit)
_END = b"PK\x05\x06"  # the zip's end-of-directory record
_KINDS = {"U": "text", "S": "text", "c": "complex numbers", "M": "dates", "m": "times",
          "V": "records", "O": "Python objects"}


def read_npz(path: str, x_key: str, y_key: str, task: str) -> TableData:
    """Read ``x_key`` and ``y_key`` of the archive at ``path``: see ``load_npz_arrays``."""
    import numpy as np

    where = f"The file '{path}'"
    try:
        with open(path, "rb") as handle:
            if handle.read(6) == b"\x93NUMPY":
                raise DataError(f"{where} holds a single array, not an .npz archive with inputs "
                                "and labels.")
            _check_directory(handle, where)
            try:
                archive = zipfile.ZipFile(handle)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                raise DataError(f"{where} is not a NumPy .npz archive.") from None
            with archive:
                members = [_member(archive, key, where) for key in (x_key, y_key)]
                (xs, xt), (ys, yt) = (_header(archive, m, k, where)
                                      for m, k in zip(members, (x_key, y_key), strict=True))
                _check_shapes(where, (x_key, xs, xt), (y_key, ys, yt))
                x, y = (_read(archive, m, where) for m in members)
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{where} has missing or infinite values (nan or inf) in '{x_key}'.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{where} has missing or infinite values (nan or inf) in '{y_key}'.")
    x = x.reshape(len(x), 1) if x.ndim == 1 else x
    if y.ndim == 2 and y.shape[1] == 1 and task != "regression":
        y = y[:, 0]
    if y.dtype.kind in "bu":
        y = y.astype(np.int64)
    elif y.dtype.kind == "S":
        y = np.char.decode(y, "utf-8", errors="replace")
    return label_table(x, y, task, where, f"'{y_key}'")


def _check_directory(handle: IO[bytes], where: str) -> None:
    """Refuse a zip whose directory (read whole by ``zipfile``) lists too many members."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 22 - 0xFFFF))  # the end record, after a comment of up to 64 KB
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        raise DataError(f"{where} is not a NumPy .npz archive.")
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
        raise DataError(f"{where} lists more than {MAX_MEMBERS:,} arrays (or a damaged list); "
                        "an .npz archive of inputs and labels holds a few.")
    handle.seek(0)


def _member(archive: zipfile.ZipFile, key: str, where: str) -> zipfile.ZipInfo:
    names = archive.namelist()
    for name in (f"{key}.npy", key):
        if name in names:
            return archive.getinfo(name)
    held = ", ".join(n.removesuffix(".npy") for n in names) or "nothing"
    raise DataError(f"{where} has no array called '{key}' (it holds {held}).")


def _header(archive: zipfile.ZipFile, member: zipfile.ZipInfo, key: str,
            where: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and type ``member`` declares in its .npy header, checked against the size the
    zip directory gives it; nothing past the header is read."""
    import numpy as np

    fmt = np.lib.format
    not_array = DataError(f"{where} holds '{key}' in a form that is not a NumPy array.")
    try:
        with archive.open(member) as stream:
            version = fmt.read_magic(stream)
            read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read(stream, max_header_size=MAX_HEADER_BYTES)
            start = stream.tell()
    except (ValueError, OSError, EOFError, NotImplementedError, zipfile.BadZipFile,
            SyntaxError, TypeError):
        raise not_array from None
    if dtype.hasobject:
        raise DataError(f"{where} stores '{key}' as Python objects, which are not loaded for "
                        "safety; save plain number arrays.")
    declared = math.prod(shape) * dtype.itemsize
    if declared != member.file_size - start:
        raise DataError(f"{where} says '{key}' is shaped {shape} ({declared:,} bytes) but holds "
                        f"{max(0, member.file_size - start):,} bytes; the file is damaged.")
    return shape, dtype


def _describe(shape: tuple[int, ...], dtype: np.dtype) -> str:
    return f"{_KINDS.get(dtype.kind, 'numbers')} shaped {shape}"


def _check_shapes(where: str, x: tuple, y: tuple) -> None:
    """Refuse declared shapes and types that cannot be inputs and labels, and arrays that would
    not fit in memory (inputs become float32; labels at most 8 bytes each)."""
    x_key, xs, xt = x
    y_key, ys, yt = y
    if xt.kind not in "biuf" or len(xs) < 1 or len(xs) > 4:
        raise DataError(f"{where} needs '{x_key}' to be numbers shaped (n,) up to "
                        f"(n, channels, height, width), not {_describe(xs, xt)}.")
    if yt.kind not in "biufUS" or len(ys) not in (1, 2):
        raise DataError(f"{where} needs '{y_key}' to be labels shaped (n,) or (n, targets), "
                        f"not {_describe(ys, yt)}.")
    if xs[0] != ys[0]:
        raise DataError(f"{where} has {xs[0]} rows in '{x_key}' but {ys[0]} in '{y_key}'; "
                        "they must match.")
    if xs[0] < MIN_ROWS:
        raise DataError(f"{where} has only {xs[0]} rows; it needs at least {MIN_ROWS}.")
    if math.prod(xs) == 0 or math.prod(ys) == 0:
        raise DataError(f"{where} has an empty array.")
    need = math.prod(xs) * max(4, xt.itemsize) + math.prod(ys) * max(8, yt.itemsize)
    check_data_bytes(where, need, f"(its '{x_key}' is shaped {xs})", "save fewer examples")


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: str) -> np.ndarray:
    """The array of ``member``, read a block at a time into its place (its size is checked)."""
    import numpy as np

    try:
        with archive.open(member) as stream:
            return np.lib.format.read_array(stream, allow_pickle=False,
                                            max_header_size=MAX_HEADER_BYTES)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise DataError(f"{where} is not a NumPy .npz archive that can be read (it is "
                        "damaged).") from None
