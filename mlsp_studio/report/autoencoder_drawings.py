"""Figures of the autoencoder paradigm (to be written)."""

FIGURES: dict = {}
