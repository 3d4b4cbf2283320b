"""Masked language models (BERT-style): fill in hidden tokens from both sides."""
