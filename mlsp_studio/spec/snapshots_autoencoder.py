"""Snapshots of the autoencoder paradigm (to be written)."""

SNAPSHOTS: tuple = ()
OPTIONS: dict[str, str] = {}
