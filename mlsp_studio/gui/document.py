"""The open project as the window sees it: one model that every view subscribes to.

Views never change the project directly: edits are undoable commands (``commands.py``) that
call the methods here, and views redraw from the signals. No torch here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..model.blocks import BlockRegistry, Context
from ..model.catalog import BLOCKS
from ..model.cost import BlockCost, ProjectCost, Rates, block_costs, project_cost
from ..model.graph import Analysis, Graph
from ..model.project import Project, ProjectCheck, check_project

log = logging.getLogger(__name__)


class StudioDocument(QObject):
    """The open project, the network slot being edited, the selection and the undo stack.

    Signals:
      ``projectReplaced()`` — a different project was opened (everything redraws);
      ``graphChanged(slot)`` — blocks, edges or block parameters changed in a slot;
      ``settingsChanged()`` — paradigm, dataset, hyper-parameters, seed or device changed;
      ``selectionChanged(node_id)`` — the selected block (-1 for none);
      ``checked()`` — a new :class:`ProjectCheck` is available in ``check``;
      ``paceChanged()`` — the pace the window trains at (``ui.pace``) changed.
    """

    projectReplaced = Signal()
    graphChanged = Signal(str)
    settingsChanged = Signal()
    selectionChanged = Signal(int)
    checked = Signal()
    paceChanged = Signal()

    def __init__(self, project: Project, registry: BlockRegistry = BLOCKS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.undo_stack = QUndoStack(self)
        self.project = project
        self.path: Path | None = None
        self.slot = next(iter(project.slots))
        self.selected = -1
        self.check: ProjectCheck = check_project(project, registry)
        self.memory_available: int | None = None  # what a step must fit in; None: this machine
        self.rates: Rates | None = None  # the training device's, once measured; None: assumed
        self._cost: tuple[Any, ProjectCost | None, dict[str, dict[int, BlockCost]]] | None = None

    # -- reading -------------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self.project.slots[self.slot]

    def analysis(self, slot: str | None = None) -> Analysis | None:
        return self.check.analyses.get(slot or self.slot)

    def cost(self) -> ProjectCost | None:
        """What a training step of the project costs (``model/cost.py``), worked out once per
        check, when someone first asks; None when it cannot be worked out."""
        return self._costs()[1]

    def block_cost(self, node_id: int, slot: str | None = None) -> BlockCost | None:
        """One block's cost per example; None when its shape is unknown."""
        return self._costs()[2].get(slot or self.slot, {}).get(node_id)

    def set_memory_available(self, count: int | None) -> None:
        """Compare a step's memory with ``count`` bytes (None: this machine's memory)."""
        self.memory_available = count
        self.checked.emit()

    def set_rates(self, rates: Rates | None) -> None:
        """Estimate a step's time at ``rates`` (the training process measures its device's
        when it starts); None: the rates assumed for a laptop CPU."""
        self.rates = rates
        self.checked.emit()

    def _costs(self) -> tuple[Any, ProjectCost | None, dict[str, dict[int, BlockCost]]]:
        check, key = self.check, (self.memory_available, self.rates)
        if self._cost is not None and self._cost[0][0] is check and self._cost[0][1] == key:
            return self._cost
        memory = self.memory_available
        total, blocks = None, {}
        # arithmetic over the shapes the check found; a rule that fails leaves "cost unknown"
        for slot, analysis in check.analyses.items():
            try:
                costs = block_costs(self.project.slots[slot], analysis, self.registry,
                                    check.contexts.get(slot, Context()))
            except Exception as err:  # a rule that failed: its blocks say "? MACs"
                log.warning("could not work out the cost of %s: %s", slot, err)
                continue
            blocks[slot] = {cost.node: cost for cost in costs}
        try:
            total = project_cost(self.project, check, self.registry, memory, self.rates)
        except Exception as err:  # the window says the cost is unknown
            log.warning("could not work out the network's cost: %s", err)
        self._cost = ((check, key), total, blocks)
        return self._cost

    # -- whole-project changes -----------------------------------------------------------
    def replace_project(self, project: Project, path: Path | None = None) -> None:
        """Open another project: clears undo history and selection."""
        self.project = project
        self.path = path
        self.slot = next(iter(project.slots))
        self.selected = -1
        self.undo_stack.clear()
        self._recheck()
        self.projectReplaced.emit()
        self.selectionChanged.emit(-1)

    def set_slot(self, slot: str) -> None:
        if slot in self.project.slots and slot != self.slot:
            self.slot = slot
            self.select(-1)
            self.graphChanged.emit(slot)

    def select(self, node_id: int) -> None:
        if node_id != self.selected:
            self.selected = node_id
            self.selectionChanged.emit(node_id)

    # -- edits (called by undo commands only) --------------------------------------------
    def graph_edited(self, slot: str | None = None) -> None:
        """Call after changing a slot's Graph: re-checks and tells the views."""
        self._recheck()
        self.graphChanged.emit(slot or self.slot)
        if self.selected != -1 and self.selected not in self.graph.nodes:
            self.select(-1)

    def set_setting(self, name: str, value: Any) -> None:
        """Change a run setting by name (validated; raises StudioError with a sentence)."""
        self.project.apply_setting(name, value)
        self._recheck()
        self.settingsChanged.emit()

    def set_pace(self, rate: float) -> None:
        """Train at ``rate`` steps per second in the window (0: full speed); saved with the
        project, and no reason for a run to start over."""
        if rate > 0:
            self.project.ui["pace"] = rate
        else:
            self.project.ui.pop("pace", None)
        self.paceChanged.emit()

    def settings_edited(self) -> None:
        self._recheck()
        self.settingsChanged.emit()

    def _recheck(self) -> None:
        self.check = check_project(self.project, self.registry)
        self.checked.emit()
