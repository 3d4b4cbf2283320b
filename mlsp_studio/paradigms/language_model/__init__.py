"""Next-token language models (GPT-style): predict, then write."""
