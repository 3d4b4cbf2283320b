"""The gan paradigm (to be written)."""
