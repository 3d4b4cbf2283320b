"""What a person does to a run between two of its steps: Run, Pause, Step, Stop and Reset,
the pictures the open panels ask for and their options, a setting changed while it trains,
and the pace. Mixed into :class:`~.engine.Engine`, whose loop calls ``_handle_commands``
between steps and ``_wait_for_pace`` when a pace is chosen."""

from __future__ import annotations

import time
from enum import Enum
from typing import Any

from ..errors import ParamError, StudioError
from ..model.paradigms import PARADIGM_SPECS
from ..model.setting_kinds import VIEW, setting_kind
from ..paradigms.live import apply_live


class EngineState(str, Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    DIVERGED = "diverged"
    STOPPED = "stopped"
    ERROR = "error"


class Controls:
    """The engine's commands, applied in its loop's thread (see ``Engine._command``)."""

    def _handle_commands(self) -> bool:
        """Apply queued commands; True when the loop must end."""
        while self._commands:
            name, arg = self._commands.popleft()
            if name == "stop":
                if self.state not in (EngineState.FINISHED, EngineState.ERROR):
                    self.state = EngineState.STOPPED
                self._flush_metrics()
                self._emit_status()
                return True
            if name == "run" and self.state in (EngineState.PAUSED, EngineState.DIVERGED,
                                                EngineState.IDLE):
                self.state = EngineState.RUNNING
                self.message = ""
            elif name == "pause" and self.state is EngineState.RUNNING:
                self.state = EngineState.PAUSED
                self._emit_visuals()  # paused: the pictures show the weights as they are
            elif name == "step" and self.state in (EngineState.PAUSED, EngineState.DIVERGED,
                                                   EngineState.IDLE):
                self.state = EngineState.PAUSED
                self._steps_owed += 1
            elif name == "reset":
                if arg is not None:
                    self.project = arg
                try:
                    self.build()
                    self._announce_built()
                except StudioError as err:
                    self.state, self.message = EngineState.ERROR, str(err)
            elif name == "visuals":
                self._visual_kinds, self._visual_every = arg
                if self.state is not EngineState.RUNNING:
                    self._emit_visuals()
            elif name == "live" and self.paradigm is not None:
                self._apply_live(*arg)
            elif name == "pace":
                self.pace = arg
                self._next_step_at = time.perf_counter()
            elif name == "call":
                arg(self)
                continue  # a request: the run's state is as it was
            elif name == "visual_option" and self.paradigm is not None:
                self.paradigm.set_visual_option(*arg)
                if self.state is not EngineState.RUNNING:
                    self._emit_answer()
                else:
                    self._visual_due = True
            self._emit_status()
        return False

    def _apply_live(self, name: str, value: Any) -> None:
        """Check and apply a live change, and mark it on the curves; a refusal becomes the
        run's message, and the run goes on as it was."""
        try:
            if name == "dropout":
                slot, node_id, p = value
                value = (slot, node_id, self.registry.get("Dropout").params.get("p")
                         .validate(p, "Dropout"))
            else:
                spec = PARADIGM_SPECS.get(self.project.paradigm).hparams.get(name)
                if spec is None:
                    raise ParamError(f"{self.project.paradigm} training has no {name} setting")
                value = spec.validate(value, "settings")
                if setting_kind(self.project.paradigm, name) == VIEW:
                    self._apply_view(name, value)
                    return
            apply_live(self.paradigm, self.nets, name, value)
        except StudioError as err:
            self.message = str(err)
            return
        if name == "dropout":
            slot, node_id, p = value
            self.project.slots[slot].nodes[node_id].params["p"] = p
            name, value = f"dropout {node_id}", p
        else:
            self.project.hparams[name] = value
        self.history.add(self.step_count, "change", name, float(value))
        if self.sink is not None:
            self._pending.append((self.step_count, "change", name, float(value)))
        self.message = f"{name} set to {value:g} from step {self.step_count + 1}"
        self._flush_metrics()

    def _apply_view(self, name: str, value: Any) -> None:
        """A setting that changes only what is drawn or sampled (a sample's length): the
        pictures are made with it at once (sent when a panel shows them), so a value they
        cannot use is refused in words and the run goes on as it was; training and its
        curves are untouched."""
        hparams = self.paradigm.hparams
        before = hparams.get(name)
        hparams[name] = value
        try:
            if self._visual_kinds:
                self._emit_answer()
            else:  # no panel shows them: tried all the same, so none fails later
                self.paradigm.visualize(set(getattr(self.paradigm, "visual_kinds", ())))
        except StudioError as err:
            hparams[name] = before
            self.message = f"{name} was not changed: {err}"
            return
        self.project.hparams[name] = value
        shown = f"{value:g}" if isinstance(value, float) else value
        self.message = f"{name} set to {shown}: the pictures use it from now on"

    def _wait_for_pace(self, clock) -> bool:
        """At a chosen pace: wait (for a command at most) until the next step is due; True
        when it is not due yet. A person waiting for a picture is answered meanwhile."""
        wait = self._next_step_at - clock()
        if wait <= 0:
            return False
        if self._visual_due:
            self._visual_due = False
            self._emit_answer()
        self._flush_metrics()
        self._wake.wait(min(wait, 0.1))
        self._wake.clear()
        return True
