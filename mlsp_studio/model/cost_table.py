"""A project's cost as text: a table per network and the totals of a training step, as
``mlsp-studio check`` prints them (see :mod:`.cost` for what the numbers count)."""

from __future__ import annotations

from .blocks import format_shape
from .cost import BACKWARD_FACTOR, NetworkCost, ProjectCost, size_text

OPTIMIZER_NAMES = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}
HEADER = ("block", "type", "output shape", "parameters", "multiply-adds", "activation memory")


def short_count(count: int | None) -> str:
    """A count in a few characters: 950, 12.3k, 4.56M, 2.10G; None as "unknown"."""
    if count is None:
        return "unknown"
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


def network_table(net: NetworkCost) -> list[str]:
    """The rows of one network: each block per example, then the network's totals."""
    rows = [HEADER]
    for b in net.blocks:
        rows.append((str(b.node), b.type, format_shape(b.shape), f"{b.params:,}",
                     short_count(b.macs), size_text(b.output_bytes)))
    per_example = sum(b.output_bytes for b in net.blocks)
    macs = short_count(net.macs_per_example) + ("+?" if net.unknown else "")
    rows.append(("total", "", "", f"{net.params:,}", macs, size_text(per_example)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    left = (True, True, True, False, False, False)
    lines = ["  ".join(cell.ljust(w) if flush else cell.rjust(w)
                       for cell, w, flush in zip(row, widths, left, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return lines


def memory_line(memory: dict[str, int], batch_words: str) -> str:
    parts = [f"{name} {size_text(memory[key])}" for key, name in
             (("weights", "weights"), ("gradients", "gradients"),
              ("optimizer", "optimiser state"), ("activations", "activations"))]
    return f"memory {batch_words}: " + ", ".join(parts) + \
        f"; total {size_text(sum(memory.values()))}"


def macs_line(forward: int) -> str:
    backward = BACKWARD_FACTOR * forward
    return (f"multiply-adds a step: {short_count(forward)} forward + {short_count(backward)} "
            f"backward = {short_count(forward + backward)}")


TIME_PARTS = (("products", "matrix products"), ("elementwise", "elementwise"),
              ("random", "random numbers"), ("operations", "per operation"),
              ("updates", "optimiser"), ("step", "per step"))
BACKWARD_WORDS = {"full": "forward and backward", "inputs": "forward, and backward to its "
                  "inputs only", "none": "forward only, without gradients"}


def _count(value: float) -> str:
    return f"{value:.3g}"


def runs_line(cost: ProjectCost) -> str:
    """What a step does with the networks, when it is more than one run of each."""
    work = cost.step_work()
    nets = {n.name for n in cost.networks}
    runs = [p for p in work.passes if p.slot in nets]
    plain = len(runs) == len(nets) and all(p.times == 1 and p.batch == 1 and
                                           p.backward == "full" for p in runs)
    if plain and not (work.trained_ops or work.plain_ops):
        return ""
    parts = []
    for p in runs:
        times = "once" if p.times == 1 else f"{_count(p.times)} times"
        batch = "" if p.batch == 1 else f" on {_count(p.batch)} times the batch"
        parts.append(f"{p.slot} {times}{batch}, {BACKWARD_WORDS[p.backward]}")
    ops = work.trained_ops + work.plain_ops
    extra = f"; and {_count(ops)} operations of its own" if ops else ""
    return "a step runs " + "; ".join(parts) + extra


def time_line(cost: ProjectCost) -> str:
    """The estimated time of a step and its parts, saying whose rates it used."""
    parts = cost.time_parts
    rates = "measured on this device" if cost.rates.measured else "assumed for a laptop CPU"
    return (f"estimated time a step: {cost.estimated_seconds * 1000:.3g} ms ("
            + ", ".join(f"{words} {parts[key] * 1000:.3g}" for key, words in TIME_PARTS)
            + f" ms), at rates {rates}")


def cost_text(cost: ProjectCost, problems: list[str] | None = None) -> str:
    """The whole report: each network's table and totals, the step's totals, the flags."""
    lines = [cost.name]
    for net in cost.networks:
        optimizer = OPTIMIZER_NAMES.get(net.optimizer, net.optimizer)
        state = f"{net.optimizer_slots} value{'s' if net.optimizer_slots != 1 else ''}"
        lines += ["", f"network {net.name!r}, each block for one example; {net.batch} "
                      f"examples a step, {optimizer} ({state} of state per weight)"]
        lines += network_table(net)
        lines.append(memory_line(net.memory, f"at batch {net.batch}"))
        lines.append(macs_line(net.forward_macs))
    if len(cost.networks) > 1:
        lines += ["", "all networks together:", memory_line(cost.memory, "a step"),
                  macs_line(sum(n.forward_macs for n in cost.networks))]
    if cost.networks:
        lines += [""] + [line for line in (runs_line(cost), time_line(cost)) if line]
    else:
        lines += ["", "No network can be costed until its problems are solved."]
    lines.append(f"this machine's memory: {size_text(cost.memory_available)}"
                 if cost.memory_available else "this machine's memory: unknown")
    if problems:
        lines += ["", "problems:"] + [f"  {p}" for p in problems]
    if cost.flags:
        lines += [""] + cost.flags
    elif cost.networks and not problems:
        lines += ["", "No warnings: it fits in memory and is not slow."]
    return "\n".join(lines)
