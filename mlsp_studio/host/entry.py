"""Where the training process starts. The window imports this module to start the process,
so it must stay free of torch: the training side is imported in the child only."""

from __future__ import annotations


def child_main(commands, events, weights_dir: str) -> None:
    """The training process's main function (``multiprocessing``, start method ``spawn``):
    ``commands`` and ``events`` are the receiving and sending ends of two pipes."""
    from .serve import serve

    serve(commands, events, weights_dir)
