"""File → Export: a panel as a PNG or an SVG drawing, and the run's curves as CSV."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from mlsp_studio.gui.panel_export import save_widget_picture

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def window(monkeypatch, ready_window):
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: None))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: None))
    return ready_window("spiral", (1400, 900))


def test_a_trained_panel_saves_as_png_and_svg_and_the_curves_as_csv(window, qtbot, tmp_path,
                                                                   monkeypatch, drawn) -> None:
    window.on_run()
    qtbot.waitUntil(lambda: window.panels["boundary"].has_image(), timeout=60_000)
    qtbot.waitUntil(lambda: window.bridge.history.last("val", "loss") is not None,
                    timeout=60_000)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=5_000)
    title = window.docks["boundary"].windowTitle()
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: (title, True)))
    for suffix in ("png", "svg"):
        target = tmp_path / f"boundary.{suffix}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, t=target: (str(t), "")))
        window.on_export_panel()
        assert target.is_file()
    picture = tmp_path / "boundary.png"
    assert picture.read_bytes().startswith(PNG)
    # read back: the plane is coloured by the classes, and each class's colour is there
    from mlsp_studio.snapshots.drawing import class_colour

    assert drawn.ink(picture) > 0.3
    for k in range(3):  # spiral's three arms
        assert drawn.colour_share(picture, class_colour(k), tol=0.1) > 0.001, k
    svg = ET.parse(tmp_path / "boundary.svg").getroot()
    assert svg.tag.endswith("svg") and len(list(svg.iter())) > 20  # drawn, not blank
    target = tmp_path / "curves.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(target),
                                                                                   "")))
    window.on_export_metrics()
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"step", "split", "metric", "value"} == set(rows[0])
    assert any(r["split"] == "val" and r["metric"] == "loss" for r in rows)


def test_another_suffix_is_refused_in_words(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel("x")
    qtbot.addWidget(label)
    with pytest.raises(ValueError, match="PNG or SVG, not .jpg"):
        save_widget_picture(label, tmp_path / "x.jpg")
