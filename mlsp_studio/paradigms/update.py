"""What every paradigm's training shares: one optimisation update (:func:`optimise`) and the
base its trainer class starts from (:class:`TrainerBase`): the counters the engine reads, the
pictures' options, and the set-up of a walk over a training set in shuffled batches."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch

from ..model.paradigms import PARADIGM_SPECS
from ..model.project import Project
from .base import NonFiniteLoss
from .batching import shard, walk

SPLITS = ("train", "val", "test")
STREAM = 1_000_003  # in a run on several processes, process r draws from the seed + r × this
# set on each weight of a network that DistributedDataParallel averages among the processes
AVERAGED = "_averaged_among_processes"


def optimise(loss: torch.Tensor | Sequence[torch.Tensor], optimizer: torch.optim.Optimizer,
             *, clip: float = 0.0, params: Any = None) -> float:
    """One update: the loss as a Python float, then zero_grad → backward → clip → step.

    A loss that is NaN or infinite raises :class:`NonFiniteLoss` before any gradient or weight
    is touched (on several processes, before any weight is: every process must take the
    backward pass, and the averaged gradient tells all of them). ``loss`` may be several
    losses (an ensemble's members, who share no weights):
    each is checked, the gradient is that of their sum and their mean value is returned.

    With ``clip`` > 0 the gradient's norm is capped at ``clip`` before the step. ``params``
    says what the norm is taken over: by default every parameter of the optimiser as one
    vector; a module or an iterable of tensors, those as one vector; a list of modules, each
    module on its own (every member of an ensemble keeps its own cap).
    """
    losses = [loss] if isinstance(loss, torch.Tensor) else list(loss)
    values = [part.item() for part in losses]
    several = shard()[1] > 1
    for value in values:
        if not math.isfinite(value) and not several:
            raise NonFiniteLoss(value)
    optimizer.zero_grad(set_to_none=True)
    (losses[0] if len(losses) == 1 else sum(losses)).backward()
    if several:  # what no shared network holds (a table or copies a paradigm made itself)
        _average_loose_gradients(optimizer)
    if several and not _gradients_finite(optimizer):
        # on several processes every one takes the backward pass (the others wait for its
        # gradients); the averaged gradient carries a NaN to all, so all stop here alike
        optimizer.zero_grad(set_to_none=True)
        raise NonFiniteLoss(next((v for v in values if not math.isfinite(v)), math.nan))
    if clip > 0:
        for group in _clip_groups(optimizer, params):
            torch.nn.utils.clip_grad_norm_(group, clip)
    optimizer.step()
    return values[0] if len(values) == 1 else sum(values) / len(values)


def _gradients_finite(optimizer: torch.optim.Optimizer) -> bool:
    grads = [p.grad for group in optimizer.param_groups for p in group["params"]
             if p.grad is not None]
    return bool(torch.stack([g.isfinite().all() for g in grads]).all()) if grads else True


def loose_parameters(optimizers: Iterable[torch.optim.Optimizer]) -> list[torch.Tensor]:
    """The weights the optimisers train that no network shared among the processes holds:
    a paradigm's own table (word2vec's context vectors), copies it made itself (a flow's
    other couplings, an ensemble's other members)."""
    seen: dict[int, torch.Tensor] = {}
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            for p in group["params"]:
                if not getattr(p, AVERAGED, False):
                    seen.setdefault(id(p), p)
    return list(seen.values())


def _average_loose_gradients(optimizer: torch.optim.Optimizer) -> None:
    loose = [p for p in loose_parameters([optimizer]) if p.grad is not None]
    for p, grad in zip(loose, mean_over_processes([p.grad for p in loose]), strict=True):
        p.grad.copy_(grad)


def mean_over_processes(grads: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Gradients taken with ``torch.autograd.grad`` (which the averaging of a network shared
    among the processes of a run does not see), averaged over those processes; alone, as
    they are."""
    processes = shard()[1]
    if processes == 1 or not grads:
        return list(grads)
    flat = torch.cat([g.reshape(-1) for g in grads])
    torch.distributed.all_reduce(flat)
    flat /= processes
    parts = torch.split(flat, [g.numel() for g in grads])
    return [part.view_as(g) for part, g in zip(parts, grads, strict=True)]


def _clip_groups(optimizer: torch.optim.Optimizer, params: Any) -> list[list[torch.Tensor]]:
    """The collections of parameters whose gradient norms are capped one by one."""
    if params is None:
        return [[p for group in optimizer.param_groups for p in group["params"]]]
    if isinstance(params, torch.nn.Module):
        return [list(params.parameters())]
    items = list(params)
    if items and all(isinstance(item, torch.nn.Module) for item in items):
        return [list(item.parameters()) for item in items]
    return [items]


class TrainerBase:
    """The start of a paradigm's class: ``epoch``, ``steps_done`` and ``steps_per_epoch`` as the
    engine reads them, the pictures' options (``options`` is copied for each instance), and
    the set-up every paradigm repeated. ``name`` is the paradigm's registry name: its settings
    are ``PARADIGM_SPECS.get(name)``."""

    name = ""
    visual_kinds: frozenset[str] = frozenset()   # until set-up finds the paradigm's own
    options: dict[str, Any] = {}

    def __init__(self) -> None:
        self.epoch = 0
        self.steps_per_epoch = 1
        self.total_steps = 1
        self.eval_every = 1
        self.steps_done = 0
        self._options: dict[str, Any] = dict(self.options)

    # -- set-up --------------------------------------------------------------------------
    def _begin(self, project: Project, data: Any, device: torch.device) -> dict[str, Any]:
        """The start of every set-up: the project's settings for this paradigm, checked, kept
        as ``hparams`` (and returned); ``data``, ``device`` and the project's ``seed`` kept."""
        self.hparams = PARADIGM_SPECS.get(self.name).hparams.validate(project.hparams)
        self.data, self.device, self.seed = data, device, project.seed
        return self.hparams

    def _schedule(self, steps_per_epoch: int, before: int = 0) -> None:
        """``steps_per_epoch``, ``total_steps`` (``before`` steps, then ``epochs`` epochs) and
        ``eval_every`` (the setting, or once an epoch)."""
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = before + steps_per_epoch * self.hparams["epochs"]
        self.eval_every = self.hparams["eval_every"] or steps_per_epoch

    def _common_setup(self, project: Project, n: int, device: torch.device | None, *,
                      batch_size: int | None = None, drop_last: bool = False) -> None:
        """Batches over ``n`` training rows: ``batch_size`` (the setting, at most ``n``), a
        ``generator`` seeded with the project's seed, ``batches`` drawn with it, and the
        schedule of one epoch a pass over the rows (full batches only with ``drop_last``); in
        a run on several processes, over this process's shard of them."""
        self.batch_size = min(self.hparams["batch_size"], n) if batch_size is None else batch_size
        # in a run on several processes each draws its own noise, and walks its shard
        self.generator = torch.Generator().manual_seed(project.seed + STREAM * shard()[0])
        self.batches = walk(n, self.batch_size, project.seed, self.generator, device,
                            drop_last=drop_last)
        self._schedule(self.batches.steps_per_epoch)

    def _fixed_rows(self, n: int, count: int, salt: int = 1) -> torch.Tensor:
        """``count`` of ``n`` rows in an order drawn once from the seed + ``salt``, on the
        device: e.g. the training examples every check scores."""
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed + salt))
        return order[:count].to(self.device)

    def _scored_rows(self, split: str, train_rows: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        """The inputs and targets a check scores: the whole split, or for "train" only the
        rows ``train_rows`` of it (a fixed subset, e.g. from :meth:`_fixed_rows`)."""
        part = getattr(self.data, split)
        if split == "train":
            return part.x[train_rows], part.y[train_rows]
        return part.x, part.y

    # -- training ------------------------------------------------------------------------
    def _next_indices(self) -> torch.Tensor:
        """The rows of the next batch; ``epoch`` follows the batches."""
        idx = self.batches.next()
        self.epoch = self.batches.epoch
        return idx

    def _update(self, loss: torch.Tensor | Sequence[torch.Tensor],
                optimizer: torch.optim.Optimizer | None = None, *, clip: float = 0.0,
                params: Any = None) -> float:
        """:func:`optimise` with ``optimizer`` (by default ``self.optimizer``), counted as a
        step done; returns the loss's value."""
        value = optimise(loss, self.optimizer if optimizer is None else optimizer,
                         clip=clip, params=params)
        self.steps_done += 1
        return value

    # -- measuring and pictures ----------------------------------------------------------
    def _split_metrics(self, score: Callable[[str], dict[str, float]] | None = None,
                       splits: Iterable[str] = SPLITS) -> dict[str, float]:
        """``score(split)`` (by default ``evaluate``) of every split, each name prefixed with
        its split: ``train_loss``, ``val_loss``, ..."""
        score = self.evaluate if score is None else score
        return {f"{split}_{name}": value
                for split in splits for name, value in score(split).items()}

    def evaluate(self, split: str = "val") -> dict[str, float]:
        raise NotImplementedError

    def _pictures(self, kinds: Iterable[str], drawers: Mapping[str, Callable[[], Any]],
                  *networks: torch.nn.Module) -> list[Any]:
        """The pictures of the ``kinds`` asked for that this run gives (``visual_kinds``),
        each made by its drawer in the order of ``drawers``, under inference mode with
        ``networks`` in eval mode; nothing is run when none of them is asked for."""
        wanted = set(kinds) & self.visual_kinds
        if not wanted:
            return []
        with torch.inference_mode():
            for network in networks:
                network.eval()
            return [draw() for kind, draw in drawers.items() if kind in wanted]

    def final_metrics(self) -> dict[str, float]:
        return self._split_metrics()

    def set_visual_option(self, name: str, value: Any) -> None:
        self._options[name] = value
