"""Torch modules and builders for the sequence blocks (see ``spec/catalog/sequence.py``)."""

from __future__ import annotations
