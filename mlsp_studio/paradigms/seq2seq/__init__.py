"""Sequence to sequence: an encoder reads, a decoder writes with attention."""
