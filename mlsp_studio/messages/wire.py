"""Messages between the window and its training process: plain data in, plain data out.

A message is a JSON header followed by the raw bytes of its numpy arrays. What can travel:
None, booleans, numbers, strings, lists and tuples (both arrive as tuples), dicts with
string keys, numpy arrays of numbers, booleans or text, and the frozen dataclasses of
``events`` and the snapshot modules, by name. Nothing else: no pickle, so a message can only
ever become data, whatever bytes arrive. Anything malformed raises :class:`WireError`.

Layout: ``b"MLSW"``, the header's length (4 bytes, little-endian), the header (UTF-8 JSON),
then each array's bytes in the order the header lists them.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import sys
from typing import Any

import numpy as np

MAGIC = b"MLSW"
MAX_MESSAGE_BYTES = 1 << 31   # 2 GiB: far above any snapshot; a corrupt length stops here
MAX_HEADER_BYTES = 64 << 20
ARRAY_KINDS = "biufcU"         # booleans, integers, floats, complex numbers and text
_SCALARS = (str, int, float, bool, type(None))


class WireError(ValueError):
    """A message that is not one this protocol writes."""


_TYPES: dict[str, type] = {}


def register(*classes: type) -> None:
    """Allow these frozen dataclasses on the wire, by class name (unique)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        if _TYPES.get(cls.__name__, cls) is not cls:
            raise ValueError(f"two wire types named {cls.__name__}")
        _TYPES[cls.__name__] = cls


def _known_types() -> dict[str, type]:
    if not _TYPES:
        from ..snapshots import kinds as snapshots
        from ..snapshots.kinds import SNAPSHOT_KINDS
        from . import events

        modules = {events, snapshots,
                   *(sys.modules[cls.__module__] for cls in SNAPSHOT_KINDS.values())}
        for module in modules:
            register(*(obj for obj in vars(module).values()
                       if isinstance(obj, type) and dataclasses.is_dataclass(obj)
                       and obj.__module__ == module.__name__))
    return _TYPES


# -- encoding ------------------------------------------------------------------------------

def encode(obj: Any) -> bytes:
    """The message for ``obj``."""
    arrays: list[np.ndarray] = []
    body = _plain(obj, arrays, _known_types())
    table = [[a.dtype.str, list(a.shape)] for a in arrays]
    header = json.dumps({"v": body, "a": table}, separators=(",", ":")).encode("utf-8")
    parts = [MAGIC, struct.pack("<I", len(header)), header]
    parts.extend(a.tobytes() for a in arrays)
    return b"".join(parts)


def _plain(value: Any, arrays: list[np.ndarray], types: dict[str, type]) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return [_plain(v, arrays, types) for v in value]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith("$"):
                raise WireError(f"a dict key on the wire must be text not starting with '$' "
                                f"({key!r})")
            out[key] = _plain(item, arrays, types)
        return out
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"arrays of {value.dtype} cannot travel")
        arrays.append(np.ascontiguousarray(value))
        return {"$a": len(arrays) - 1}
    if isinstance(value, np.generic):
        return _plain(value.item(), arrays, types)
    for base in (bool, int, float, str):  # a subclass (a version string, an enum) as its base
        if isinstance(value, base):
            return base(value)
    name = kind.__name__
    if types.get(name) is kind:
        return {"$t": name, "$f": {f.name: _plain(getattr(value, f.name), arrays, types)
                                   for f in dataclasses.fields(value) if f.init}}
    raise WireError(f"{name} cannot travel between the processes")


# -- decoding ------------------------------------------------------------------------------

def decode(data: bytes | bytearray | memoryview) -> Any:
    """The value in a message; :class:`WireError` for anything this module did not write."""
    view = memoryview(data).cast("B")
    if len(view) > MAX_MESSAGE_BYTES:
        raise WireError("the message is too large")
    if len(view) < 8 or bytes(view[:4]) != MAGIC:
        raise WireError("not a studio message")
    (size,) = struct.unpack("<I", view[4:8])
    if size > min(MAX_HEADER_BYTES, len(view) - 8):
        raise WireError("the message's header runs past its end")
    try:
        header = json.loads(bytes(view[8:8 + size]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise WireError(f"the message's header is not JSON ({err})") from None
    if not isinstance(header, dict) or not isinstance(header.get("a"), list):
        raise WireError("the message's header has no array table")
    arrays = _arrays(view, 8 + size, header["a"])
    return _value(header.get("v"), arrays, _known_types())


def _arrays(view: memoryview, offset: int, table: list) -> list[np.ndarray]:
    out = []
    for entry in table:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], list)
                and all(type(n) is int and n >= 0 for n in entry[1])):
            raise WireError("a malformed array entry")
        try:
            dtype = np.dtype(entry[0])
        except TypeError:
            raise WireError(f"an unknown array type {entry[0]!r}") from None
        if dtype.kind not in ARRAY_KINDS or dtype.itemsize == 0:
            raise WireError(f"arrays of {dtype} cannot travel")
        count = 1
        for n in entry[1]:
            count *= n
        nbytes = count * dtype.itemsize
        if nbytes > len(view) - offset:
            raise WireError("an array runs past the end of the message")
        array = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
        out.append(array.reshape(entry[1]))
        offset += nbytes
    if offset != len(view):
        raise WireError("the message has bytes its header does not account for")
    return out


def _value(value: Any, arrays: list[np.ndarray], types: dict[str, type]) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return tuple(_value(v, arrays, types) for v in value)
    if kind is not dict:
        raise WireError(f"an unexpected {kind.__name__} in the message")
    if "$a" in value:
        index = value["$a"]
        if type(index) is not int or not 0 <= index < len(arrays) or len(value) != 1:
            raise WireError("a reference to an array that is not there")
        return arrays[index]
    if "$t" in value:
        cls = types.get(value["$t"]) if isinstance(value["$t"], str) else None
        fields = value.get("$f")
        if cls is None or not isinstance(fields, dict) or len(value) != 2:
            raise WireError(f"an unknown kind of message {str(value['$t'])[:40]!r}")
        allowed = {f.name for f in dataclasses.fields(cls) if f.init}
        if not set(fields) <= allowed:
            raise WireError(f"{cls.__name__} has no field {sorted(set(fields) - allowed)[0]!r}")
        try:
            return cls(**{k: _value(v, arrays, types) for k, v in fields.items()})
        except (TypeError, ValueError) as err:
            raise WireError(f"a {cls.__name__} that cannot be made ({err})") from None
    return {k: _value(v, arrays, types) for k, v in value.items()}
