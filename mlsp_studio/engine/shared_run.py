"""A run on several processes, as the engine sees it: the networks shared before the
paradigm sets up (``distributed.share``), the averaging switched on only while a step trains
(checks, pictures and the final numbers of the first process go to the networks directly,
so no other process has to join in), and after every step one agreement on the scalars and
on whether to stop (a Ctrl-C on any of them stops all after the same step); and the step
in bfloat16 when asked (``--precision bf16``). Mixed into
:class:`~.engine.Engine`; alone and in float32, all of it does nothing."""

from __future__ import annotations

import contextlib
from typing import Any

import torch
import torch.distributed as dist

from ..errors import StudioError
from ..paradigms.update import loose_parameters
from .controls import EngineState
from .distributed import (
    ALONE,
    Agreement,
    SharedNetwork,
    World,
    broken_link,
    current_world,
    share,
    weights_agree,
)


class SharedRun:
    """Needs the engine's ``project``, ``device``, ``max_seconds``, ``elapsed``,
    ``_stop_early``, ``state`` and ``message``."""

    world: World = ALONE
    _shared: dict[str, SharedNetwork] = {}
    _told_stop = False
    _agreement: Agreement | None = None
    lag = 0  # steps between a step and its scalars' arrival (1 on several processes)
    _told_interrupt = False  # a process of the run was interrupted (Ctrl-C)
    _loose: list[torch.Tensor] = []  # weights trained outside the shared networks

    def _shared_nets(self, paradigm: Any, nets: dict[str, torch.nn.Module],
                     hparams: dict[str, Any]) -> dict[str, torch.nn.Module]:
        """The networks the paradigm trains: ``nets`` alone, shared among the processes of
        a run on several (refused in a sentence for what cannot be shared)."""
        self.world = current_world()
        self._shared, self._told_stop, self._agreement, self.lag = {}, False, None, 0
        self._told_interrupt, self._loose = False, []
        if not self.world.several:
            return nets
        why = paradigm.several_processes(hparams) if hasattr(paradigm, "several_processes") \
            else ""
        if why:
            raise StudioError(f"{self.project.paradigm} cannot train on several processes: "
                              f"{why}")
        torch.manual_seed(self.project.seed + 7919 * self.world.rank)  # its own stream
        self._shared = {k: v for k, v in share(nets, self.device).items()
                        if isinstance(v, SharedNetwork)}
        for net in self._shared.values():
            net.solo = True  # until a step trains
        self._agreement, self.lag = Agreement(), 1
        return {**nets, **self._shared}

    def _same_start(self, paradigm: Any) -> None:
        """On several processes, once the paradigm is set up: the weights it trains outside
        the shared networks (its own table, its copies) start as the first process's, as
        DistributedDataParallel makes the shared ones; the optimiser averages their
        gradients (``paradigms/update.py``)."""
        if not self._shared:
            return
        self._loose = loose_parameters(_optimizers(paradigm))
        with torch.no_grad():
            for p in self._loose:
                dist.broadcast(p.data, 0)

    @contextlib.contextmanager
    def _sharing(self):
        """While a step trains, the shared networks average their gradients; a broken link
        to another process ends the run in words (a StudioError)."""
        if not self._shared:
            yield
            return
        for net in self._shared.values():
            net.solo = False
        try:
            yield
        except RuntimeError as err:
            if not broken_link(err):
                raise
            raise StudioError(self._broken_words(err)) from None
        finally:
            for net in self._shared.values():
                net.solo = True

    def _autocast(self):
        """While a step trains in bf16: the forward passes in bfloat16 where PyTorch deems
        it safe (autocast); float32 otherwise."""
        if getattr(self, "precision", "float32") != "bf16":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def _agree(self, metrics: dict[str, float]) -> dict[str, float] | None:
        """The scalars to record now: alone, this step's; on several processes the mean of
        the step before (``lag``; None after the first), with the first process's word on
        stopping kept for ``_should_stop``. A StudioError when another process has gone."""
        if self._agreement is None:
            return metrics
        mine = self._stop_early or (self.max_seconds is not None
                                    and self.elapsed >= self.max_seconds)
        try:
            metrics, self._told_stop, self._told_interrupt = \
                self._agreement.exchange(metrics, mine)
        except RuntimeError as err:
            if not broken_link(err):
                raise
            raise StudioError(self._broken_words(err)) from None
        return metrics

    def _last_agreed(self) -> dict[str, float] | None:
        """At the end of a run on several processes: the last step's mean scalars."""
        if self._agreement is None:
            return None
        try:
            return self._agreement.receive()[0]
        except RuntimeError as err:
            if not broken_link(err):
                raise
            return None

    @property
    def interrupted(self) -> bool:
        """On several processes: the run stopped because one of them was interrupted."""
        return self._told_interrupt

    def _broken_words(self, err: BaseException) -> str:
        return (f"process {self.world.rank} of {self.world.size} stopped at step "
                f"{getattr(self, 'step_count', 0) + 1}: another process of the run ended or "
                f"stopped answering ({str(err).splitlines()[0][:160]})")

    def _check_shared_weights(self) -> None:
        """At the end of a run on several processes: every process must hold the same
        weights; a network that drifted apart is named in the run's message."""
        if not self.world.several or self.state is EngineState.ERROR:
            return
        nets = dict(self.nets)
        if self._loose:  # a table or copies the paradigm made itself
            nets["the paradigm's own tables and copies"] = torch.nn.ParameterList(self._loose)
        try:
            drifted = weights_agree(nets)
        except RuntimeError:
            return  # the group broke; the run's error says so
        if drifted:
            words = (f"the processes' weights of {', '.join(drifted)} drifted apart; the "
                     "first process's are saved")
            self.message = f"{self.message}. {words}" if self.message else words

    def _should_stop(self) -> bool:
        """Stop now: early stopping or the time budget (on several processes, as the first
        says)."""
        if self.world.several:
            return self._told_stop or self._told_interrupt
        return self._stop_early or (self.max_seconds is not None
                                    and self.elapsed >= self.max_seconds)

    def _world_summary(self, steps_per_second: float, batch: int) -> dict[str, Any]:
        """What ``summary.json`` says of the processes: how many, the batch of all together
        and the speed of one and of all."""
        size = self.world.size
        return {"world_size": size, "global_batch": batch * size,
                "steps_per_second_per_process": round(steps_per_second, 2),
                "examples_per_second": round(steps_per_second * batch * size, 1)}


def _optimizers(paradigm: Any) -> list[torch.optim.Optimizer]:
    """The optimisers a paradigm keeps (as attributes, alone or in a list or dict)."""
    found = []
    for value in vars(paradigm).values():
        items = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list | tuple) else [value]
        found += [item for item in items if isinstance(item, torch.optim.Optimizer)]
    return found
