"""The autoencoder paradigm (to be written)."""
