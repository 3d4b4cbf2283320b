"""The studio window. Only this package imports Qt and pyqtgraph, and nothing here imports
torch: training runs in a process of its own (``training_process``, ``bridge``)."""
