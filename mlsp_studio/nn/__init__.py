"""Torch side of the studio: builders that turn catalogue blocks into nn.Modules."""

from . import attention, generative, sequence, skip  # noqa: E402,F401,I001  (register their builders)
from .builders import BUILDERS, BuilderRegistry, build_block

__all__ = ["BUILDERS", "BuilderRegistry", "build_block"]
