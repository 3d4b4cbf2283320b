"""Figures of the contrastive paradigm (to be written)."""

FIGURES: dict = {}
