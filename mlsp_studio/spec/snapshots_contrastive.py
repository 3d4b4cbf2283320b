"""Snapshots of the contrastive paradigm (to be written)."""

SNAPSHOTS: tuple = ()
OPTIONS: dict[str, str] = {}
