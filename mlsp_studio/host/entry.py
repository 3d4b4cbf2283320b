"""Where the training process starts. The window imports this module to start the process,
so it must stay free of torch: the training side is imported in the child only."""

from __future__ import annotations


def child_main(commands, events, weights_dir: str) -> None:
    """The training process's main function (``multiprocessing``, start method ``spawn``):
    ``commands`` and ``events`` are the receiving and sending ends of two pipes. If PyTorch
    cannot be loaded, the window is told why, in a sentence, and the process ends."""
    try:
        from .serve import serve
    except Exception as err:  # a missing or broken torch install: say so, never a traceback
        from ..messages.events import Failed
        from ..messages.wire import encode

        text = f"PyTorch could not be loaded in the training process ({type(err).__name__}: {err})"
        events.send_bytes(encode({"events": [[0, 0.0, Failed(text)]]}))
        return
    serve(commands, events, weights_dir)
