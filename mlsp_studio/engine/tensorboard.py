"""A run's curves as a TensorBoard event file, written without TensorBoard installed.

The file is a sequence of TFRecords (length, masked CRC-32C of the length, data, masked
CRC-32C of the data), each holding one ``Event`` protocol buffer: first the file version,
then one event per step with a scalar per curve, tagged ``metric/split`` (``loss/val``).
Only the few protobuf fields needed are encoded, by hand.
"""

from __future__ import annotations

import socket
import struct
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

Record = tuple[int, str, str, float]

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> bytes:
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64 as protobuf writes it
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def event(wall_time: float, step: int = 0, scalars: Iterable[tuple[str, float]] = (),
          file_version: str = "") -> bytes:
    """One serialised ``Event``: wall_time (1), step (2), file_version (3), summary (5)."""
    out = b"\x09" + struct.pack("<d", wall_time) + b"\x10" + _varint(step)
    if file_version:
        out += _field(3, file_version.encode())
    values = b"".join(_field(1, _field(1, tag.encode()) + b"\x15" + struct.pack("<f", value))
                      for tag, value in scalars)  # Summary.value: tag (1), simple_value (2)
    if values:
        out += _field(5, values)
    return out


def record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + _masked(length) + data + _masked(data)


def write_events(folder: Path, records: Iterable[Record], wall_time: float | None = None
                 ) -> Path:
    """Write ``(step, split, metric, value)`` records as one event file in ``folder``; the
    scalars of a step share one event. End-of-run numbers are tagged ``metric/final``."""
    wall_time = time.time() if wall_time is None else wall_time
    by_step: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for step, split, metric, value in records:
        by_step[int(step)].append((f"{metric}/{split}", float(value)))
    name = f"events.out.tfevents.{int(wall_time)}.{socket.gethostname() or 'studio'}"
    path = Path(folder) / name
    with path.open("wb") as handle:
        handle.write(record(event(wall_time, file_version="brain.Event:2")))
        for step in sorted(by_step):
            handle.write(record(event(wall_time, step, by_step[step])))
    return path
