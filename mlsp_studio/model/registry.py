"""What every registry of the studio shares: entries by name, in the order they came, and a
name that can be registered only once; :class:`SpecRegistry` for entries that carry their own
name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by name. ``taken`` words the error for a second entry under one name (with
    ``{name}`` in it); :meth:`_unknown` gives the error ``get`` raises for a name it lacks.
    A registry that fills itself on first use does it in :meth:`_load`."""

    taken = "an entry called {name!r} is already registered"

    def __init__(self) -> None:
        self._entries: dict[str, T] = {}

    def _add(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise ValueError(self.taken.format(name=name))
        self._entries[name] = entry
        return entry

    def _load(self) -> None:
        """Fill the registry before it is first read; nothing to do by default."""

    def _unknown(self, name: object) -> Exception:
        return LookupError(f"nothing called {name!r} is registered")

    def get(self, name: str) -> T:
        self._load()
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise self._unknown(name) from None

    def known(self) -> str:
        """The registered names as a list in words, for an error message."""
        return ", ".join(self.names()) or "none"

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        self._load()
        return iter(self._entries.values())

    def __len__(self) -> int:
        self._load()
        return len(self._entries)


class SpecRegistry(Registry[T]):
    """A registry of specs, each registered under its own name: its attribute ``key``."""

    key = "name"

    def register(self, spec: T) -> T:
        return self._add(getattr(spec, self.key), spec)
