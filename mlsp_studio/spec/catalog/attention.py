"""Attention blocks: multi-head attention and the composite transformer and Conformer layers."""

from __future__ import annotations

BLOCKS: tuple = ()
