"""Transfer learning: pre-train on source classes, then adapt to target classes by full
fine-tuning, a linear probe or LoRA, measuring what each trains and what it forgets."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import DataError, ParamError, ProjectError
from ...model.project import Project
from ...nn.lora import add_lora, lora_dims
from ...snapshots.kinds import ConfusionMatrix, Snapshot
from ..batching import EpochBatches
from ..optim import make_optimizer
from ..registry import PARADIGMS
from ..update import TrainerBase

HEAD_TYPES = ("ClassifierHead",)
LORA_TYPES = {"dense": ("Dense",), "conv": ("Conv1d", "Conv2d"),
              "dense_conv": ("Dense", "Conv1d", "Conv2d")}


def task_splits(splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
                classes: tuple[int, ...], num_classes: int, noise: float,
                generator: torch.Generator, limit: int = 0
                ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """One task's part of every split (x, y): the examples of ``classes`` only, labels
    renumbered 0..k-1 (the data has labels 0..num_classes-1); with ``noise``, a fixed random
    shift of the inputs (another domain); with ``limit``, that many training rows."""
    lookup = torch.full((num_classes,), -1, dtype=torch.long)
    lookup[list(classes)] = torch.arange(len(classes))
    out = {}
    for split, (x, y) in splits.items():
        keep = torch.isin(y.cpu(), torch.tensor(classes))
        x, y = x[keep.to(x.device)], lookup[y.cpu()[keep]].to(y.device)
        if split == "train" and limit:
            x, y = x[:limit], y[:limit]
        if noise > 0:  # a fixed shift of the domain, the same at every look
            x = x + noise * torch.randn(x.shape, generator=generator).to(x.device)
        out[split] = (x, y)
    return out


def pretrain_rows(n: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """The rows of a pre-training batch: ``batch_size`` of ``n`` (at most n), drawn at
    random, one draw per step (no epochs)."""
    return torch.randint(n, (min(batch_size, n),), generator=generator)


def task_loss(out: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Cross-entropy over the first ``k`` outputs only: the ones the task's classes use."""
    return F.cross_entropy(out[:, :k], y)


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, k: int) -> float:
    """The share of examples whose highest score among the task's k outputs is right."""
    model.eval()
    return (model(x)[:, :k].argmax(-1) == y).float().mean().item()


def adapted_params(model: torch.nn.Module, head: torch.nn.Module, mode: str) -> list:
    """The weights that train on the target task, ``requires_grad`` set to match: every one
    (finetune); with the body frozen, the output layer ``head`` only (probe), or it and the
    LoRA corrections, the weights named ``lora_...`` (lora)."""
    if mode in ("lora", "probe"):
        for name, p in model.named_parameters():
            p.requires_grad_("lora_" in name)
    for p in head.parameters():
        p.requires_grad_(True)
    return [p for p in model.parameters() if p.requires_grad]


class _Task:
    """One task's examples: inputs and labels renumbered 0..k-1, per split."""

    def __init__(self, data: Any, classes: tuple[int, ...], noise: float,
                 generator: torch.Generator, limit: int = 0) -> None:
        self.classes = classes
        self.names = [data.class_names[c] for c in classes]
        splits = {split: (part.x, part.y) for split, part in data.splits().items()}
        self.splits = task_splits(splits, classes, data.num_classes, noise, generator, limit)


@PARADIGMS.register("transfer")
class TransferParadigm(TrainerBase):
    """Pre-training on ``source_classes`` for ``pretrain_steps``, then adaptation to
    ``target_classes`` in the chosen ``mode``. The network's ClassifierHead is the output
    layer that is started afresh; everything before it is the body."""

    name = "transfer"
    visual_kinds = frozenset({"confusion"})

    # -- set-up --------------------------------------------------------------------------
    def setup(self, project: Project, nets: dict[str, torch.nn.Module], data: Any,
              device: torch.device) -> None:
        h = self._begin(project, data, device)
        self.model = nets["model"]
        heads = [k for k, t in self.model.types.items() if t in HEAD_TYPES]
        if len(heads) != 1:
            raise ProjectError("transfer learning needs a network with exactly one "
                               "ClassifierHead: it is the output layer started afresh for the "
                               "target task")
        self.head = heads[0]
        source, target = tuple(h["source_classes"]), tuple(h["target_classes"])
        for name, classes in (("source_classes", source), ("target_classes", target)):
            bad = [c for c in classes if c >= data.num_classes]
            if len(set(classes)) < 2 or bad:
                raise ParamError(f"{name} must name at least two different classes of the "
                                 f"data, from 0 to {data.num_classes - 1}")
        outputs = self.model.shapes[self.head][-1]
        if outputs < max(len(source), len(target)):
            raise ProjectError(f"the ClassifierHead has {outputs} outputs, but the tasks have "
                               f"up to {max(len(source), len(target))} classes")
        self.lora_keys = [k for k, t in self.model.types.items()
                          if t in LORA_TYPES[h["lora_layers"]]]
        if h["mode"] == "lora":
            self._check_lora()
        generator = torch.Generator().manual_seed(project.seed)
        self.source = _Task(data, source, 0.0, generator)
        self.target = _Task(data, target, h["target_noise"], generator, h["target_examples"])
        n = len(self.target.splits["train"][0])
        if n == 0 or len(self.source.splits["train"][0]) == 0:
            raise DataError("the source or the target task has no training examples")
        # not _common_setup(): the target's batches start at the switch (_adapt), after
        # pre-training has drawn its random batches from the same generator
        self.batch_size = min(h["batch_size"], n)
        self.pretrain_steps = h["pretrain_steps"]
        self._schedule(math.ceil(n / self.batch_size), before=self.pretrain_steps)
        self.generator = torch.Generator().manual_seed(project.seed + 1)
        self.optimizer = make_optimizer(self.model.parameters(), h, self.pretrain_steps or 1)
        self.task = self.source if self.pretrain_steps else None
        self.source_head: dict[str, torch.Tensor] | None = None
        self.source_accuracy_before = math.nan
        if not self.pretrain_steps:
            self._adapt()

    def _check_lora(self) -> None:
        """Refuse at build time what LoRA could not do at the switch, with what is allowed."""
        h = self.hparams
        if not self.lora_keys:
            raise ProjectError(f"LoRA on {h['lora_layers'].replace('_', ' and ')} layers: "
                               "the network has none before its output layer")
        for key in self.lora_keys:
            d_in, d_out = lora_dims(self.model.blocks[key])
            if h["lora_rank"] > min(d_in, d_out):
                raise ParamError(f"a LoRA rank of {h['lora_rank']} does not fit "
                                 f"{self.model.labels[key]}: the rank must be from 1 to "
                                 f"{min(d_in, d_out)}, the smaller of its {d_in} inputs and "
                                 f"{d_out} outputs")

    def _adapt(self) -> None:
        """Pre-training is over: keep the source head for the forgetting check, start the
        output layer afresh, freeze or wrap the body, and make the target's optimiser."""
        h = self.hparams
        if self.pretrain_steps:
            self.source_accuracy_before = self._accuracy(self.source, "test")
            self.source_head = copy.deepcopy(self.model.blocks[self.head].state_dict())
        self.model.blocks[self.head].reset_parameters()
        if h["mode"] == "lora":
            add_lora(self.model, self.lora_keys, h["lora_rank"], h["lora_alpha"])
        params = adapted_params(self.model, self.model.blocks[self.head], h["mode"])
        total = self.steps_per_epoch * h["epochs"]
        self.optimizer = make_optimizer(params, h, total)
        self.task = self.target
        self.batches = EpochBatches(len(self.target.splits["train"][0]), self.batch_size,
                                    self.generator)

    def several_processes(self, hparams: dict) -> str:
        """Why this cannot train on several processes ("" when it can)."""
        return ("it changes its network between its two phases (a new head, frozen weights, "
                "adapters), which the averaging of gradients among processes cannot follow")

    # -- training ------------------------------------------------------------------------
    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.task.splits["train"]
        if self.task is self.source:  # pre-training: random batches
            idx = pretrain_rows(len(x), self.batch_size, self.generator)
            return x[idx.to(x.device)], y[idx.to(y.device)]
        idx = self._next_indices()
        return x[idx.to(x.device)], y[idx.to(y.device)]

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return task_loss(out, y, len(self.task.classes))

    def step(self) -> dict[str, float]:
        if self.task is self.source and self.steps_done >= self.pretrain_steps:
            self._adapt()
        if not self.model.training:
            self.model.train()
        x, y = self._batch()
        return {"loss": self._update(self._loss(self.model(x), y))}

    def _accuracy(self, task: _Task, split: str) -> float:
        x, y = task.splits[split]
        if len(x) == 0:
            return math.nan
        with torch.inference_mode():
            return accuracy(self.model, x, y, len(task.classes))

    def evaluate(self, split: str = "val") -> dict[str, float]:
        x, y = self.task.splits[split]
        if len(x) == 0:
            return {}
        x, y = x[:2048], y[:2048]
        # pre-training is scored under its own names, so the validation loss that early
        # stopping and the best-loss figure follow is the target task's alone
        prefix = "source_" if self.task is self.source else ""
        with torch.inference_mode():
            self.model.eval()
            out = self.model(x)
            return {f"{prefix}loss": self._loss(out, y).item(),
                    f"{prefix}accuracy": (out[:, :len(self.task.classes)].argmax(-1) == y)
                    .float().mean().item()}

    def final_metrics(self) -> dict[str, float]:
        if self.task is self.source:  # a run that never reached the target task
            self._adapt()
        out = self._split_metrics()
        if self.source_head is not None:  # forgetting: the new body with the old head
            new_head = copy.deepcopy(self.model.blocks[self.head].state_dict())
            self.model.blocks[self.head].load_state_dict(self.source_head)
            out["source_accuracy_before"] = self.source_accuracy_before
            out["source_accuracy_after"] = self._accuracy(self.source, "test")
            self.model.blocks[self.head].load_state_dict(new_head)
        return out

    # -- pictures ------------------------------------------------------------------------
    def visualize(self, kinds: set[str]) -> list[Snapshot]:
        if "confusion" not in kinds:
            return []
        task = self.task
        x, y = task.splits["test"]
        k = len(task.classes)
        with torch.inference_mode():
            self.model.eval()
            pred = self.model(x)[:, :k].argmax(-1).cpu().numpy()
        true = y.cpu().numpy()
        matrix = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        return [ConfusionMatrix(step=self.steps_done, matrix=matrix,
                                class_names=tuple(task.names))]
