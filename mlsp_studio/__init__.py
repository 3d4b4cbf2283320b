"""MLSP Studio: a desktop deep-learning playground."""

__version__ = "0.1.0"
