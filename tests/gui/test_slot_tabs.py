"""Tabs above the canvas: one per network, the canvas follows the chosen one, and a network
with a problem is marked; a one-network project shows no tabs."""

from __future__ import annotations

from PySide6.QtGui import QColor

from mlsp_studio.gui.canvas import GraphScene
from mlsp_studio.gui.document import StudioDocument
from mlsp_studio.gui.slot_tabs import PROBLEM_COLOUR, SlotTabs
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project


def autoencoder(decoder_units: int = 64) -> Project:
    encoder = Graph.chain([("Input", {}), ("Dense", {"units": 16}), "ReLU",
                           ("Dense", {"units": 2}), "Output"])
    decoder = Graph.chain([("Input", {"source": "z"}), ("Dense", {"units": 16}), "ReLU",
                           ("Dense", {"units": decoder_units}), "Sigmoid", "Output"])
    return Project("ae", "autoencoder", "digits", {"encoder": encoder, "decoder": decoder},
                   dataset_options={"flatten": True}, hparams={"latent": 2})


def test_one_tab_per_network_and_the_canvas_follows(qtbot) -> None:
    doc = StudioDocument(autoencoder())
    tabs = SlotTabs(doc)
    scene = GraphScene(doc)
    qtbot.addWidget(tabs)
    assert tabs.slots() == ["encoder", "decoder"] and not tabs.isHidden()
    assert doc.check.ok, doc.check.errors
    assert doc.check.contexts["decoder"].inputs == {"z": (2,)}
    assert set(scene.blocks) == set(doc.project.slots["encoder"].nodes) == {1, 2, 3, 4, 5}
    tabs.setCurrentIndex(1)
    assert doc.slot == "decoder"
    assert set(scene.blocks) == set(doc.project.slots["decoder"].nodes) == {1, 2, 3, 4, 5, 6}
    assert all(tabs.tabTextColor(i) != PROBLEM_COLOUR for i in range(2))


def test_a_network_with_the_wrong_output_is_marked_in_words(qtbot) -> None:
    doc = StudioDocument(autoencoder(decoder_units=10))
    tabs = SlotTabs(doc)
    qtbot.addWidget(tabs)
    assert not doc.check.ok
    assert doc.check.errors == ["decoder: the network gives (N, 10) but must give (N, 64) "
                                "(the shape of the data it rebuilds)"]
    assert tabs.tabTextColor(0) == QColor() and tabs.tabTextColor(1) == PROBLEM_COLOUR
    assert tabs.tabToolTip(1) == doc.check.errors[0]


def test_a_single_network_shows_no_tabs(qtbot) -> None:
    doc = StudioDocument(load_preset("spiral"))
    tabs = SlotTabs(doc)
    qtbot.addWidget(tabs)
    assert tabs.slots() == ["model"] and tabs.isHidden()
    doc.replace_project(autoencoder())
    assert tabs.slots() == ["encoder", "decoder"] and not tabs.isHidden()
    assert doc.slot == "encoder" and tabs.currentIndex() == 0


def test_an_input_other_than_the_data_says_what_it_reads() -> None:
    from mlsp_studio.gui.canvas.scene import block_summary

    assert block_summary("Input", {"source": "x"}, (1, 8, 8)) == "gives (N, 1, 8, 8)"
    assert block_summary("Input", {"source": "z"}, (2,)) == "z: gives (N, 2)"
    assert block_summary("Input", {"source": "t"}, None) == "t: shape from the data"
