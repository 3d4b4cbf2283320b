"""The built-in block catalogue. Built-ins register like any other block."""

from __future__ import annotations

from ..blocks import BlockRegistry
from . import attention, conv, core, generative, merge, norm, pool, reshape, sequence, skip


def builtin_blocks() -> BlockRegistry:
    """A new registry holding every built-in block."""
    registry = BlockRegistry()
    for module in (core, conv, pool, norm, reshape, merge, sequence, attention,
                   generative, skip):
        for spec in module.BLOCKS:
            registry.register(spec)
    return registry


BLOCKS = builtin_blocks()
