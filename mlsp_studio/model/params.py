"""Typed parameters with defaults and valid ranges, shared by blocks, datasets and paradigms."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParamError

KINDS = ("int", "float", "bool", "choice", "ints", "str")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its name, kind, default and what values it accepts.

    ``kind`` is one of ``int``, ``float``, ``bool``, ``choice`` (one of ``choices``),
    ``ints`` (a tuple of ints, each within ``minimum``/``maximum``; ``length`` fixes how many,
    ``None`` lets it vary), or ``str``.
    """

    name: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    length: int | None = None
    min_length: int = 0
    max_length: int = 8
    doc: str = ""
    log_scale: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")

    def range_text(self) -> str:
        """The valid values in words, e.g. ``1 to 4096`` or ``one of relu, tanh``."""
        if self.kind == "choice":
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "str":
            return "text"
        lo = "" if self.minimum is None else _fmt(self.minimum)
        hi = "" if self.maximum is None else _fmt(self.maximum)
        if lo and hi:
            span = f"{lo} to {hi}"
        elif lo:
            span = f"at least {lo}"
        elif hi:
            span = f"at most {hi}"
        else:
            span = "any number"
        if self.kind == "ints":
            count = f"{self.length} whole numbers" if self.length else "whole numbers"
            return f"{count}, each {span}"
        return span

    def validate(self, value: Any, owner: str = "") -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParamError`."""
        where = f"{owner}: " if owner else ""
        bad = f"{where}{self.name} must be {self.range_text()}, not {_show(value)}"
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
                return value.lower() in ("true", "yes", "1")
            raise ParamError(bad)
        if self.kind == "choice":
            for choice in self.choices:
                if value == choice or (isinstance(value, str) and str(choice) == value):
                    return choice
            raise ParamError(bad)
        if self.kind == "str":
            if isinstance(value, str) and len(value) <= 4096:
                return value
            raise ParamError(bad)
        if self.kind == "ints":
            items = _as_int_tuple(value)
            if items is None:
                raise ParamError(bad)
            if self.length is not None and len(items) != self.length:
                raise ParamError(bad)
            if not self.min_length <= len(items) <= self.max_length:
                raise ParamError(f"{where}{self.name} must have {self.min_length} to "
                                 f"{self.max_length} numbers, not {_show(value)}")
            for item in items:
                self._check_range(item, bad)
            return items
        number = _as_number(value, integer=self.kind == "int")
        if number is None:
            raise ParamError(bad)
        self._check_range(number, bad)
        return number

    def _check_range(self, number: float, message: str) -> None:
        if isinstance(number, float) and not math.isfinite(number):
            raise ParamError(message)
        if self.minimum is not None and number < self.minimum:
            raise ParamError(message)
        if self.maximum is not None and number > self.maximum:
            raise ParamError(message)


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_number(value: Any, integer: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value) if not integer else float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        if integer:
            return value
        try:
            return float(value)
        except OverflowError:  # beyond any float: 10**400
            return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return value if not integer else None
        if integer:
            return int(value) if value.is_integer() else None
        return value
    return None


def _as_int_tuple(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, str):
        parts = [p for p in value.replace("(", " ").replace(")", " ").replace(",", " ").split()]
        value = parts
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or len(value) > 64:
        return None
    out = []
    for item in value:
        number = _as_number(item, integer=True)
        if number is None:
            return None
        out.append(int(number))
    return tuple(out)


@dataclass(frozen=True)
class ParamSet:
    """An ordered collection of :class:`ParamSpec` with whole-dict validation."""

    specs: tuple[ParamSpec, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [s.name for s in self.specs]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate parameter names in {names}")

    def __iter__(self):
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, name: str) -> ParamSpec | None:
        for spec in self.specs:
            if spec.name == name:
                return spec
        return None

    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.specs}

    def validate(self, values: dict[str, Any] | None, owner: str = "",
                 allow_unknown: bool = False) -> dict[str, Any]:
        """Fill defaults and check every value; unknown names are an error unless allowed."""
        values = dict(values or {})
        where = f"{owner}: " if owner else ""
        out = {}
        for spec in self.specs:
            out[spec.name] = spec.validate(values.pop(spec.name), owner) if spec.name in values \
                else spec.default
        if values and not allow_unknown:
            name = sorted(values)[0]
            known = ", ".join(self.names()) or "none"
            raise ParamError(f"{where}there is no setting called {_show(name)} (known: {known})")
        return out
