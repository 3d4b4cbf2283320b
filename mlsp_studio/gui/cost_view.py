"""What the network costs, in the window: the line on each block, the inspector's section,
the status bar's summary, the warning above the canvas and the question before Run.

The numbers are ``model/cost.py``'s, worked out by the document once per check (pure
arithmetic over the shapes the check found, never on a repaint); here they become words.
A step that will not fit in memory, that takes most of it or that will be slow is said in
the warning colour, naming what dominates; only "will not fit" asks before Run, once per
opened project, and a person may run anyway.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QVBoxLayout, QWidget

from ..model.cost import BlockCost, ProjectCost, Rates, size_text
from ..model.cost_table import short_count
from .bridge import assert_gui_thread
from .document import StudioDocument
from .status_line import StatusLine, warning_colour

UNKNOWN_TEXT = "The cost is unknown until every network is complete and its problems solved."
MACS_TIP = ("MACs: multiply-adds of matrix products for one example's forward pass (a "
            "training step costs about three times as many per example).")
BANNER_STYLE = "QLabel#costBanner { background: #fff3cd; color: #5c3b00; padding: 6px 10px; }"
WONT_FIT = "Will not fit in memory"


# --- words --------------------------------------------------------------------------------

def block_line(cost: BlockCost | None) -> str:
    """The line under a block's parameter count: ``9.22k MACs``, ``cost unknown`` for a
    block type with no rule, ``? MACs`` while its shape is unknown."""
    if cost is None:
        return "? MACs"
    return "cost unknown" if cost.macs is None else f"{short_count(cost.macs)} MACs"


def block_words(cost: BlockCost | None) -> str:
    """One block's cost for one example, in a sentence."""
    if cost is None:
        return ""
    macs = ("an unknown number of multiply-adds (its block type gives no rule)"
            if cost.macs is None else f"{short_count(cost.macs)} multiply-adds")
    kept = f"{size_text(cost.kept_bytes)} of activations"
    if cost.kept_bytes != cost.output_bytes:
        kept += f" kept for the backward pass ({size_text(cost.output_bytes)} of output)"
    return f"For one example: {macs}, {kept}."


def time_text(seconds: float) -> str:
    """A time in two significant figures: 450 µs, 63 ms, 1.2 s, 3.6 min."""
    for unit, scale in (("min", 60.0), ("s", 1.0), ("ms", 1e-3)):
        if seconds >= scale or unit == "ms" and seconds >= 1e-4:
            value = seconds / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{seconds * 1e6:.0f} µs"


def complete(cost: ProjectCost | None, doc: StudioDocument) -> bool:
    """Every network of the project is costed."""
    return cost is not None and len(cost.networks) == len(doc.project.slots) > 0


def warnings(cost: ProjectCost | None) -> list[str]:
    """The flags worth a warning (memory, time); not the note on blocks of unknown cost."""
    return [f for f in (cost.flags if cost else []) if not f.startswith("The cost of")]


def wont_fit(cost: ProjectCost | None) -> str:
    """The flag saying a step will not fit in memory, or ""."""
    return next((f for f in warnings(cost) if f.startswith(WONT_FIT)), "")


def banner_html(flag: str) -> str:
    """A flag for the banner: its name in bold, then the rest (what dominates)."""
    name, _, rest = flag.partition(":")
    return f"<b>⚠ {html.escape(name)}</b>: {html.escape(rest.strip())}"


def _macs(count: int, unknown: bool) -> str:
    return short_count(count) + ("+?" if unknown else "")


def network_lines(cost: ProjectCost) -> list[str]:
    """Each network's totals for one example, then what a step at the batch size holds."""
    lines = []
    for net in cost.networks:
        name = f"{net.name}: " if len(cost.networks) > 1 else ""
        kept = sum(b.kept_bytes for b in net.blocks)
        lines.append(f"{name}{net.params:,} parameters; for one example "
                     f"{_macs(net.macs_per_example, bool(net.unknown))} multiply-adds and "
                     f"{size_text(kept)} of activations.")
    memory, batch = cost.memory, cost.networks[0].batch
    unknown = any(n.unknown for n in cost.networks)
    lines.append(f"A step of {batch} examples: {_macs(cost.step_macs, unknown)} multiply-adds, "
                 "forward and backward.")
    lines.append(f"Memory {size_text(cost.total_bytes)}: weights {size_text(memory['weights'])}, "
                 f"gradients {size_text(memory['gradients'])}, optimiser state "
                 f"{size_text(memory['optimizer'])}, activations "
                 f"{size_text(memory['activations'])}.")
    rates = ("measured on the training process's device" if cost.rates.measured
             else "assumed for a laptop CPU")
    lines.append(f"About {time_text(cost.estimated_seconds)} a step (an estimate, at rates "
                 f"{rates}).")
    return lines


def step_time_words(cost: ProjectCost, measured: float | None = None) -> str:
    """"≈12 ms a step", with the time the run measured when it trains:
    "≈12 ms a step (measured 15 ms)"."""
    words = f"≈{time_text(cost.estimated_seconds)} a step"
    return words + (f" (measured {time_text(measured)})" if measured else " (estimate)")


def summary(cost: ProjectCost, measured: float | None = None) -> str:
    """The status bar's few words: parameters, and a step's multiply-adds, memory and time
    (``measured``: seconds a step takes in the run that trains, beside the estimate)."""
    params = sum(n.params for n in cost.networks)
    unknown = any(n.unknown for n in cost.networks)
    return (f"{short_count(params)} params · a step of {cost.networks[0].batch}: "
            f"{_macs(cost.step_macs, unknown)} MACs, {size_text(cost.total_bytes)}, "
            f"{step_time_words(cost, measured)}")


def status_words(cost: ProjectCost | None, doc: StudioDocument,
                 measured: float | None = None) -> tuple[str, str, bool]:
    """(the status bar's text, its tooltip, whether it warns)."""
    if not complete(cost, doc):
        return "cost unknown", UNKNOWN_TEXT, False
    flagged = warnings(cost)
    text = summary(cost, measured)
    if flagged:
        text = "⚠ " + " · ".join(f.split(":")[0] for f in flagged) + " · " + text
    tip = "\n".join(network_lines(cost) + [""] + (cost.flags or ["No warnings."]) + ["",
                    MACS_TIP])
    return text, tip, bool(flagged)


# --- the inspector's section --------------------------------------------------------------

class CostSection(QWidget):
    """The network's totals and its warnings (in the warning colour), under the block."""

    def __init__(self, doc: StudioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.totals = QLabel(self)
        self.warning = QLabel(self)
        for label in (self.totals, self.warning):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(label)
        self.warning.setTextFormat(Qt.TextFormat.RichText)
        self.totals.setToolTip(MACS_TIP)
        doc.checked.connect(self._on_checked)
        self._on_checked()

    def _on_checked(self) -> None:
        assert_gui_thread("CostSection._on_checked")
        cost = self.doc.cost()
        lines = network_lines(cost) if complete(cost, self.doc) else [UNKNOWN_TEXT]
        lines += [f for f in (cost.flags if cost else []) if f not in warnings(cost)]
        self.totals.setText("\n".join(lines))
        flagged = warnings(cost) if complete(cost, self.doc) else []
        self.warning.setText("<br>".join(banner_html(flag) for flag in flagged))
        self.warning.setVisible(bool(flagged))
        self._style()

    def _style(self) -> None:
        self.warning.setStyleSheet(f"color: {warning_colour()};")

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style()
        elif event.type() == QEvent.Type.FontChange:  # a label with a style sheet keeps its own
            for label in (self.totals, self.warning):
                label.setFont(self.font())
        super().changeEvent(event)


# --- the window's part --------------------------------------------------------------------

class CostView:
    """Mixed into MainWindow: needs ``doc`` and ``status_line``; call
    ``_build_cost_view()`` once the status bar is built."""

    doc: StudioDocument
    status_line: StatusLine

    def _build_cost_view(self) -> None:
        self._cost_agreed: object = None  # the project whose step, too big, may run anyway
        self._measured_step: float | None = None  # seconds a step of the training run takes
        self.cost_banner = QLabel(self.centralWidget())
        self.cost_banner.setObjectName("costBanner")
        self.cost_banner.setWordWrap(True)
        self.cost_banner.setTextFormat(Qt.TextFormat.RichText)
        self.cost_banner.setStyleSheet(BANNER_STYLE)
        self.cost_banner.hide()
        self.centralWidget().layout().insertWidget(1, self.cost_banner)
        self.doc.checked.connect(self._on_cost_checked)
        bridge = getattr(self, "bridge", None)
        if bridge is not None:
            bridge.ready.connect(self._on_cost_rates)
            if bridge.is_ready:
                self._on_cost_rates()
        self._on_cost_checked()

    def _on_cost_rates(self) -> None:
        """The training process has started: estimate at the rates it measured there."""
        assert_gui_thread("CostView._on_cost_rates")
        ready = getattr(getattr(self, "bridge", None), "process", None)
        rates = getattr(getattr(ready, "ready", None), "rates", None)
        if isinstance(rates, dict):
            self.doc.set_rates(Rates.from_dict(rates))

    def cost_status(self, status) -> None:
        """A status from the run: while it trains at full speed, its time per step shows
        beside the estimate (at a chosen pace the steps wait, so none is shown)."""
        rate = float(getattr(status, "steps_per_second", 0.0) or 0.0)
        training = status.state == "running" and rate > 0 and not self.doc.project.ui.get("pace")
        measured = 1.0 / rate if training else self._measured_step
        if status.state not in ("running", "paused", "finished"):
            measured = None
        if measured != self._measured_step:
            self._measured_step = measured
            self.status_line.set_cost(*status_words(self.doc.cost(), self.doc, measured))

    def _on_cost_checked(self) -> None:
        assert_gui_thread("CostView._on_cost_checked")
        cost = self.doc.cost()
        if self.doc.check is not getattr(self, "_measured_check", self.doc.check):
            self._measured_step = None  # the network changed: its run starts over
        self._measured_check = self.doc.check
        self.status_line.set_cost(*status_words(cost, self.doc, self._measured_step))
        flagged = warnings(cost) if complete(cost, self.doc) and self.doc.check.ok else []
        if flagged:
            self.cost_banner.setText("<br>".join(banner_html(flag) for flag in flagged))
        self.cost_banner.setVisible(bool(flagged))

    def _cost_allows_run(self) -> bool:
        """Ask once, for each opened project, before training a step that will not fit in
        memory; True when it may run."""
        flag = wont_fit(self.doc.cost())
        if not flag or self._cost_agreed is self.doc.project:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Run a network that will not fit?",
            f"{flag}\n\nTraining will probably stop when memory runs out, and the computer "
            "may slow down meanwhile; a smaller batch or smaller layers would fit.\n\n"
            "Run it anyway?",
            buttons.Yes | buttons.Cancel, buttons.Cancel)
        if answer != buttons.Yes:
            return False
        self._cost_agreed = self.doc.project
        return True
