"""The numbers behind a block's equation, for every run whatever its paradigm: the engine
offers the ``block_values`` pictures itself (``paradigms/block_values.py``) beside those of
the paradigm, and takes the panel's choice of block (the ``math_block`` option) before any
other option goes to the paradigm. Mixed into :class:`~.engine.Engine`."""

from __future__ import annotations

from typing import Any

from ..paradigms.block_values import KIND, BlockValuesProbe
from ..snapshots.kinds import Snapshot
from ..snapshots.math import OPTION
from .controls import EngineState


class BlockValuesView:
    """Needs the engine's ``nets``, ``project``, ``data``, ``paradigm``, ``state``,
    ``step_count``, ``_command``, ``_emit_answer`` and ``_visual_due``."""

    _block_values: BlockValuesProbe | None = None
    _block_choice: Any = None  # the panel's [network, block id], kept over a rebuild

    def _watch_block_values(self) -> None:
        """A fixed example for each network of the run just built (call after building)."""
        if self._block_values is not None:
            self._block_values.close()
        self._block_values = BlockValuesProbe(self.nets, self.project.slots, self.data)
        if self._block_choice is not None:
            self._block_values.choose(self._block_choice)

    def _offered_kinds(self) -> tuple[str, ...]:
        """The kinds a run can give: its paradigm's and the block's numbers."""
        return tuple(sorted(set(self.paradigm.visual_kinds) | {KIND}))

    def _visualize(self, kind: str) -> list[Snapshot]:
        if kind == KIND:
            probe = self._block_values
            return probe.snapshots(self.step_count) if probe is not None else []
        return self.paradigm.visualize({kind})

    def _block_option(self, name: str, value: Any) -> bool:
        """Queue the panel's choice of block when ``name`` is its option; False otherwise."""
        if name != OPTION:
            return False
        self._command("call", lambda engine: engine._choose_block(value))
        return True

    def _choose_block(self, value: Any) -> None:
        """In the loop's thread: show this block's numbers from now on, at once when the run
        is not training (as a changed option of the paradigm's would be)."""
        self._block_choice = value
        if self._block_values is not None:
            self._block_values.choose(value)
        if self.state is not EngineState.RUNNING:
            self._emit_answer()
        else:
            self._visual_due = True
