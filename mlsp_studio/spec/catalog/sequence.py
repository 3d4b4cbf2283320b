"""Sequence blocks: Embedding, positional encoding, recurrent layers, attention pooling,
patch embedding and token selection. Shapes are (L, D): tokens along the first axis."""

from __future__ import annotations

BLOCKS: tuple = ()
