"""Readers for a person's own files (CSV, NPZ, MNIST-format IDX, pictures, sounds, text) and
the built-in text corpus with its tokenizers, in plain Python and numpy: the window's process
reads previews with them, without torch."""
