"""Panels of the gan paradigm (to be written)."""
