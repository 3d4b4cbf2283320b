"""Figures of the diffusion paradigm (to be written)."""

FIGURES: dict = {}
