"""What every reader of a person's files does: refuse a path that names no file, in one plain
sentence, and keep the last few files read, by a key that changes when a file does, so that
checking a file and then loading it reads it once (safe to use from several threads)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ..errors import DataError

T = TypeVar("T")


def check_file(path: str, kind: str, choose: str = "") -> None:
    """Raise a DataError for an empty path, a missing file or a folder. ``kind`` names the file
    wanted ("a CSV file"), ``choose`` how to ask for it when the path is empty (``kind`` unless
    given)."""
    if not path:
        raise DataError(f"Choose {choose or kind}: the path is empty.")
    if not os.path.exists(path):
        raise DataError(f"The file '{path}' does not exist.")
    if not os.path.isfile(path):
        raise DataError(f"'{path}' is a folder, not {kind}.")


class RecentReads(Generic[T]):
    """Up to ``size`` results by key; the oldest goes first when a new one comes."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._items: dict[Hashable, T] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The result kept under ``key``, or what ``read()`` returns, kept from now on.

        ``read`` runs outside the lock, so a slow file does not hold up another thread's.
        """
        with self._lock:
            if key in self._items:
                return self._items[key]
        value = read()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.pop(next(iter(self._items)))
        return value
