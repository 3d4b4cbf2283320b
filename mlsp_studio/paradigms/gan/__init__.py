"""Generative adversarial networks: a generator against a discriminator."""
