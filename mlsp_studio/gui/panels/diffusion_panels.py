"""Panels of the diffusion paradigm (to be written)."""
