"""The training process under the window: it hosts one Engine at a time, takes the window's
commands and sends back its events, over two pipes, as plain data (``spec.wire``).

``entry`` is the only module the window imports (to start the process); it loads nothing
heavy. Everything else here runs in the training process, with torch and without Qt.
"""
