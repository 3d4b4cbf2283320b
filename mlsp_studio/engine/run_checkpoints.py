"""Checkpoints taken during a run, kept in memory (a few, thinned evenly), written to the run
folder as ``checkpoints/step-000400/<slot>.safetensors``, and read back to fork a run."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .checkpoints import CheckpointError, load_checkpoint, load_state, write_tensors

MAX_KEPT = 8  # checkpoints kept in memory per run, besides the final weights
STEP_FOLDER = re.compile(r"step-(\d+)")

Weights = dict[str, dict[str, torch.Tensor]]  # slot → state dict on the CPU


class CheckpointKeeper:
    """At most ``max_kept`` copies of the weights, spread evenly over the steps so far.

    ``offer`` is called at each validation; it copies only when the step is due, so the copies
    cost little. When full, every second copy is dropped and the gap between copies doubles.
    """

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max(2, int(max_kept))
        self.kept: list[tuple[int, Weights]] = []
        self.gap = 1
        self._next = 0
        # told of every change with the copies now kept (the training process writes them)
        self.on_change: Callable[[list[tuple[int, Weights]]], None] | None = None

    def start(self, total_steps: int, nets: dict[str, torch.nn.Module]) -> None:
        """A new run: forget the old copies and keep the weights at step 0."""
        self.kept = []
        self.gap = max(1, int(total_steps) // self.max_kept)
        self._next = 0
        self.offer(0, nets)

    def offer(self, step: int, nets: dict[str, torch.nn.Module]) -> bool:
        """Keep a copy of the weights at ``step`` if one is due; True when kept."""
        if step < self._next or (self.kept and self.kept[-1][0] == step):
            return False
        self.kept.append((step, copy_weights(nets)))
        if len(self.kept) > self.max_kept:
            self.kept = self.kept[::2]
            self.gap *= 2
        self._next = step + self.gap
        if self.on_change is not None:
            self.on_change(list(self.kept))
        return True

    def steps(self) -> list[int]:
        return [step for step, _ in self.kept]

    def items(self) -> list[tuple[int, Weights]]:
        return list(self.kept)


def copy_weights(nets: dict[str, torch.nn.Module]) -> Weights:
    """Every network's parameters and buffers, copied to the CPU."""
    return {slot: {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
            for slot, net in nets.items()}


def write_checkpoints(out_dir: Path, keeper: CheckpointKeeper) -> list[Path]:
    """``checkpoints/step-000400/<slot>.safetensors`` for every kept copy."""
    written = []
    for step, weights in keeper.items():
        folder = Path(out_dir) / "checkpoints" / f"step-{step:06d}"
        folder.mkdir(parents=True, exist_ok=True)
        for slot, state in weights.items():
            written.append(save_state(state, folder / f"{slot}.safetensors", slot))
    return written


def save_state(state: dict[str, torch.Tensor], path: Path, slot: str) -> Path:
    return write_tensors(state, path, slot)


def list_checkpoints(run_dir: Path) -> list[int]:
    """The steps saved under ``run_dir/checkpoints``, in order."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir()
                  if p.is_dir() and (m := STEP_FOLDER.fullmatch(p.name)))


@dataclass
class ForkSource:
    """Where a forked run starts: the folder, the step (None: the final weights), the files."""

    run_dir: Path
    step: int | None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def label(self) -> str:
        where = "final weights" if self.step is None else f"step {self.step}"
        return f"{self.run_dir} ({where})"


def resolve_fork(path: Path) -> ForkSource:
    """A run folder (its final weights) or ``RUN/checkpoints/step-N``; a missing checkpoint is
    refused with the ones that exist."""
    path = Path(path)
    match = STEP_FOLDER.fullmatch(path.name)
    if match and path.parent.name == "checkpoints":
        run_dir, step = path.parent.parent, int(match.group(1))
    elif path.name == "checkpoints":
        run_dir, step = path.parent, -1
    else:
        run_dir, step = path, None
    if not (run_dir / "project.json").is_file():
        raise CheckpointError(f"{run_dir} is not a run folder (it has no project.json); give "
                              "a folder written by 'mlsp-studio run'")
    steps = list_checkpoints(run_dir)
    folder = run_dir if step is None else run_dir / "checkpoints" / f"step-{step:06d}"
    files = {p.stem: p for p in sorted(folder.glob("*.safetensors"))} if step != -1 else {}
    if not files:
        have = ", ".join(f"{run_dir}/checkpoints/step-{s:06d}" for s in steps)
        allowed = f"the checkpoints of that run are {have}" if steps else \
            "that run kept no checkpoints during training"
        what = "final weights" if step is None else f"checkpoint at step {step}"
        raise CheckpointError(f"{run_dir} has no {what}; {allowed}, or give the run "
                              "folder itself for its final weights")
    return ForkSource(run_dir, step, files)


def load_initial_weights(nets: dict[str, torch.nn.Module], weights: dict) -> None:
    """Load each network's starting weights: a safetensors file or an in-memory state dict,
    refusing a network with no weights given or weights that do not fit, by tensor name."""
    missing = [slot for slot in nets if slot not in weights]
    if missing:
        raise CheckpointError(f"the checkpoint has no weights for the network "
                              f"{', '.join(missing)} (it has {', '.join(weights) or 'none'})")
    for slot, net in nets.items():
        source = weights[slot]
        if isinstance(source, dict):
            load_state(net, source, f"the weights of {slot}")
        else:
            load_checkpoint(net, Path(source))


def fork_engine(engine, path: Path) -> ForkSource:
    """Make ``engine`` start from the checkpoint at ``path`` and record where it came from
    and what its project changes from that run's."""
    from ..errors import StudioError
    from ..model.project import Project
    from ..model.project_diff import project_differences

    source = resolve_fork(path)
    try:
        parent = Project.from_json((source.run_dir / "project.json").read_text("utf-8"))
    except (OSError, ValueError, StudioError) as err:
        raise CheckpointError(f"{source.run_dir}/project.json cannot be read ({err})") from None
    engine.init_weights = dict(source.files)
    engine.parent = str(source.run_dir if source.step is None
                        else source.run_dir / "checkpoints" / f"step-{source.step:06d}")
    engine.differs = project_differences(parent, engine.project)
    return source
