"""The live panels as docks of the main window: where they go, which are shown, and which
pictures the engine is asked for (only those an open panel shows)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot

from ..errors import StudioError
from .bridge import assert_gui_thread
from .panel_holder import PanelHolder
from .redraw import dock_shown

VISUAL_EVERY_S = 1 / 30  # a picture per frame at most; the training process thins them to
#                          keep their cost a small share of training


ATTENTION_BLOCKS = {"MultiHeadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
                    "ConformerBlock"}
RECURRENT_BLOCKS = {"RNN", "LSTM", "GRU"}


def _sequence_kinds(project) -> set[str]:
    """The sequence pictures a project's networks can give, guessed from their block types
    (the run itself says which it has once it starts)."""
    types = {node.type for graph in project.slots.values() for node in graph.nodes.values()}
    kinds = set()
    if types & ATTENTION_BLOCKS:
        kinds.add("attention")
        if "PatchEmbedding" in types:
            kinds.add("patch_attention")
    if types & RECURRENT_BLOCKS:
        kinds.add("recurrent")
    if types & (ATTENTION_BLOCKS | RECURRENT_BLOCKS):
        kinds.add("bptt")
    if "AttentionPooling" in types:
        kinds.add("pooling")
    return kinds


class PanelDocks:
    """Mixed into MainWindow: needs ``panels``, ``docks``, ``_dock``, ``bridge``, ``scheduler``,
    ``doc``, ``dark``, ``_panel_menu`` and ``inspector``."""

    # Networks flow top to bottom, so the canvas is a tall column in the middle; the panels
    # share a column on the right: curves above, the picture of the model below.
    def create_panels(self) -> None:
        """Panels load pyqtgraph, so they come right after the window first shows."""
        if self.panels:
            return
        from .panels import PANELS

        top = bottom = None
        for cls in PANELS:
            panel = cls(self)
            self.panels[cls.name] = panel
            dock = self._dock(cls.name, cls.title, PanelHolder(panel), Qt.RightDockWidgetArea)
            dock.visibilityChanged.connect(self._on_panel_visibility)
            if hasattr(panel, "optionChanged"):
                panel.optionChanged.connect(self._on_panel_option)
            if hasattr(panel, "set_dark"):
                panel.set_dark(self.dark)
            if hasattr(panel, "follow"):  # a panel about the document's blocks
                panel.follow(self.doc, dock)
            if cls.row == "top":
                if top is None:
                    top = dock
                else:
                    self.tabifyDockWidget(top, dock)
            else:
                if bottom is None:
                    bottom = dock
                    if top is not None:
                        self.splitDockWidget(top, dock, Qt.Vertical)
                else:
                    self.tabifyDockWidget(bottom, dock)
            self._panel_menu.addAction(dock.toggleViewAction())
        if top is not None:
            self.resizeDocks([top], [max(520, self.width() // 2 - 120)], Qt.Horizontal)
        if top is not None and bottom is not None:
            self.resizeDocks([top, bottom], [1, 1], Qt.Vertical)
        self._show_relevant_panels(self._expected_kinds())
        self._restore_layout(panels_only=True)
        if top is not None:
            top.raise_()
        if "math" in self.docks and hasattr(self, "inspector"):
            self.inspector.showComputation.connect(self._show_math_panel)
        self._update_visuals()
        QTimer.singleShot(0, self.view.fit_all)

    # -- panels --------------------------------------------------------------------------
    def _expected_kinds(self) -> set[str]:
        """A guess before the first run of which pictures the project will have."""
        from ..model.datasets import DATASET_SPECS
        from ..model.paradigms import PARADIGM_SPECS

        try:
            spec = DATASET_SPECS.get(self.doc.project.dataset)
        except StudioError:
            return set()
        kinds = set()
        if spec.task != "regression":
            kinds.add("confusion")
        if spec.input_kind == "points2d":
            kinds.add("boundary")
        if spec.input_kind == "scalar":
            kinds.add("regression_fit")
        if spec.input_kind in ("image", "signal"):
            kinds.update({"feature_maps", "kernels"})
        if spec.task in ("sequence", "text"):  # no classes to confuse
            kinds.discard("confusion")
        kinds.update(_sequence_kinds(self.doc.project))
        try:
            kinds.update(PARADIGM_SPECS.get(self.doc.project.paradigm).pictures)
        except StudioError:
            pass
        return kinds

    def _show_relevant_panels(self, kinds: set[str]) -> None:
        shown = []
        for name, panel in self.panels.items():
            relevant = panel.relevant(kinds)
            self.docks[name].setVisible(relevant)
            if relevant:
                shown.append(name)
        if shown != getattr(self, "_shown_panels", None):
            self._shown_panels = shown
            self._balance_panels(shown)
        self._update_visuals()

    def _balance_panels(self, shown: list[str]) -> None:
        """Give the curves and the picture of the model half the column each, and bring the
        first picture to the front of its tabs (a panel newly shown may be squeezed): the
        first of the paradigm's own, before those shown for any network; "What it computes",
        opened by the person, stays in front when it was."""
        pictures = [self.docks[n] for n in sorted(  # the lesson's own picture first
            (n for n in shown if self.panels[n].row == "bottom"),
            key=lambda n: self.panels[n].general)]
        if pictures:
            math = self.docks.get("math")
            keep = math is not None and math in pictures and dock_shown(math)
            (math if keep else pictures[0]).raise_()
        if "curves" in self.docks and pictures:
            room = max(400, self.height() - 120)
            share = 0.55 if "features" in shown else 0.5  # feature maps need the height
            self.resizeDocks([self.docks["curves"], pictures[0]],
                             [int(room * (1 - share)), int(room * share)], Qt.Vertical)
        if "curves" in self.docks:
            self.docks["curves"].raise_()

    @Slot(bool)
    def _on_panel_visibility(self, visible: bool) -> None:
        assert_gui_thread("MainWindow._on_panel_visibility")
        self._update_visuals()

    def _update_visuals(self) -> None:
        """Ask the training process only for what open panels show, and no faster than
        frames are drawn: a picture made between two frames would be thrown away unseen."""
        kinds = set()
        for name, panel in self.panels.items():
            if dock_shown(self.docks[name]):
                kinds.update(panel.kinds)
        kinds |= self._unit_kinds()  # the canvas's own pictures
        every = VISUAL_EVERY_S
        if (kinds, every) != (self._visual_kinds, self._visual_every):
            self._visual_kinds, self._visual_every = kinds, every
            self.bridge.set_visuals(kinds, every)

    @Slot()
    def _show_math_panel(self) -> None:
        """Open "What it computes" in front of its tabs (the inspector's link)."""
        assert_gui_thread("MainWindow._show_math_panel")
        dock = self.docks["math"]
        dock.setVisible(True)
        dock.raise_()
        self._update_visuals()

    @Slot(str, object)
    def _on_panel_option(self, name: str, value: object) -> None:
        assert_gui_thread("MainWindow._on_panel_option")
        self.bridge.set_visual_option(name, value)

