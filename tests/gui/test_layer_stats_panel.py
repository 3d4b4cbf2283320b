"""The Gradients and weights panel in its room: the layers span the plot from edge to edge,
their names are thinned to what the axis can hold without overlapping, and the two smaller
plots sit side by side under the gradient against depth."""

from __future__ import annotations

from lab_snapshot_cases import layer_stats
from panel_helpers import show_panel
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetrics


def _overlap(ticks, view, metrics) -> bool:
    """Whether two neighbouring names on the axis would overlap (in pixels)."""
    xs = [view.mapViewToScene(QPointF(x, 0)).x() for x, _ in ticks]
    widths = [metrics.horizontalAdvance(label) for _, label in ticks]
    return any(b - a < (wa + wb) / 2 for a, b, wa, wb in zip(xs, xs[1:], widths, widths[1:],
                                                              strict=False))


def test_many_layers_are_named_without_overlap_and_span_the_plot(qtbot) -> None:
    named = []
    for width in (260, 900):
        panel = show_panel(qtbot, "layer_stats", size=(width, 600))
        snap = layer_stats(layers=11)
        panel.show_snapshot(snap)
        panel.refresh()
        qtbot.wait(50)
        panel.refresh()  # the axis has its width now
        axis = panel.depth.getAxis("bottom")
        metrics = QFontMetrics(axis.style["tickFont"] or QFont())
        ticks = panel._ticked
        assert ticks[0] == (0.0, "Dense 2") and 2 <= len(ticks) <= 8
        assert not _overlap(ticks, panel.depth.getViewBox(), metrics), (width, ticks)
        named.append(len(ticks))
        lo, hi = panel.depth.viewRange()[0]
        assert -1.0 < lo < 0 and 10 < hi < 11  # the first and last layer at the edges
    assert named[1] > named[0]  # a wider panel names more of them
    assert panel.time.getViewBox().sceneBoundingRect().top() == \
        panel.hist.getViewBox().sceneBoundingRect().top()  # side by side
