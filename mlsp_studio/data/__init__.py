"""Built-in datasets and readers for a person's own files, made as split torch tensors."""

from __future__ import annotations

from .bundle import DataBundle, Split
from .registry import MAKERS, MakerRegistry, make_dataset

__all__ = ["DataBundle", "MAKERS", "MakerRegistry", "Split", "make_dataset"]
