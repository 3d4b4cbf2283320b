"""Contrastive learning: SimCLR on two altered views, and cross-modal (CLIP-style)
pairs of two kinds of data."""
