"""What a network costs before it runs: multiply-adds and memory, per block and in total.

Pure arithmetic over the shapes the graph analysis gives. Each block type says its own cost
in the catalogue (``BlockSpec.macs`` and ``BlockSpec.kept``, see ``model/blocks.py``); a
composite block without a rule of its own costs what its parts cost (``model/composite.py``).
A block with neither has an unknown cost, reported as such, never as 0.

The conventions:

- Multiply-adds count the products of matrices only (dense layers, convolutions, recurrent
  weights, attention's query-key and weight-value products), per example and forward pass,
  the way PyTorch's flop counter counts them (its FLOPs are twice these). Elementwise work
  (activations, norms, pooling, additions, the bias) is not counted.
- A training step costs about three forward passes: the forward pass, and a backward pass
  that takes about twice its work (the gradient for the inputs and for the weights).
- Memory is float32 (4 bytes a value): the weights, their gradients, the optimiser's state
  (SGD with momentum and RMSprop one value per weight, Adam and AdamW two, plain SGD none)
  and the activations the forward pass keeps for the backward pass, for a whole batch.
- The time of a step follows what the paradigm's step does (``model/step_work.py``) and
  adds, at the rates of the device (``model/cost_rates.py``, measured by ``host/rates.py``
  or assumed for a laptop CPU): the multiply-adds; the activations' elementwise work; a
  fixed cost per torch operation (``BlockSpec.ops``: a recurrent layer's grow with the
  sequence), block, weight tensor, convolution and attention head; the random draws; the
  optimisers' updates; and a fixed cost per round of loss, backward pass and update.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import StudioError
from .blocks import BlockRegistry, BlockSpec, Context, Shape
from .composite import expand, is_composite
from .cost_rates import Rates
from .graph import Analysis, Graph
from .step_work import StepWork, Update, one_pass_each, paradigm_work

if TYPE_CHECKING:
    from .project import Project, ProjectCheck

BYTES = 4                             # float32
BACKWARD_FACTOR = 2                   # a backward pass costs about twice the forward pass
# the work of a run relative to its forward pass, by its backward work: gradients for the
# weights and the inputs (two products more per product), for the inputs only (one), none
RUN_FACTOR = {"full": 1 + BACKWARD_FACTOR, "inputs": 2, "none": 1}
SLOW_STEP_SECONDS = 1.0               # a step slower than this is flagged
LARGE_SHARE = 0.5                     # a step needing this share of the memory is flagged
MEMORY_PARTS = ("weights", "gradients", "optimizer", "activations")


def optimizer_slots(optimizer: str, momentum: float = 0.0) -> int:
    """Values the optimiser keeps per weight: Adam and AdamW two running averages, RMSprop
    one, SGD one with momentum and none without."""
    if optimizer in ("adam", "adamw"):
        return 2
    if optimizer == "rmsprop":
        return 1
    return 1 if momentum > 0 else 0


# --- one block ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlockCost:
    """One block's cost for ONE example: ``macs`` multiply-adds of its forward pass (None:
    unknown), ``output_bytes`` of its output and ``kept_bytes`` it holds for the backward
    pass (the output and what is made inside it). ``layers`` counts the blocks it is made
    of (1, or its parts when composite); ``ops`` the torch operations its forward pass runs
    on a batch and ``tensors`` the weight tensors the optimiser updates."""

    node: int
    label: str
    type: str
    shape: Shape
    params: int
    macs: int | None
    output_bytes: int
    kept_bytes: int
    layers: int = 1
    ops: int = 1
    tensors: int = 0
    draws: int = 0
    convs: int = 0
    heads: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.node, "label": self.label, "type": self.type,
                "output_shape": list(self.shape), "params": self.params, "macs": self.macs,
                "output_bytes": self.output_bytes, "kept_bytes": self.kept_bytes,
                "layers": self.layers, "ops": self.ops, "tensors": self.tensors,
                "draws": self.draws, "convs": self.convs, "heads": self.heads}


@dataclass(frozen=True)
class Work:
    """What one block does for one example: multiply-adds (None: unknown), values kept,
    blocks it is made of, torch operations and weight tensors (these two per batch), random
    numbers drawn, convolutions (per batch), attention heads."""

    macs: int | None
    kept: int
    layers: int = 1
    ops: int = 1
    tensors: int = 0
    draws: int = 0
    convs: int = 0
    heads: int = 0


def spec_cost(spec: BlockSpec, params: dict[str, Any], in_shapes: list[Shape], ctx: Context,
              registry: BlockRegistry) -> Work:
    """The :class:`Work` of one example through a block with checked ``params``: from its own
    rules, else from its parts when it is composite; multiply-adds None when neither says."""
    shape = tuple(spec.shape_rule(params, in_shapes, ctx))
    if spec.macs is None and is_composite(spec.type):
        return _parts_cost(spec, params, in_shapes, ctx, registry)
    macs = None if spec.macs is None else int(spec.macs(params, in_shapes, ctx))
    kept = int(spec.kept(params, in_shapes, ctx)) if spec.kept else math.prod(shape)
    ops = 1 if spec.ops is None else int(spec.ops(params, in_shapes, ctx))
    if spec.tensors is not None:
        tensors = int(spec.tensors(params, in_shapes, ctx))
    else:  # a weight matrix and its bias, when it has weights
        tensors = 2 if spec.param_count(params, in_shapes, ctx) else 0
    draws = int(spec.draws(params, in_shapes, ctx)) if spec.draws else 0
    convs = int(spec.convs(params, in_shapes, ctx)) if spec.convs else 0
    heads = int(spec.heads(params, in_shapes, ctx)) if spec.heads else 0
    return Work(macs, kept, 1, ops, tensors, draws, convs, heads)


def _parts_cost(spec: BlockSpec, params: dict[str, Any], in_shapes: list[Shape],
                ctx: Context, registry: BlockRegistry) -> Work:
    """The sum over the parts a composite block is made of, each given its input shapes."""
    expansion = expand(spec.type, params, in_shapes)
    given = dict(zip(spec.ports(params), in_shapes, strict=True))
    feeds: dict[str, dict[str, Shape]] = {}
    for port, targets in expansion.inputs.items():
        for name, part_port in targets:
            feeds.setdefault(name, {})[part_port] = given[port]
    outputs: dict[str, Shape] = {}
    total_macs: int | None = 0
    counts = ("kept", "layers", "ops", "tensors", "draws", "convs", "heads")
    totals = dict.fromkeys(counts, 0)
    for part in expansion.parts:
        for src, dst, port in expansion.edges:
            if dst == part.name:
                feeds.setdefault(dst, {})[port] = outputs[src]
        part_spec = registry.get(part.type)
        part_params = part_spec.validate_params(part.params)
        shapes = [feeds[part.name][p] for p in part_spec.ports(part_params)]
        outputs[part.name] = tuple(part_spec.shape_rule(part_params, shapes, ctx))
        work = spec_cost(part_spec, part_params, shapes, ctx, registry)
        total_macs = None if work.macs is None or total_macs is None else total_macs + work.macs
        for name in counts:
            totals[name] += getattr(work, name)
    return Work(total_macs, **totals)


def block_costs(graph: Graph, analysis: Analysis, registry: BlockRegistry,
                ctx: Context) -> list[BlockCost]:
    """Every block's cost per example, in the order the network runs; blocks whose shape is
    unknown (the graph has a problem there) are left out."""
    out = []
    for node_id in analysis.order:
        node, shape = graph.nodes[node_id], analysis.shapes.get(node_id)
        if shape is None or node_id not in analysis.params or node.type not in registry:
            continue
        spec, params = registry.get(node.type), analysis.params[node_id]
        feeding = {e.port: e.src for e in graph.inputs_of(node_id)}
        in_shapes = [analysis.shapes[feeding[p]] for p in spec.ports(params)]
        try:
            work = spec_cost(spec, params, list(in_shapes), ctx, registry)
        except StudioError:  # a part the catalogue cannot build: its cost is unknown
            work = Work(None, math.prod(shape))
        if spec.family == "input":  # the data itself: no work of its own
            work = Work(work.macs, work.kept, 0, 0, 0)
        out.append(BlockCost(node_id, node.label, node.type, tuple(shape),
                             analysis.counts.get(node_id, 0), work.macs,
                             BYTES * math.prod(shape), BYTES * work.kept, work.layers,
                             work.ops, work.tensors, work.draws, work.convs, work.heads))
    return out


# --- one network ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkCost:
    """One network's blocks and what a training step costs at ``batch`` examples."""

    name: str
    blocks: tuple[BlockCost, ...]
    batch: int
    optimizer: str
    optimizer_slots: int
    momentum: float = 0.0

    @property
    def params(self) -> int:
        return sum(b.params for b in self.blocks)

    @property
    def ops(self) -> int:
        """Torch operations of one forward pass over a batch (each with a backward step)."""
        return sum(b.ops for b in self.blocks)

    @property
    def tensors(self) -> int:
        """Weight tensors the optimiser updates one by one."""
        return sum(b.tensors for b in self.blocks)

    @property
    def unknown(self) -> list[str]:
        """The blocks whose multiply-adds are unknown."""
        return [b.label for b in self.blocks if b.macs is None]

    @property
    def macs_per_example(self) -> int:
        """Multiply-adds of one example's forward pass (the blocks whose cost is known)."""
        return sum(b.macs or 0 for b in self.blocks)

    @property
    def forward_macs(self) -> int:
        return self.batch * self.macs_per_example


    @property
    def step_macs(self) -> int:
        """Forward and backward pass over a batch."""
        return (1 + BACKWARD_FACTOR) * self.forward_macs

    @property
    def memory(self) -> dict[str, int]:
        """Bytes of a training step: weights, gradients, optimiser state, activations."""
        weights = BYTES * self.params
        return {"weights": weights, "gradients": weights,
                "optimizer": self.optimizer_slots * weights,
                "activations": self.batch * sum(b.kept_bytes for b in self.blocks)}

    def to_dict(self) -> dict[str, Any]:
        memory = self.memory
        return {"name": self.name, "blocks": [b.to_dict() for b in self.blocks],
                "params": self.params, "macs_per_example": self.macs_per_example,
                "unknown_cost": self.unknown, "batch_size": self.batch,
                "optimizer": self.optimizer, "forward_macs": self.forward_macs,
                "step_macs": self.step_macs,
                "memory_bytes": {**memory, "total": sum(memory.values())}}


def network_cost(name: str, graph: Graph, analysis: Analysis, registry: BlockRegistry,
                 ctx: Context, hparams: dict[str, Any]) -> NetworkCost:
    """A network's cost with the batch size and optimiser of ``hparams``."""
    optimizer = str(hparams.get("optimizer", "sgd"))
    slots = optimizer_slots(optimizer, float(hparams.get("momentum", 0.0) or 0.0))
    batch = int(hparams.get("batch_size") or 1)
    return NetworkCost(name, tuple(block_costs(graph, analysis, registry, ctx)), batch,
                       optimizer, slots, float(hparams.get("momentum", 0.0) or 0.0))


# --- a project ------------------------------------------------------------------------------

@dataclass
class ProjectCost:
    """Every network's cost, their sum, and the plain-words flags for the whole step."""

    name: str
    networks: list[NetworkCost]
    memory_available: int
    rates: Rates = field(default_factory=Rates)
    flags: list[str] = field(default_factory=list)
    work: StepWork | None = None   # what a step does; None: each network once, and updated

    def step_work(self) -> StepWork:
        return self.work or one_pass_each(n.name for n in self.networks)

    def runs(self) -> list[tuple[NetworkCost, float, float, str]]:
        """(network, runs, batch sizes of examples each, backward work) of a step."""
        nets = {n.name: n for n in self.networks}
        return [(nets[p.slot], p.times, p.batch, p.backward)
                for p in self.step_work().passes if p.slot in nets]

    @property
    def memory(self) -> dict[str, int]:
        return {part: sum(n.memory[part] for n in self.networks) for part in MEMORY_PARTS}

    @property
    def total_bytes(self) -> int:
        return sum(self.memory.values())

    @property
    def step_macs(self) -> int:
        """Multiply-adds of a whole step: every run of every network, forward and backward."""
        return int(sum(RUN_FACTOR[backward] * times * batch * net.forward_macs
                       for net, times, batch, backward in self.runs()))

    @property
    def time_parts(self) -> dict[str, float]:
        """Seconds of a step by kind of work, at ``rates``: the matrix products; the
        elementwise work over the activations (written forward, read and written again
        backward) and the values the paradigm's own operations touch; the fixed cost of each
        torch operation (forward, and its backward step when gradients flow), the random
        numbers drawn (dropout's, the paradigm's noise), the optimisers' updates, and the
        step's own."""
        rates, work = self.rates, self.step_work()
        traffic = ops = draws = 0.0
        products = self.step_macs / rates.macs_per_second
        for net, times, batch, backward in self.runs():
            activations = net.batch * sum(b.kept_bytes for b in net.blocks)
            traffic += RUN_FACTOR[backward] * times * batch * activations
            plain = backward == "none"
            per_op = rates.seconds_per_plain_op if plain else rates.seconds_per_op
            per_conv = rates.seconds_per_plain_conv if plain else rates.seconds_per_conv
            convs = sum(b.convs for b in net.blocks)
            ops += times * (net.ops * per_op + convs * per_conv)
            per_head = rates.seconds_per_plain_head if plain else rates.seconds_per_head
            ops += times * batch * net.batch * sum(b.heads for b in net.blocks) * per_head
            # each block's call in the network; autograd hands each weight tensor its gradient
            ops += times * sum(b.layers for b in net.blocks) * rates.seconds_per_block
            if backward == "full":
                ops += times * net.tensors * rates.seconds_per_op
            draws += times * batch * net.batch * sum(b.draws for b in net.blocks)
        batch = max((n.batch for n in self.networks), default=0)
        traffic += BYTES * work.values * batch
        draws += work.draws * batch
        ops += work.trained_ops * rates.seconds_per_op + work.plain_ops * rates.seconds_per_plain_op
        given = self.networks[0].blocks[-1].shape[-1] if self.networks else 0
        products += (RUN_FACTOR["full"] * work.small_macs * given * batch
                     / rates.small_macs_per_second)
        updates = sum(self._update_seconds(update) for update in work.updates)
        return {"products": products,
                "elementwise": traffic / rates.bytes_per_second,
                "random": draws * rates.seconds_per_draw,
                "operations": ops, "updates": updates,
                "step": work.rounds * rates.seconds_per_step if self.networks else 0.0}

    def _update_seconds(self, update: Update) -> float:
        """One optimiser's steps in a training step, over the networks it holds."""
        nets = [n for n in self.networks if n.name in update.slots]
        if not nets:
            return 0.0
        tensors = update.copies * sum(n.tensors for n in nets)
        weights = update.copies * sum(n.params for n in nets)
        return update.times * self.rates.update_seconds(nets[0].optimizer, nets[0].momentum,
                                                        tensors, weights)

    @property
    def estimated_seconds(self) -> float:
        return sum(self.time_parts.values())

    def to_dict(self) -> dict[str, Any]:
        memory = self.memory
        return {"project": self.name, "networks": [n.to_dict() for n in self.networks],
                "total": {"params": sum(n.params for n in self.networks),
                          "step_macs": self.step_macs,
                          "memory_bytes": {**memory, "total": self.total_bytes}},
                "memory_available_bytes": self.memory_available,
                "step_runs": [{"network": net.name, "times": times, "batch": batch,
                               "backward": backward}
                              for net, times, batch, backward in self.runs()],
                "rates": self.rates.to_dict(),
                "estimated_seconds_per_step": self.estimated_seconds,
                "estimated_seconds_by_part": self.time_parts,
                "flags": list(self.flags)}


def machine_memory() -> int:
    """Bytes of memory this machine has (0 when the system does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 0


def project_cost(project: Project, check: ProjectCheck, registry: BlockRegistry,
                 memory_available: int | None = None,
                 rates: Rates | None = None) -> ProjectCost:
    """The cost of every network of a checked project whose analysis has no problem.

    ``check`` is ``check_project(project, registry)``. ``memory_available`` defaults to this
    machine's memory; ``rates`` to those assumed for a laptop CPU (the flags then say so).
    """
    networks = [network_cost(slot, graph, check.analyses[slot], registry,
                             check.contexts.get(slot, Context()), check.hparams)
                for slot, graph in project.slots.items()
                if slot in check.analyses and check.analyses[slot].ok]
    cost = ProjectCost(project.name, networks,
                       machine_memory() if memory_available is None else memory_available,
                       rates or Rates(),
                       work=paradigm_work(project.paradigm, check.hparams, check.contexts))
    cost.flags = flags(cost)
    return cost


# --- the flags, in words --------------------------------------------------------------------

def size_text(count: float) -> str:
    """Bytes in words: 512 B, 3.1 kB, 2.4 MB, 1.2 GB, 1.0 TB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)} B"


def count_text(count: float) -> str:
    """A large number in words: 950, 12.3 thousand, 4.5 million, 2.1 billion."""
    for unit, scale in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6),
                        ("thousand", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)}"


TIME_WORDS = {"products": "in matrix products", "elementwise": "in elementwise work over "
              "the activations", "random": "in drawing random numbers",
              "operations": "in the fixed cost of each torch operation",
              "updates": "in the optimiser's updates", "step": "in the fixed cost of a step"}
PART_WORDS = {"weights": "the weights", "gradients": "the gradients",
              "optimizer": "the optimiser's state", "activations": "the activations kept for "
              "the backward pass"}


def _largest(cost: ProjectCost, key) -> tuple[str, BlockCost] | None:
    """(network, block) with the largest ``key`` over every network's blocks."""
    found = [(n.name, b) for n in cost.networks for b in n.blocks]
    return max(found, key=lambda item: key(item[1]), default=None)


def _where(cost: ProjectCost, network: str) -> str:
    return f" of the {network} network" if len(cost.networks) > 1 else ""


def activations_dominant(cost: ProjectCost) -> str:
    """", most from <the block keeping the most activations> (<bytes> at batch <n>)"."""
    found = _largest(cost, lambda b: b.kept_bytes)
    if not found:
        return ""
    network, block = found
    batch = next(n.batch for n in cost.networks if n.name == network)
    return (f", most from {block.label}{_where(cost, network)} "
            f"({size_text(block.kept_bytes * batch)} at batch {batch})")


def memory_dominant(cost: ProjectCost) -> str:
    """What takes most of a step's memory, in words."""
    memory = cost.memory
    part = max(MEMORY_PARTS, key=lambda p: memory[p])
    words = f"{PART_WORDS[part]} ({size_text(memory[part])})"
    if part == "activations":
        words += activations_dominant(cost)
    else:
        found = _largest(cost, lambda b: b.params)
        if found:
            network, block = found
            words += f", most for {block.label}{_where(cost, network)} ({block.params:,} weights)"
    return words


def macs_dominant(cost: ProjectCost) -> str:
    found = _largest(cost, lambda b: b.macs or 0)
    if not found or not cost.step_macs:
        return ""
    network, block = found
    batch = next(n.batch for n in cost.networks if n.name == network)
    share = (1 + BACKWARD_FACTOR) * batch * (block.macs or 0) / cost.step_macs
    share *= sum(times * b for net, times, b, _ in cost.runs() if net.name == network)
    return f"the most in one block: {block.label}{_where(cost, network)}, {share:.0%} of them"


def flags(cost: ProjectCost) -> list[str]:
    """Plain-words warnings: a step that will not fit in memory, that takes a large share of
    it, or that will be slow; and which blocks have no known cost."""
    out = []
    total, available = cost.total_bytes, cost.memory_available
    if available and total > available:
        out.append(f"Will not fit in memory: one training step needs about {size_text(total)} "
                   f"and this machine has {size_text(available)}. Most of it is "
                   f"{memory_dominant(cost)}.")
    elif available and total > LARGE_SHARE * available:
        out.append(f"Very large: one training step needs about {size_text(total)}, "
                   f"{total / available:.0%} of this machine's {size_text(available)}. Most of "
                   f"it is {memory_dominant(cost)}.")
    seconds = cost.estimated_seconds
    if seconds > SLOW_STEP_SECONDS:
        rates = "measured on this device" if cost.rates.measured else "assumed for a laptop CPU"
        parts = cost.time_parts
        part = max(parts, key=lambda p: parts[p])
        out.append(f"Slow: about {seconds:.1f} s a step at the rates {rates}, most of it "
                   f"{TIME_WORDS[part]} ({parts[part]:.1f} s)"
                   + (f"; {count_text(cost.step_macs)} multiply-adds a step, "
                      f"{macs_dominant(cost)}" if part == "products" else "")
                   + (f"; {size_text(cost.memory['activations'])} of activations"
                      f"{activations_dominant(cost)}" if part == "elementwise" else "") + ".")
    unknown = [label for n in cost.networks for label in n.unknown]
    if unknown:
        out.append(f"The cost of {', '.join(unknown)} is unknown: the block type gives no "
                   "rule, so the totals leave it out.")
    return out
