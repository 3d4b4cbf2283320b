"""Multi-head attention that can hand back its weights, and the composite attention layers."""

from __future__ import annotations
