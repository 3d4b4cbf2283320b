"""Snapshots of the gan paradigm (to be written)."""

SNAPSHOTS: tuple = ()
OPTIONS: dict[str, str] = {}
