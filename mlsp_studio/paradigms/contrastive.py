"""The contrastive paradigm (to be written)."""
