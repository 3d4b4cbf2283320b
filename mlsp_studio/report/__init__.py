"""Figures of a run as PNG files, drawn headless from metric records and snapshots."""

from .figures import FILE_NAMES, curves_figure, snapshot_figure, write_figures

__all__ = ["FILE_NAMES", "curves_figure", "snapshot_figure", "write_figures"]
