"""Panels of the contrastive paradigm (to be written)."""
