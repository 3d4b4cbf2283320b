"""Snapshots of the diffusion paradigm (to be written)."""

SNAPSHOTS: tuple = ()
OPTIONS: dict[str, str] = {}
