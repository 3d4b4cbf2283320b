"""The numbers behind one block's equation, for any paradigm's networks: one example, fixed
for the whole run, is run through the network and the chosen block's inputs, learned numbers
and output are kept (``snapshots/math.py``), with what it works out on the way (attention
weights, an LSTM's gates, class probabilities and the loss) and, for a dense layer, one output
written out as its sum.

The example is a validation example of the data when the network reads the data as it is
(with its class, when it has one); otherwise the first example the network is given in the
run (a generator's first noise vector, a denoiser's first noisy picture), kept by a forward
pre-hook that removes itself. Either way the numbers change only because the weights do.
The network runs in evaluation mode under ``torch.inference_mode()``, once, and every module
is left in the mode it was in: nothing of training changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

import torch
from torch import nn

from ..nn.attention import MultiHeadAttention, attention_weights
from ..nn.compile import GraphModule
from ..nn.sequence import AttentionPooling, Recurrent
from ..snapshots.math import COLS, ROWS, BlockValues, ValueTable, WorkedSum, table

KIND = BlockValues.kind
MAX_TABLES = 8   # learned tensors shown of one block; the rest are counted
FEW_ROWS = 3     # rows shown of each when a block has more than a weight and a bias
SUM_TERMS = 6    # terms of a dense layer's sum written out one by one
GATE_SYMBOLS = {"RNN": (), "LSTM": ("i_t", "f_t", "o_t", "g_t"), "GRU": ("r_t", "z_t", "n_t")}

Example = tuple[tuple[Any, ...], str, int | None]  # inputs (batch of 1), words, class


def _first_row(value: Any) -> Any:
    return value[:1].detach().clone() if isinstance(value, torch.Tensor) else value


def data_example(net: GraphModule, data: Any) -> Example | None:
    """Example 1 of the validation split (the test split when there is none) when ``net``
    reads the data's ``x`` as it is, with words saying which it is; else None."""
    shape = tuple(getattr(data, "input_shape", ()) or ())
    if data is None or net.sources != ("x",) or tuple(net.input_shapes["x"]) != shape:
        return None
    name, split = next(((n, s) for n, s in (("validation", data.val), ("test", data.test))
                        if len(s)), (None, None))
    if split is None or tuple(split.x.shape[1:]) != shape:
        return None
    words, label = f"{name} example 1", None
    if data.tokenizer is not None and split.x.dtype in (torch.int64, torch.int32):
        text = data.tokenizer.decode(split.x[0].tolist())
        words += f', "{text[:60]}{"…" if len(text) > 60 else ""}"'
    y = split.y[0]
    if data.task == "classification" and y.dim() <= 1 and y.numel() and data.class_names:
        label = int(y.reshape(-1)[0])
        if 0 <= label < len(data.class_names):
            where = "" if y.dim() == 0 else "its first position "
            words += f", {where}of class {data.class_names[label]}"
        else:
            label = None
    return (split.x[:1].clone(),), words, label


class BlockValuesProbe:
    """Keeps a fixed example for each network of ``slots`` and, on demand, the numbers of the
    chosen block (``choose([slot, node id])``; until then the first block with learned
    numbers of the first network)."""

    def __init__(self, nets: Mapping[str, nn.Module], slots: Iterable[str],
                 data: Any = None) -> None:
        self.nets = {s: nets[s] for s in slots if isinstance(nets.get(s), GraphModule)}
        self.examples: dict[str, Example] = {}
        self._hooks: dict[str, Any] = {}
        self.choice: tuple[str, int] | None = None
        for slot, net in self.nets.items():
            found = data_example(net, data)
            if found is not None:
                self.examples[slot] = found
            else:
                self._hooks[slot] = net.register_forward_pre_hook(partial(self._keep, slot))

    def _keep(self, slot: str, module: nn.Module, args: tuple) -> None:
        self.examples[slot] = (tuple(_first_row(a) for a in args),
                               f"the first example the {slot} network was given in this run",
                               None)
        handle = self._hooks.pop(slot, None)
        if handle is not None:
            handle.remove()

    def close(self) -> None:
        """Take every hook off the networks (a rebuilt run makes a new probe)."""
        for handle in self._hooks.values():
            handle.remove()
        self._hooks.clear()

    def choose(self, value: Any) -> None:
        """``[slot, node id]`` from the panel; anything else chooses nothing."""
        if (isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], str)
                and isinstance(value[1], int) and not isinstance(value[1], bool)):
            self.choice = (value[0], int(value[1]))

    def chosen(self) -> tuple[str, int] | None:
        if self.choice is not None:
            return self.choice
        for slot, net in self.nets.items():
            for key, block in net.blocks.items():
                if any(True for _ in block.parameters()):
                    return slot, int(key[1:])
        return None

    def snapshots(self, step: int) -> list[BlockValues]:
        chosen = self.chosen()
        if chosen is None:
            return []
        slot, node = chosen
        net = self.nets.get(slot)
        key = f"n{node}"
        if net is None or key not in net.blocks:
            return [BlockValues(step=step, slot=slot, node=node, note="This block is not in "
                                "the running network: it was added after the run started.")]
        base = dict(step=step, slot=slot, node=node, label=net.labels[key],
                    block_type=net.types[key])
        example = self.examples.get(slot)
        if example is None:
            return [BlockValues(**base, note="No example yet: the network has not been run.")]
        inputs, words, label = example
        try:
            return [block_values(net, key, inputs, label, BlockValues(**base, example=words))]
        except Exception as err:  # a picture never stops training
            return [BlockValues(**base, example=words, note=f"Could not work the numbers "
                                f"out: {err}")]


def block_values(net: GraphModule, key: str, inputs: tuple[Any, ...], label: int | None,
                 empty: BlockValues) -> BlockValues:
    """``empty`` filled in with block ``key``'s numbers when ``net`` runs on ``inputs``."""
    block = net.blocks[key]
    seen: dict[str, Any] = {}
    attention = [(name, m) for name, m in block.named_modules()
                 if isinstance(m, MultiHeadAttention)][:2]
    handles = [block.register_forward_hook(partial(_seen, seen, "block"))]
    handles += [m.register_forward_hook(partial(_seen, seen, name)) for name, m in attention]
    modes = [(m, m.training) for m in net.modules()]
    try:
        net.eval()
        with torch.inference_mode():
            net(*inputs)
            if "block" not in seen:
                return replace(empty, note="The block did not run for this example.")
            args, out = seen["block"]
            inside = [*_attention_tables(seen, attention), *_inside(block, net.types[key],
                                                                    args, out, label)]
            worked = _worked_sum(block, args[0][0], out[0]) if isinstance(block, nn.Linear) \
                else None
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            module.training = mode
    learned = [(n, t) for n, t in block.named_parameters()]
    learned += [(n, t) for n, t in block.named_buffers()
                if t.is_floating_point() and n != "freqs"]
    rows = ROWS if len(learned) <= 2 else FEW_ROWS  # a block of many tensors: fewer rows
    params = tuple(_table(n, t, _learned_words(t), rows=rows) for n, t in learned[:MAX_TABLES])
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    return replace(
        empty, in_shapes=tuple(tuple(int(n) for n in a.shape[1:]) for a in tensors),
        out_shape=tuple(int(n) for n in out.shape[1:]),
        inputs=tuple(_table(f"input {i + 1}", a[0]) for i, a in enumerate(tensors)),
        params=params, more_params=max(0, len(learned) - MAX_TABLES),
        output=(_table("output", out[0]),), inside=tuple(inside), worked=worked)


def _seen(store: dict, name: str, module: nn.Module, args: tuple, output: Any) -> None:
    if name not in store:  # the first call of a module used twice
        store[name] = (args, output)


def _plain(t: torch.Tensor):
    t = t.detach()
    if t.is_floating_point():
        t = t.float()
    return t.cpu().numpy()


def _table(name: str, t: torch.Tensor, words: str = "", row_names: tuple[str, ...] = (),
           rows: int = ROWS) -> ValueTable:
    """``table`` of a tensor, cut to its first part before it leaves torch (a layer of
    millions of weights is never copied whole); the shape is the whole tensor's."""
    if t.dim() <= 1:
        cut: tuple[slice, ...] = (slice(0, COLS),) * t.dim()
    else:  # the first index of every leading axis, then the first rows and columns
        cut = (slice(0, 1),) * (t.dim() - 2) + (slice(0, rows), slice(0, COLS))
    made = table(name, _plain(t[cut]), words, row_names, rows)
    return replace(made, shape=tuple(int(n) for n in t.shape))


def _learned_words(t: torch.Tensor) -> str:
    if not isinstance(t, nn.Parameter):
        return "kept by the block, not learned"
    return "" if t.requires_grad else "held fixed: not trained in this run"


def _worked_sum(layer: nn.Linear, x: torch.Tensor, y: torch.Tensor) -> WorkedSum:
    """Output 1 of ``layer`` as its sum (at the first position of a longer input)."""
    fan_in = layer.in_features
    position = "" if x.dim() == 1 else "at the first position"
    x, y = x.reshape(-1, fan_in)[0].float(), y.reshape(-1, layer.out_features)[0].float()
    w = layer.weight[0].float()
    k = min(SUM_TERMS, fan_in)
    rest = float((w[k:] * x[k:]).sum()) if fan_in > k else 0.0
    bias = float(layer.bias[0]) if layer.bias is not None else float("nan")
    return WorkedSum(row=0, weights=_plain(w[:k]), inputs=_plain(x[:k]), count=fan_in,
                     rest=rest, bias=bias, output=float(y[0]), position=position)


def _attention_tables(seen: dict, attention: list[tuple[str, MultiHeadAttention]]
                      ) -> list[ValueTable]:
    tables = []
    for name, module in attention:
        if name not in seen:
            continue
        args = seen[name][0]
        weights = attention_weights(module, *args)[0, 0]  # the example's first head
        symbol = "A′" if module.mode == "cross" and name else "A"
        tables.append(_table(symbol, weights,
                            f"softmax(Q Kᵀ / √d) of head 1 of {module.heads}: what each step "
                            "takes from each step"))
    return tables


def _inside(block: nn.Module, kind: str, args: tuple, out: torch.Tensor,
            label: int | None) -> list[ValueTable]:
    """What a block works out on the way, for the example."""
    x = args[0][0] if args and isinstance(args[0], torch.Tensor) else None
    if isinstance(block, Recurrent) and x is not None:
        trace = block.trace(x)
        steps = int(trace["hidden"].shape[0])
        rows = [g[-1] for _, g in trace["gates"]]
        names = list(GATE_SYMBOLS.get(block.cell, ()))
        if trace["cell"] is not None:
            rows.append(trace["cell"][-1])
            names.append("c_t")
        rows.append(trace["hidden"][-1])
        names.append("h_t")
        return [_table("gates", torch.stack(rows),
                      f"the first layer reading forwards, at its last step (t = {steps})",
                      tuple(names))]
    if isinstance(block, AttentionPooling) and x is not None:
        return [_table("a", block.weights(x[None])[0],
                      "each token's weight, adding up to 1")]
    if kind == "ClassifierHead" and out.dim() in (2, 3):
        first = "" if out.dim() == 2 else " at the first position"
        probs = torch.softmax(out[0].reshape(-1, out.shape[-1])[0].float(), -1)
        tables = [_table("p", probs, f"the probability of each class{first}")]
        if label is not None and 0 <= label < probs.numel():
            loss = -torch.log(probs[label].clamp_min(1e-30))
            tables.append(_table("loss", loss, f"−ln p_c for the true class (c = "
                                f"{label + 1}){first}, in nats"))
        return tables
    if kind == "LayerNorm" and x is not None:
        rows = x.float().reshape(-1, x.shape[-1])
        return [_table("μ", rows.mean(-1), "the mean of each position's features"),
                _table("σ²", rows.var(-1, unbiased=False), "their variance")]
    return []
