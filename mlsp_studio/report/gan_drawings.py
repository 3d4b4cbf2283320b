"""Figures of the gan paradigm (to be written)."""

FIGURES: dict = {}
