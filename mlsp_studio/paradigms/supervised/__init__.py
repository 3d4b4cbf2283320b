"""Supervised learning: inputs to labels (classes or numbers)."""
