"""Reader for MNIST-format IDX files (an images file and a labels file, optionally gzipped),
in numpy and the standard library (no torch).

The header is checked against the file before anything is allocated, so a damaged or hostile
header claiming a billion images is refused at once.
"""

from __future__ import annotations

import gzip
import os
import re
import struct
import zlib
from typing import TYPE_CHECKING, BinaryIO

from ..errors import DataError
from .files import RecentReads, check_file
from .userfiles import MIN_ROWS, TableData, check_data_bytes, label_table, read_only

if TYPE_CHECKING:
    import numpy as np

IMAGES_MAGIC = 0x00000803  # unsigned bytes, three dimensions: (n, rows, cols)
LABELS_MAGIC = 0x00000801  # unsigned bytes, one dimension: (n,)
MAX_IDX_BYTES = 256 * 1024 * 1024
MAX_SIDE = 512

_recent: RecentReads[TableData] = RecentReads()


def guess_labels_path(images_path: str) -> str:
    """The labels file beside an images file, by MNIST's names (``…-images-idx3-ubyte`` →
    ``…-labels-idx1-ubyte``), or "" when there is none."""
    folder, name = os.path.split(images_path)
    guess = re.sub("idx3", "idx1", re.sub("images", "labels", name))
    candidate = os.path.join(folder, guess)
    return candidate if guess != name and os.path.isfile(candidate) else ""


def idx_magic(path: str) -> int:
    """The first four bytes of a (possibly gzipped) file as a big-endian number, 0 if none."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            if head[:2] == b"\x1f\x8b":
                handle.seek(0)
                with gzip.GzipFile(fileobj=handle) as inner:
                    head = inner.read(4)
    except (OSError, EOFError, zlib.error):
        return 0
    return int.from_bytes(head, "big") if len(head) == 4 else 0


def _open(path: str, what: str) -> tuple[BinaryIO, int | None]:
    """The file opened for reading (through gzip when compressed) and its size on disk when
    not compressed (a gzip stream's true length is only known by reading it)."""
    check_file(path, f"an IDX {what} file", f"the IDX {what} file")
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed by the caller)
        head = handle.read(2)
        handle.seek(0)
    except OSError as err:
        raise DataError(f"The file '{path}' cannot be read ({err.strerror or err}).") from None
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb"), None  # type: ignore[return-value]
    return handle, os.path.getsize(path)


def _read_idx(path: str, magic: int, what: str) -> np.ndarray:
    """One IDX array of unsigned bytes, its header checked against the data before reading."""
    import numpy as np

    where = f"The file '{path}'"
    dims = magic & 0xFF
    handle, size = _open(path, what)
    try:
        with handle:
            head = handle.read(4 + 4 * dims)
            if len(head) < 4 + 4 * dims:
                raise DataError(f"{where} is too short to be an IDX {what} file.")
            (found,) = struct.unpack(">I", head[:4])
            if found != magic:
                raise DataError(f"{where} is not an IDX {what} file (it starts with "
                                f"0x{found:08x}, not 0x{magic:08x}).")
            shape = struct.unpack(f">{dims}I", head[4:])
            declared = int(np.prod(shape, dtype=object))
            if declared > MAX_IDX_BYTES:
                raise DataError(f"{where} says it holds {declared:,} bytes of {what}, more "
                                f"than the {MAX_IDX_BYTES >> 20} MB that can be loaded here.")
            # held as float32 (images) or int64 (labels) once read
            check_data_bytes(where, declared * (4 if dims > 1 else 8),
                             f"({' x '.join(map(str, shape))} {what})",
                             "use fewer of them")
            if size is not None and size != len(head) + declared:
                raise DataError(f"{where} says it holds {' x '.join(map(str, shape))} values "
                                f"but has {size - len(head):,} bytes of data; the file is "
                                "damaged or cut short.")
            data = handle.read(declared + 1)
    except (OSError, EOFError, zlib.error):
        raise DataError(f"{where} is a damaged gzip file.") from None
    if len(data) != declared:
        raise DataError(f"{where} says it holds {' x '.join(map(str, shape))} values but "
                        f"has {len(data):,} bytes of data; the file is damaged or cut short.")
    return np.frombuffer(data, np.uint8).reshape(shape)


def load_idx(images_path: str, labels_path: str = "") -> TableData:
    """Read MNIST-format images (magic 0x00000803) and labels (0x00000801), raw or gzipped.

    An empty ``labels_path`` looks for the labels file beside the images by MNIST's names.
    Returns x float32 (n, 1, rows, cols) in [0, 1], y the class index of each image and the
    label values as class names; raises one plain DataError for anything that does not fit.
    """
    labels_path = labels_path or guess_labels_path(images_path)
    if idx_magic(images_path) == LABELS_MAGIC:
        raise DataError(f"'{os.path.basename(images_path)}' is an IDX labels file; choose the "
                        "images file (…-images-idx3-ubyte) and the labels file beside it.")
    if images_path and not labels_path:
        raise DataError(f"No labels file was found beside '{images_path}'; choose the IDX "
                        "labels file (it starts with 0x00000801).")
    stamps = []
    for p in (images_path, labels_path):
        try:
            st = os.stat(p)
            stamps.append((os.path.realpath(p), st.st_mtime_ns, st.st_size))
        except OSError:
            stamps.append((p, 0, 0))  # the reader says what is wrong with it
    return _recent.get(tuple(stamps), read_only(lambda: _read_pair(images_path, labels_path)))


def _read_pair(images_path: str, labels_path: str) -> TableData:
    import numpy as np

    images = _read_idx(images_path, IMAGES_MAGIC, "images")
    n, rows, cols = images.shape
    if rows == 0 or cols == 0 or rows > MAX_SIDE or cols > MAX_SIDE:
        raise DataError(f"The file '{images_path}' holds {rows}x{cols} images; each side must "
                        f"be 1 to {MAX_SIDE} pixels.")
    if n < MIN_ROWS:
        raise DataError(f"The file '{images_path}' holds only {n} images; it needs at least "
                        f"{MIN_ROWS}.")
    labels = _read_idx(labels_path, LABELS_MAGIC, "labels")
    if len(labels) != n:
        raise DataError(f"The images file holds {n:,} images but the labels file "
                        f"'{labels_path}' holds {len(labels):,} labels; they must match.")
    x = images.astype(np.float32)
    x /= 255.0                                                         # in place: no copy
    return label_table(x[:, None], labels.astype(np.int64), "classification",  # (n, 1, rows, cols)
                       f"The file '{labels_path}'", "its labels")
