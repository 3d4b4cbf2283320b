"""The studio window. Only this package imports Qt and pyqtgraph; nothing here imports torch
except through the engine, which is loaded in the background after the window shows."""
