"""The diffusion paradigm (to be written)."""
