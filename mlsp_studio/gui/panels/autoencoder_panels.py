"""Panels of the autoencoder paradigm (to be written)."""
