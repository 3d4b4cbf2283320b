"""Normalizing flows: affine coupling layers (RealNVP) trained by maximum likelihood."""
