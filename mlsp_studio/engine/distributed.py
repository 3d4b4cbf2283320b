"""One run on several processes, with PyTorch's own tools: ``torchrun`` starts the processes
and sets RANK, WORLD_SIZE and LOCAL_RANK; each joins one process group (gloo on the CPU,
NCCL on CUDA, one GPU a process), wraps its networks in ``DistributedDataParallel`` (the
gradients are averaged in the backward pass) and walks its own shard of every epoch
(``paradigms/batching.py``). After every step the processes agree, in one all-reduce, on the
step's scalars (their mean) and on whether to stop (the first process decides: its clock,
its early stopping; a Ctrl-C on any process stops them all). Only the first process checks,
draws and writes the run folder.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ..errors import StudioError
from ..paradigms.update import AVERAGED

# a collective that waits longer than this: a process is gone (the others wait this long for
# the first to write the run folder and its figures at the end)
TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class World:
    """Where this process stands among those of one run."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def leader(self) -> bool:
        """The first process: it checks, draws and writes the run."""
        return self.rank == 0

    @property
    def several(self) -> bool:
        return self.size > 1


ALONE = World()


def world_from_env(environ: Mapping[str, str] = os.environ) -> World:
    """The world ``torchrun`` describes in the environment, or one process alone."""
    if "WORLD_SIZE" not in environ:
        return ALONE
    try:
        size = int(environ["WORLD_SIZE"])
        rank = int(environ.get("RANK", "0"))
        local = int(environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise StudioError("WORLD_SIZE, RANK and LOCAL_RANK must be whole numbers; start "
                          "several processes with torchrun") from None
    if size < 1 or not 0 <= rank < size or local < 0:
        raise StudioError(f"process {rank} of {size} makes no sense; start several processes "
                          "with torchrun")
    return World(rank, size, local)


def current_world() -> World:
    """This process's place in the process group it has joined (alone when none)."""
    if not (dist.is_available() and dist.is_initialized()):
        return ALONE
    return World(dist.get_rank(), dist.get_world_size(),
                 int(os.environ.get("LOCAL_RANK", dist.get_rank())))


def join(world: World, device: str) -> str:
    """Join the run's process group; returns the device this process trains on (``cuda:N``
    for process N of a machine). NCCL on CUDA, gloo on the CPU."""
    if not world.several:
        return device
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if cuda:
        if not torch.cuda.is_available():
            raise StudioError("the device is set to cuda, but this machine has no usable "
                              "NVIDIA GPU; train on several processes with --device cpu")
        if world.local_rank >= torch.cuda.device_count():
            raise StudioError(f"process {world.local_rank} of this machine needs a GPU of its "
                              f"own, and there are {torch.cuda.device_count()}; start at most "
                              "that many processes a machine")
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group("nccl" if cuda else "gloo", timeout=TIMEOUT)
    return f"cuda:{world.local_rank}" if cuda else "cpu"


def leave(together: bool = True) -> None:
    """The end of a run on several processes: wait until the first has written it all, then
    leave the group together (a process that left alone would break the others' links);
    not ``together`` when the run broke (nobody would come)."""
    if dist.is_available() and dist.is_initialized():
        try:
            if together:
                dist.barrier()
        finally:
            dist.destroy_process_group()


class SharedNetwork(DistributedDataParallel):
    """A network whose gradients are averaged over the processes, that still answers to
    what the studio asks of its own networks (``shapes``, ``labels``, ``forward_capture``,
    ...): those go to the network itself, outside the averaging."""

    solo = False  # True: a pass of this process alone, straight to the network

    def forward(self, *inputs, **kwargs):
        if self.solo:
            return self.module(*inputs, **kwargs)
        return super().forward(*inputs, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)


def share(nets: Mapping[str, torch.nn.Module], device: torch.device
          ) -> dict[str, torch.nn.Module]:
    """Each network with weights to train, wrapped so that its gradients are averaged (and
    its first weights are the first process's); the others as they are."""
    shared = {}
    for slot, net in nets.items():
        if any(p.requires_grad for p in net.parameters()):
            ids = [device.index] if device.type == "cuda" else None
            # buffers (a norm's running statistics) start as the first process's and are
            # then each process's own; the first process's are the ones saved
            net = SharedNetwork(net, device_ids=ids, forward_sync_buffers=False)
            for p in net.parameters():  # the optimiser's step leaves these to DDP
                setattr(p, AVERAGED, True)
        shared[slot] = net
    return shared


def broken_link(err: BaseException) -> bool:
    """Whether ``err`` says the process group broke (a process ended or hung), as gloo and
    NCCL raise it, rather than a fault of the step itself."""
    if isinstance(err, dist.DistError):
        return True
    text = str(err)
    return isinstance(err, RuntimeError) and any(
        word in text for word in ("gloo", "NCCL", "Connection reset", "Connection closed"))


class Agreement:
    """After every step the processes agree on its scalars (their mean) and on whether to
    stop (the first process decides). A collective costs about a millisecond over loopback,
    as much as a small step, so each goes out as the step ends and is taken in after the
    next one (``exchange``): the answers come one step late, on every process alike. Its
    own process group, so it never waits behind the gradients."""

    def __init__(self) -> None:
        self.group = dist.new_group(backend="gloo")
        self._pending: tuple[list[str], torch.Tensor, Any] | None = None

    def exchange(self, metrics: Mapping[str, float], stop: bool
                 ) -> tuple[dict[str, float] | None, bool, bool]:
        """Send this step's scalars, word and whether this process was interrupted; the
        previous step's mean, word and whether any process was (None, False, False after
        the first step)."""
        earlier = self.receive()
        names = sorted(metrics)
        values = torch.tensor([float(metrics[n]) for n in names]
                              + [1.0 if INTERRUPTED.is_set() else 0.0,
                                 1.0 if stop and dist.get_rank() == 0 else 0.0],
                              dtype=torch.float64)
        self._pending = (names, values, dist.all_reduce(values, group=self.group,
                                                        async_op=True))
        return earlier

    def receive(self) -> tuple[dict[str, float] | None, bool, bool]:
        """The answer still on its way (None, False, False when none is)."""
        if self._pending is None:
            return None, False, False
        names, values, work = self._pending
        self._pending = None
        work.wait()
        size = dist.get_world_size(self.group)
        mean = {n: float(v) / size for n, v in zip(names, values[:-2].tolist(), strict=True)}
        return mean, bool(values[-1].item() > 0), bool(values[-2].item() > 0)


# Ctrl-C on a run of several processes: each process says so in the next agreement and all
# stop after the same step (a process that stopped on its own would leave the others waiting)
INTERRUPTED = threading.Event()
WRITTEN: list[str] = []  # the run folder, once the first process has written all of it
ON_STOP: list[Callable[[], str]] = []  # what the first process keeps, said on stopping


def join_run(device: str, all_variants: bool = False) -> World:
    """For ``mlsp-studio run``: join the process group when ``torchrun`` started this process
    as one of several (each is told in words, on stopping, that another ended first)."""
    world = world_from_env()
    if not world.several:
        return world
    if all_variants:
        raise StudioError("--all-variants trains the variants one after another; on several "
                          "processes train one variant at a time")
    join(world, device)

    def stopped(signum, frame) -> None:
        kept = [hook() for hook in ON_STOP]  # a recording, closed as it stands
        done = f"the run was written to {WRITTEN[0]} before" if WRITTEN else \
            "; ".join(kept) or "nothing was written"
        print(f"mlsp-studio: process {world.rank} of {world.size} was stopped (another "
              f"process of the run ended first); {done}", file=sys.stderr)
        os._exit(1)

    def interrupted(signum, frame) -> None:
        INTERRUPTED.set()  # a second Ctrl-C (torchrun passes the first on) changes nothing

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, interrupted)
    return world


def launch_command(argv: list[str], nproc: int, device: str) -> list[str]:
    """The command that starts ``mlsp-studio run`` (``argv`` without ``--nproc``) on
    ``nproc`` processes of this machine with torch.distributed.run."""
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    have = torch.cuda.device_count() if cuda else (os.cpu_count() or 1)
    what = "GPUs" if cuda else "CPU cores"
    if cuda and have == 0:
        raise StudioError("the device is set to cuda, but this machine has no usable NVIDIA "
                          "GPU; train on several processes with --device cpu")
    if not 1 <= nproc <= have:
        raise StudioError(f"--nproc {nproc}: this machine has {have} {what}; give 1 to {have} "
                          f"(one process a {what[:-1] if cuda else 'core'})")
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            rest.append(arg)
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={nproc}", "-m", "mlsp_studio", *rest]


def launch(argv: list[str], nproc: int, device: str, threads: int) -> int:
    """Run ``mlsp-studio run`` (``argv``) on ``nproc`` processes of this machine, as
    ``torchrun --standalone`` would, with ``threads`` torch threads each; returns the exit
    code. A process that fails has said why itself, so torchrun's own report of it (a
    traceback) is left out."""
    import logging

    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    command = launch_command(argv, nproc, device)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))  # torchrun would set 1, in a banner
    for name in list(logging.root.manager.loggerDict):  # each has its own level
        if name.startswith("torch.distributed.elastic"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        torchrun.run(torchrun.parse_args(command[3:]))
    except ChildFailedError as err:
        codes = [failure.exitcode for _, failure in sorted(err.failures.items())]
        return next((code for code in codes if code > 0), 1)
    except SignalException:
        return 130
    return 0


def threads_each(world: World, cores: int) -> int:
    """Torch threads a process gets by default: the cores shared out, one left for the rest
    when alone."""
    return max(1, cores // world.size) if world.several else max(1, cores - 1)


def weights_agree(nets: Mapping[str, torch.nn.Module]) -> list[str]:
    """The networks whose weights differ between the processes (they should never: the
    same first weights, the same averaged gradients); every process must ask at once."""
    names = sorted(nets)
    sums = torch.tensor([sum(float(p.detach().double().sum()) + float(p.detach().double()
                                                                      .abs().sum())
                             for p in nets[n].parameters()) for n in names],
                        dtype=torch.float64)
    high, low = sums.clone(), sums.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    scale = high.abs().clamp_min(1.0)
    return [n for n, gap in zip(names, ((high - low) / scale).tolist(), strict=True)
            if gap > 1e-6]
