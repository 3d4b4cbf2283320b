"""Autoencoders: a code that rebuilds its input; denoising and anomaly scores."""
