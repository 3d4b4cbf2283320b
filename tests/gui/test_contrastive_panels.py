"""The contrastive panels: the pairs outlined, each image's best signal marked right or wrong,
the codes coloured by class, and a request for other examples sent to the engine."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
from contrastive_snapshot_cases import embedding, retrieval, similarity
from panel_helpers import show_panel
from PySide6.QtWidgets import QApplication

from mlsp_studio.gui.panels import PANELS
from mlsp_studio.paradigms.contrastive.panels import (
    ContrastiveEmbeddingPanel,
    RetrievalPanel,
    SimilarityPanel,
    squares,
)
from mlsp_studio.paradigms.contrastive.snapshots import Retrieval, retrieval_picture

SIZE = (640, 520)


def _outlined_cells(item) -> set[tuple[int, int]]:
    """The (row, column) of each square drawn by an outline item."""
    xs, ys = item.getData()
    if xs is None or not len(xs):
        return set()
    xs, ys = xs[~np.isnan(xs)], ys[~np.isnan(ys)]
    return {(int(round(y + 0.5)), int(round(x + 0.5))) for x, y in zip(xs[::5], ys[::5],
                                                                        strict=True)}


def test_squares_outline_each_cell() -> None:
    xs, ys = squares([(2, 3)])
    assert list(xs[:5]) == [2.5, 3.5, 3.5, 2.5, 2.5] and list(ys[:5]) == [1.5, 1.5, 2.5, 2.5, 1.5]
    assert np.isnan(xs[5]) and len(squares([])[0]) == 0


def test_the_panels_are_registered_with_their_kinds() -> None:
    assert PANELS.get("similarity") is SimilarityPanel
    assert PANELS.get("retrieval") is RetrievalPanel
    assert PANELS.get("contrastive_embedding").kinds == {"contrastive_embedding"}


def test_similarity_outlines_the_pairs_and_names_the_classes(qtbot) -> None:
    panel = show_panel(qtbot, SimilarityPanel(), SIZE)
    snap = similarity(n=12)
    panel.show_snapshot(snap)
    QApplication.processEvents()
    assert _outlined_cells(panel.view.outlines[0]) == {(i, i) for i in range(12)}
    ticks = panel.view.plot.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks] == [str(k) for k in snap.row_labels]
    assert panel.view.image.image.shape == (12, 12)
    assert "pairs" in panel.heading.text() and f"step {snap.step}" in panel.heading.text()
    panel.set_dark(True)  # the black outline turns light on the dark theme
    assert panel.view.outlines[0].opts["pen"].color().lightness() > 200


def test_retrieval_marks_right_and_wrong_matches(qtbot) -> None:
    panel = show_panel(qtbot, RetrievalPanel(), SIZE)
    m = np.array([[0.9, 0.1, 0.2], [0.8, 0.3, 0.1], [0.0, 0.1, 0.7]])
    snap = Retrieval(step=7, matrix=m, query_labels=np.array([0, 1, 2]),
                     gallery_labels=np.array([0, 1, 2]), class_names=("a", "b", "c"), top1=0.5)
    panel.show_snapshot(snap)
    QApplication.processEvents()
    assert _outlined_cells(panel.view.outlines[0]) == {(0, 0), (2, 2)}  # right: green
    assert _outlined_cells(panel.view.outlines[1]) == {(1, 0)}          # wrong: red
    assert "2 of 3" in panel.heading.text() and "50.0%" in panel.heading.text()
    ordinary = retrieval()
    panel.show_snapshot(ordinary)
    right = retrieval_picture(ordinary)[4]
    assert len(_outlined_cells(panel.view.outlines[0])) == int(right.sum())


def test_other_examples_asks_the_engine_for_a_new_draw(qtbot) -> None:
    for cls in (SimilarityPanel, RetrievalPanel):
        panel = show_panel(qtbot, cls(), SIZE)
        with qtbot.waitSignal(panel.optionChanged) as first:
            panel.other.click()
        with qtbot.waitSignal(panel.optionChanged) as second:
            panel.other.click()
        assert first.args[0] == second.args[0] == "contrastive_draw"
        assert second.args[1] != first.args[1]


def test_codes_are_coloured_by_class_with_the_probe_in_the_heading(qtbot) -> None:
    panel = show_panel(qtbot, ContrastiveEmbeddingPanel(), SIZE)
    snap = embedding(n=50)
    panel.show_snapshot(snap)
    QApplication.processEvents()
    xs, ys = panel.scatter.getData()
    assert len(xs) == 50 and np.allclose(xs, snap.points[:, 0])
    brushes = panel.scatter.data["brush"]
    same = [k for k in range(50) if snap.labels[k] == snap.labels[0]]
    other = next(k for k in range(50) if snap.labels[k] != snap.labels[0])
    assert all(brushes[k] is brushes[0] for k in same) and brushes[other] is not brushes[0]
    assert "linear probe 90.0%" in panel.heading.text()
    assert "not used in training" in panel.legend.text()
    panel.reset()
    assert len(panel.scatter.getData()[0]) == 0 and "waiting" in panel.heading.text()
