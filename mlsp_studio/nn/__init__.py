"""Torch side of the studio: builders that turn catalogue blocks into nn.Modules."""

from .builders import BUILDERS, BuilderRegistry, build_block

__all__ = ["BUILDERS", "BuilderRegistry", "build_block"]
