"""The training loop: Run, Pause, Step, Stop and Reset between steps, reporting to a sink.

The same loop runs in a worker thread of the training process under the window (``start``;
see ``host``) and in the calling thread on the command line (``run_blocking``). It never
imports Qt: it hands plain frozen events to ``sink`` (any callable), scalars in batches at
most every ``METRICS_EVERY_S``, pictures on a cadence that keeps their cost small.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import torch

from ..data import make_dataset
from ..errors import ProjectError, StudioError
from ..messages.events import Answered, Built, Finished, MetricsBatch, Status
from ..messages.history import MetricHistory
from ..model.blocks import BlockRegistry, Context
from ..model.catalog import BLOCKS
from ..model.paradigms import PARADIGM_SPECS
from ..model.project import Project, check_project
from ..nn.compile import compile_graph
from ..paradigms.base import NonFiniteLoss
from ..paradigms.registry import PARADIGMS
from ..snapshots.frames import FrameRecorder
from ..snapshots.kinds import Snapshot
from .controls import Controls, EngineState
from .distributed import current_world, threads_each
from .divergence import DivergenceGuard
from .early_stop import EarlyStopping
from .eval_plan import EvalPlan
from .math_view import BlockValuesView
from .run_checkpoints import CheckpointKeeper, load_initial_weights
from .runtime import check_precision, cores, resolve_device, seed_everything
from .shared_run import SharedRun
from .summary import run_summary

METRICS_EVERY_S = 0.03   # one batch of scalars per 30 ms at most
STATUS_EVERY_S = 0.25
EVAL_MIN_GAP_S = 0.05    # validation at most this often (it never changes the training path)
EVAL_MAX_GAP_S = 0.5     # and at least this often, unless one check costs over ...
EVAL_MAX_SHARE = 0.05    # ... this share of the time: then as often as that allows
SAFE_COPY_EVERY_S = 2.0  # in-memory copy of the weights to fall back on if they turn non-finite
VISUAL_SHARE = 0.01      # pictures take at most this share of the time at full speed ...
VISUAL_SHARE_PACED = 0.3  # ... and this share at a chosen pace, where the loop mostly waits

Sink = Callable[[Any], None]


class Engine(Controls, DivergenceGuard, BlockValuesView, SharedRun):
    """Trains one project. Controls are thread-safe and honoured between steps."""

    def __init__(self, project: Project, sink: Sink | None = None, *,
                 registry: BlockRegistry = BLOCKS, max_steps: int | None = None,
                 max_seconds: float | None = None, threads: int | None = None,
                 init_weights: dict[str, Any] | None = None,
                 precision: str = "float32") -> None:
        self.project = project
        self.precision = precision  # "bf16": autocast on a GPU that computes in it
        # starting weights per slot (a safetensors path or a state dict): a forked run
        self.init_weights = init_weights
        self.checkpoints = CheckpointKeeper()  # a few copies of the weights during the run
        self.parent: str | None = None  # what a forked run started from, and what differs
        self.differs: list[str] = []
        self.sink = sink
        self.registry = registry
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.threads = threads  # torch intra-op threads; None = cores − 1
        self.state = EngineState.IDLE
        self.message = ""
        self.history = MetricHistory()
        self.step_count = 0
        self.elapsed = 0.0
        self.cpu_elapsed = 0.0  # CPU seconds of the training thread in the loop (for bench)
        self.paradigm = None
        self.nets: dict[str, torch.nn.Module] = {}
        self.contexts: dict[str, Context] = {}  # what each network is fed
        self.data = None
        self.device = torch.device("cpu")
        self.total_steps = 0
        self.finished: Finished | None = None
        self._commands: deque[tuple[str, Any]] = deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._visual_kinds: frozenset[str] = frozenset()
        self._visual_every = 0.25
        self._visual_cost: dict[str, float] = {}  # seconds each kind of picture takes
        self._visual_next: dict[str, float] = {}  # when each kind is due again
        self.pace = 0.0  # steps per second; 0 = as fast as it goes
        self._next_step_at = 0.0
        self._pending: list[tuple[int, str, str, float]] = []
        self._last_finite: tuple[int, float] | None = None
        self._safe_state: dict[str, dict[str, torch.Tensor]] = {}
        self._safe_step = 0
        self._steps_owed = 0
        self._start_running = True
        self._visual_due = False
        self._early = EarlyStopping(0)
        self._stop_early = False
        self.diverged_at: int | None = None
        self.frames: FrameRecorder | None = None  # pictures over training, for animations

    # -- building ------------------------------------------------------------------------
    def build(self) -> None:
        """Check the project, make the data, compile the networks and set up the paradigm.

        Raises :class:`StudioError` with a sentence for anything the person can fix.
        """
        check = check_project(self.project, self.registry)
        if not check.ok:
            raise ProjectError(check.errors[0])
        world = current_world()
        torch.set_num_threads(max(1, int(self.threads or threads_each(world, cores()))))
        self.device = resolve_device(self.project.device)
        if world.several and self.device.type == "cuda":  # one GPU a process
            self.device = torch.device("cuda", world.local_rank)
        check_precision(self.precision, self.device)
        seed_everything(self.project.seed)
        data = make_dataset(self.project.dataset, check.dataset_options)
        pspec = PARADIGM_SPECS.get(self.project.paradigm)
        ctx = data.context()
        self.contexts = {slot: pspec.slot_context(slot, check.hparams, ctx)
                         for slot in self.project.slots}
        nets = {slot: compile_graph(graph, self.registry, self.contexts[slot]).to(self.device)
                for slot, graph in self.project.slots.items()}
        if self.init_weights:
            load_initial_weights(nets, self.init_weights)
        paradigm = PARADIGMS.create(self.project.paradigm)
        data = data.to(self.device)
        trained = self._shared_nets(paradigm, nets, check.hparams)  # several processes
        paradigm.setup(self.project, trained, data, self.device)
        # networks the paradigm made itself (a flow's other couplings) are kept like the
        # slots': checkpoints, saved weights, forks, the fallback copy, early stopping
        extra = paradigm.extra_nets() if hasattr(paradigm, "extra_nets") else {}
        if extra:
            nets.update(extra)
            if self.init_weights:
                load_initial_weights(extra, self.init_weights)
        self._same_start(paradigm)  # several processes: its own weights start alike
        self.data, self.nets, self.paradigm = data, nets, paradigm
        self.total_steps = self.max_steps or paradigm.total_steps
        self.frames = FrameRecorder.for_run(paradigm.visual_kinds, self.total_steps)
        self.checkpoints.start(self.total_steps, nets)
        self._watch_block_values()  # a fixed example per network, for the block's numbers
        self.step_count = 0
        self.elapsed = self.cpu_elapsed = 0.0
        self.history.clear()
        self.finished = None
        self._last_finite = None
        self._early = EarlyStopping(getattr(self.paradigm, "hparams", {}).get("patience", 0))
        self._stop_early = False
        self._take_safe_copy()
        self.state = EngineState.PAUSED

    # -- controls (any thread) -----------------------------------------------------------
    def start(self, running: bool = True, build_in_worker: bool = False) -> None:
        """Start the worker thread, running or paused.

        The engine is built first if needed: here, or with ``build_in_worker`` in the worker
        thread (a window stays responsive while data and networks are made; a problem then
        arrives as an ``error`` status with the sentence).
        """
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the engine is already started")
        if self.paradigm is None and not build_in_worker:
            self.build()
        self._start_running = running
        if self.paradigm is not None:
            self.state = EngineState.RUNNING if running else EngineState.PAUSED
        self._thread = threading.Thread(target=self._thread_main, name="mlsp-engine",
                                        daemon=True)
        self._thread.start()

    def run(self) -> None:
        self._command("run")

    def pause(self) -> None:
        self._command("pause")

    def step(self) -> None:
        """Exactly one optimisation step, then paused."""
        self._command("step")

    def stop(self) -> None:
        self._command("stop")

    def reset(self, project: Project | None = None) -> None:
        """Rebuild from the project (or a new one) at step 0, paused."""
        self._command("reset", project)

    def request_visuals(self, kinds: set[str], every_s: float = 0.25) -> None:
        """Compute these snapshot kinds every ``every_s`` seconds of wall time while running."""
        self._command("visuals", (frozenset(kinds), float(every_s)))

    def set_visual_option(self, name: str, value: Any) -> None:
        if not self._block_option(name, value):  # the block whose numbers are shown
            self._command("visual_option", (name, value))

    def set_live(self, name: str, value: Any) -> None:
        """Change a setting of the running run (one of ``LIVE_SETTINGS``) before its next
        step; the change is recorded as a ``change`` record at the step it took effect."""
        self._command("live", (name, value))

    def set_pace(self, steps_per_second: float) -> None:
        """Train at most this many steps per second (0: full speed), from the next step."""
        self._command("pace", max(0.0, float(steps_per_second)))

    def call(self, job: Callable[[Engine], None]) -> None:
        """Run ``job(engine)`` in the loop's thread between two steps (a request that needs
        the networks as they are, such as writing their weights)."""
        self._command("call", job)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _command(self, name: str, arg: Any = None) -> None:
        self._commands.append((name, arg))
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------
    def run_blocking(self, progress: Callable[[Engine], None] | None = None) -> Finished:
        """Train in the calling thread until the step or time budget is spent, or it diverges."""
        if self.paradigm is None:
            self.build()
        self.state = EngineState.RUNNING
        self._loop(progress, exit_on_pause=True)
        if self.finished is None:
            ended = self.state
            self.finish(ended.value if ended in (EngineState.DIVERGED, EngineState.ERROR)
                        else "stopped")
            if ended in (EngineState.DIVERGED, EngineState.ERROR):
                self.state = ended  # the final metrics are in; the state still says why
        return self.finished

    def _thread_main(self) -> None:
        try:
            if self.paradigm is None:
                try:
                    self.build()
                except StudioError as err:
                    self.state, self.message = EngineState.ERROR, str(err)
                    self._emit_status()
                    return
                self.state = EngineState.RUNNING if self._start_running else EngineState.PAUSED
                self._announce_built()
            self._loop(None, exit_on_pause=False)
        except Exception as err:  # never let the worker die silently
            self.state = EngineState.ERROR
            self.message = f"training stopped on an error: {err}"
            self._emit_status()

    def _loop(self, progress, exit_on_pause: bool) -> None:
        clock = time.perf_counter
        start = clock()
        cpu_start = time.thread_time() - self.cpu_elapsed
        next_tick = start
        last_eval = start - 1.0
        eval_gap = EVAL_MIN_GAP_S
        last_safe = start
        rate_mark = (start, self.step_count)
        self._emit_status()
        paradigm = self.paradigm
        # a project that sets eval_every gets exactly that; otherwise the clock thins checks
        exact_eval = bool(getattr(paradigm, "hparams", {}).get("eval_every"))
        # headless, at least EVAL_POINTS checks over the run's steps or time budget
        plan = EvalPlan(self.total_steps, self.max_seconds) \
            if exit_on_pause and not exact_eval else None
        while True:
            if self._commands:
                if self._handle_commands():
                    return
                paradigm = self.paradigm
            single = self._steps_owed > 0
            if self.state is not EngineState.RUNNING and not single:
                if exit_on_pause:
                    return
                self._flush_metrics()
                self._wake.wait(0.1)
                self._wake.clear()
                start = clock() - self.elapsed
                cpu_start = time.thread_time() - self.cpu_elapsed
                rate_mark = (clock(), self.step_count)
                continue
            if self.pace and not single and self._wait_for_pace(clock):
                continue
            try:
                with self._sharing(), self._autocast():
                    metrics = paradigm.step()
                    metrics = self._agree(metrics)  # on several processes: their mean
            except NonFiniteLoss as err:
                self._steps_owed = 0
                self._diverged(err)
                if exit_on_pause:
                    return
                continue
            except StudioError as err:
                self.state, self.message = EngineState.ERROR, str(err)
                self._emit_status()
                if exit_on_pause:
                    return
                continue
            self.step_count += 1
            step = self.step_count
            self._record_train(step - self.lag, metrics or {})  # lag: several processes
            now = clock()
            self.elapsed = now - start
            self.cpu_elapsed = time.thread_time() - cpu_start
            if self.pace:
                interval = 1.0 / self.pace  # at most one step of catching up after a slow one
                self._next_step_at = max(self._next_step_at + interval, now - interval)
            if single:
                self._steps_owed -= 1
                self._evaluate(step)
                self._emit_visuals()
                self._flush_metrics()
                self._emit_status()
                continue
            done = step >= self.total_steps or self._should_stop()
            if done:
                self.finish("interrupted" if self.interrupted else
                            "early stopping" if self._stop_early else "done")
                if progress:
                    progress(self)
                if exit_on_pause:
                    return
                continue
            if not self.world.leader:  # the others only train; the first checks and draws
                continue
            if self.frames is not None and self.frames.due(step):  # every 2.5 % of the steps
                self.frames.record(step, paradigm.visualize(set(self.frames.kinds)))
            usual = step % paradigm.eval_every == 0 and (exact_eval or now - last_eval >= eval_gap)
            if usual or plan is not None and plan.due(step, self.elapsed):
                self._evaluate(step, patience=usual)  # the plan's checks: points, not patience
                last_eval = clock()
                if plan is not None:
                    plan.checked(step, self.elapsed)
                # keep validation near 2 % of the time: wait 50× what it took (≤ 0.5 s); a
                # dear check (a probe, a retrieval over the split) waits long enough to stay
                # under 5 %, so the curves cost training little with every panel closed
                cost = last_eval - now
                eval_gap = max(min(EVAL_MAX_GAP_S, max(EVAL_MIN_GAP_S, 50.0 * cost)),
                               cost / EVAL_MAX_SHARE)
            if self._visual_due:  # a panel changed an option (a new prompt): answer now
                self._visual_due = False
                self._emit_answer()
            if now >= next_tick:
                next_tick = now + METRICS_EVERY_S
                if self._visual_kinds:
                    self._emit_visuals(due_only=True)
                if now - last_safe >= SAFE_COPY_EVERY_S:
                    last_safe = now
                    self._take_safe_copy()
                self._flush_metrics()
                if now - rate_mark[0] >= STATUS_EVERY_S:
                    if step - rate_mark[1] >= 10 or now - rate_mark[0] >= 2.0:  # slow paces
                        self._rate = (step - rate_mark[1]) / (now - rate_mark[0])
                        rate_mark = (now, step)
                    self._emit_status()
                    if progress:
                        progress(self)

    # -- helpers -------------------------------------------------------------------------
    _rate = 0.0

    def _record_train(self, step: int, metrics: dict[str, float]) -> None:
        for name, value in metrics.items():
            self.history.add(step, "train", name, value)
            if self.sink is not None:
                self._pending.append((step, "train", name, value))
        if "loss" in metrics:
            self._last_finite = (step, metrics["loss"])

    def _evaluate(self, step: int, patience: bool = True) -> None:
        self.checkpoints.offer(step, self.nets)  # copies only when one is due
        for split in ("train", "val"):
            for name, value in self.paradigm.evaluate(split).items():
                if split == "val" and name == "loss" and patience:
                    self._stop_early |= self._early.update(step, value, self.nets)
                self.history.add(step, "val" if split == "val" else "train_eval", name, value)
                if self.sink is not None:
                    self._pending.append((step, "val" if split == "val" else "train_eval",
                                          name, value))

    def _announce_built(self) -> None:
        if self.sink is not None:
            self.sink(Built(self._offered_kinds(), str(self.device), self.total_steps))

    def _emit_visuals(self, due_only: bool = False) -> None:
        """The pictures the open panels show (with ``due_only``, the kinds whose turn it is).

        Each kind has its own cadence: as asked (a frame), unless its cost would exceed its
        share of the time (more at a chosen pace, where the loop mostly waits); a dear
        picture then comes less often without holding back the cheap ones."""
        if self.sink is None or not self._visual_kinds or self.paradigm is None:
            return
        share = VISUAL_SHARE_PACED if self.pace else VISUAL_SHARE
        for kind in sorted(self._visual_kinds):
            began = time.perf_counter()
            if due_only and began < self._visual_next.get(kind, 0.0):
                continue
            snapshots = self._visualize(kind)  # the paradigm's, or the block's numbers
            cost = time.perf_counter() - began
            smooth = self._visual_cost.get(kind)
            smooth = cost if smooth is None else 0.7 * smooth + 0.3 * cost
            self._visual_cost[kind] = smooth
            self._visual_next[kind] = began + max(self._visual_every, smooth / share)
            for snapshot in snapshots:
                self.sink(snapshot)

    def _emit_answer(self) -> None:
        """The pictures a changed option asked for, then word that they are all sent."""
        self._emit_visuals()
        if self.sink is not None and self._visual_kinds:
            self.sink(Answered(self.step_count))

    def snapshots(self, kinds: set[str] | None = None) -> list[Snapshot]:
        """Compute snapshots now (for figures at the end of a run)."""
        if self.paradigm is None:
            return []
        return self.paradigm.visualize(set(kinds or self.paradigm.visual_kinds))

    def _flush_metrics(self) -> None:
        if self._pending and self.sink is not None:
            batch, self._pending = tuple(self._pending), []
            self.sink(MetricsBatch(batch))

    def _emit_status(self) -> None:
        if self.sink is None:
            return
        epoch = self.paradigm.epoch if self.paradigm is not None else 0
        self.sink(Status(self.state.value, self.step_count, epoch, self.total_steps, self._rate,
                         self.elapsed, str(self.device), self.message, self.cpu_elapsed))

    def finish(self, reason: str) -> Finished:
        """Compute the final metrics and mark the run finished."""
        if self._early.restore(self.nets):  # early stopping: the best weights, not the last
            best = (f"the weights of step {self._early.best_step}, with the best validation "
                    f"loss ({self._early.best_loss:.4g})")
            self.message = (f"Stopped early; kept {best}" if reason == "early stopping"
                            else f"Kept {best}")
        self._record_train(self.step_count, self._last_agreed() or {})  # several processes
        self._check_shared_weights()  # on several processes: all hold the same weights
        final = self.paradigm.final_metrics() if self.paradigm is not None \
            and self.world.leader else {}
        final.update(self._run_numbers(final))
        note = getattr(self.paradigm, "final_note", None)  # e.g. a GAN's mode collapse
        if note is not None and (text := note(final)):
            self.message = f"{self.message}. {text}" if self.message else text
        for name, value in final.items():
            split, _, metric = name.partition("_")
            if split not in ("train", "val", "test") or not metric:
                split, metric = "final", name  # e.g. unigram_loss, few_shot_accuracy
            split = "train_eval" if split == "train" else split  # not the per-step train curve
            self.history.add(self.step_count, split, metric, value)
            if self.sink is not None:
                self._pending.append((self.step_count, split, metric, value))
        self._emit_visuals()  # the pictures of the final weights
        rate = self.step_count / self.elapsed if self.elapsed > 0 else 0.0
        self.finished = Finished(self.step_count, self.elapsed,
                                 tuple((k, float(v)) for k, v in final.items()), reason)
        self._rate = rate
        self.state = EngineState.FINISHED
        self._flush_metrics()
        self._emit_status()
        if self.sink is not None:
            self.sink(self.finished)
        return self.finished

    def _run_numbers(self, final: dict[str, float]) -> dict[str, float]:
        """What every run reports besides its paradigm's metrics: the best validation loss
        seen (the final one counts too) and how many weights it trained of how many."""
        params = [p for net in self.nets.values() for p in net.parameters()]
        out = {"trainable_params": float(sum(p.numel() for p in params if p.requires_grad)),
               "total_params": float(sum(p.numel() for p in params))}
        best = min(self._early.best_loss, final.get("val_loss", math.inf))
        if math.isfinite(best):
            out["best_val_loss"] = best
        return out

    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds."""
        return run_summary(self)
