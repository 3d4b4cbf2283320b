"""Training paradigms, each behind the small protocol in ``base``."""

from .base import NonFiniteLoss, Paradigm
from .registry import PARADIGMS, ParadigmRegistry

__all__ = ["NonFiniteLoss", "Paradigm", "PARADIGMS", "ParadigmRegistry"]
