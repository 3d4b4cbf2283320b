"""What travels between the engine and whoever listens: the events (``events``), the bounded
history of the metrics (``history``) and the wire format between the window's process and
the training process (``wire``)."""
