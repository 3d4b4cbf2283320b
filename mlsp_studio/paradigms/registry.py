"""Paradigm classes by name, from the ``train`` module of each paradigm folder; a second
registration under one name is an error."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ProjectError
from ..model.plugins import load_role


class ParadigmRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, Callable] = {}

    def register(self, name: str) -> Callable:
        """Class decorator: ``@PARADIGMS.register("supervised")``."""
        def decorate(cls):
            if name in self._factories:
                raise ValueError(f"a paradigm called {name!r} is already registered")
            self._factories[name] = cls
            return cls
        return decorate

    def create(self, name: str):
        self._load_builtins()
        try:
            return self._factories[name]()
        except KeyError:
            known = ", ".join(self._factories)
            raise ProjectError(f"unknown paradigm {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        self._load_builtins()
        return list(self._factories)

    def _load_builtins(self) -> None:
        # the ``train`` module of every paradigm folder registers its class as it is imported
        load_role("train")


PARADIGMS = ParadigmRegistry()
