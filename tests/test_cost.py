"""What a block and a network cost (``model/cost.py``) against PyTorch's own flop counter.

The convention: multiply-adds count the products of matrices only (dense layers,
convolutions, recurrent weights, attention's two products), which PyTorch's counter counts
as 2 FLOPs each; elementwise work counts 0 on both sides. Two settings let the counter see
every product: attention runs on its plain ("math") path, whose products are ordinary
batched matrix products (the fused kernels the CPU picks otherwise are not counted), and an
LSTM runs without oneDNN, whose fused layer is not counted either. Neither changes what is
computed, only which kernel computes it.
"""

from __future__ import annotations

import contextlib
import json
import math

import pytest
import torch
from block_cases_generative import class_ids
from block_cases_seq import token_ids
from test_block_contract import CASES
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from mlsp_studio.model.blocks import BlockRegistry, BlockSpec, Context
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.composite import expand_node, is_composite
from mlsp_studio.model.cost import (
    BYTES,
    Rates,
    block_costs,
    network_cost,
    optimizer_slots,
    project_cost,
    spec_cost,
)
from mlsp_studio.model.cost_rates import LAPTOP_UPDATES
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.params import ParamSet
from mlsp_studio.model.presets import load_preset, preset_names
from mlsp_studio.model.project import check_project
from mlsp_studio.nn import build_block
from mlsp_studio.nn.compile import compile_graph

BATCH = 2


@contextlib.contextmanager
def counted_paths():
    """Attention through its plain path and recurrent layers without oneDNN, so that the
    flop counter sees their matrix products."""
    before = torch.backends.mkldnn.set_flags(False)
    try:
        with sdpa_kernel(SDPBackend.MATH):
            yield
    finally:
        torch.backends.mkldnn.set_flags(before[0])


def counted_flops(module: torch.nn.Module, *inputs: torch.Tensor) -> int:
    with counted_paths(), FlopCounterMode(display=False) as counter:
        module(*inputs)
    return counter.get_total_flops()


def block_inputs(name: str, params: dict, in_shapes: list, ctx: Context) -> list[torch.Tensor]:
    ids = token_ids(name, params, in_shapes[0], ctx, BATCH) if in_shapes else None
    if ids is None and in_shapes:
        ids = class_ids(name, params, in_shapes[0], ctx, BATCH)
    if ids is not None:
        return [ids]
    if not in_shapes:  # an Input block: fed the data's shape
        return [torch.randn(BATCH, *BLOCKS.get(name).shape_rule(params, in_shapes, ctx))]
    return [torch.randn(BATCH, *shape) for shape in in_shapes]


CONTRACT = [pytest.param(name, *c, id=f"{name}-{i}")
            for name in BLOCKS.names() for i, c in enumerate(CASES.get(name, ()))]


@pytest.mark.parametrize(("name", "raw", "in_shapes", "ctx"), CONTRACT)
def test_block_multiply_adds_match_pytorch_counter(name, raw, in_shapes, ctx) -> None:
    """Every block family, every contract case: 2 x the multiply-adds per example x the batch
    equals the FLOPs PyTorch counts on the module the studio builds, in training mode."""
    torch.manual_seed(0)
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    module = build_block(spec, params, in_shapes, ctx).train()
    inputs = block_inputs(name, params, in_shapes, ctx)
    graph = Graph()
    sources = [graph.add_node("Input", {"source": f"s{i}", "shape": list(s)})
               for i, s in enumerate(in_shapes)]
    node = graph.add_node(name, raw)
    for source, port in zip(sources, spec.ports(params), strict=True):
        graph.connect(source, node, port)
    inputs_ctx = Context({f"s{i}": s for i, s in enumerate(in_shapes)}, ctx.num_classes,
                         ctx.num_targets, ctx.vocab_size)
    analysis = graph.analyze(BLOCKS, inputs_ctx)
    if not in_shapes:  # an Input block on its own has no consumer: it is its own output
        analysis = graph.analyze(BLOCKS, ctx)
    costs = {c.node: c for c in block_costs(graph, analysis, BLOCKS, inputs_ctx if in_shapes
                                            else ctx)}
    macs = costs[node].macs
    assert macs is not None, f"{name} says no cost"
    assert counted_flops(module, *inputs) == 2 * BATCH * macs, f"{name}{params}"


def test_every_block_says_its_cost() -> None:
    """Each built-in block has a cost rule, or is composite and costs what its parts cost."""
    for spec in BLOCKS:
        assert spec.macs is not None or is_composite(spec.type), spec.type


ELEMENTWISE = [("ReLU", (4, 6)), ("GELU", (3, 5)), ("Softmax", (10,)), ("Dropout", (4,)),
               ("MaxPool2d", (3, 8, 8)), ("GlobalAvgPool1d", (3, 16)), ("LayerNorm", (4, 8)),
               ("BatchNorm", (3, 5, 5)), ("Upsample", (2, 4, 4)), ("Embedding", (7,)),
               ("PositionalEncoding", (5, 8)), ("SiLU", (4,)), ("Scale", (4,))]


@pytest.mark.parametrize(("name", "shape"), ELEMENTWISE, ids=[n for n, _ in ELEMENTWISE])
def test_elementwise_work_counts_nothing(name: str, shape) -> None:
    """Activations, pooling, norms, lookups: 0 multiply-adds here, 0 FLOPs for PyTorch, and
    their output still counts in the memory."""
    spec = BLOCKS.get(name)
    ctx = Context(vocab_size=10)
    params = spec.validate_params({"vocab": 10} if name == "Embedding" else {})
    assert spec.macs(params, [shape], ctx) == 0
    module = build_block(spec, params, [shape], ctx).train()
    x = torch.randint(0, 10, (BATCH, *shape)) if name == "Embedding" else \
        torch.randn(BATCH, *shape)
    assert counted_flops(module, x) == 0
    graph = Graph.chain([("Input", {"shape": list(shape)}), (name, params), "Output"])
    costs = block_costs(graph, graph.analyze(BLOCKS, ctx), BLOCKS, ctx)
    out_shape = spec.shape_rule(params, [shape], ctx)
    assert costs[1].macs == 0 and costs[1].output_bytes == BYTES * math.prod(out_shape)


def test_a_block_without_a_rule_is_unknown_not_zero() -> None:
    registry = BlockRegistry()
    for spec in BLOCKS:
        registry.register(spec)
    registry.register(BlockSpec("Mystery", "Core", "Does something.", ParamSet(()),
                                lambda params, in_shapes, ctx: in_shapes[0], family="identity"))
    graph = Graph.chain([("Input", {"shape": [8]}), ("Dense", {"units": 4}), "Mystery",
                         "Output"])
    analysis = graph.analyze(registry)
    net = network_cost("model", graph, analysis, registry, Context(), {"batch_size": 10})
    assert [b.macs for b in net.blocks] == [0, 32, None, 0]
    assert net.unknown == ["Mystery 3"] and net.macs_per_example == 32


@pytest.mark.parametrize("name", ["TransformerEncoderLayer", "TransformerDecoderLayer",
                                  "ConformerBlock", "Residual", "Gated"])
def test_a_composite_block_costs_what_its_parts_cost(name: str) -> None:
    """Expanded on the canvas, the parts together cost what the block cost."""
    graph = Graph()
    x = graph.add_node("Input", {"shape": [6, 16]})
    block = graph.add_node(name, {"heads": 2} if "Layer" in name or "Conformer" in name else {})
    graph.connect(x, block)
    if name == "TransformerDecoderLayer":
        memory = graph.add_node("Input", {"source": "m", "shape": [5, 12]})
        graph.connect(memory, block, "memory")
    graph.connect(block, graph.add_node("Output"))
    ctx = Context()
    before = block_costs(graph, graph.analyze(BLOCKS, ctx), BLOCKS, ctx)
    expanded = expand_node(graph, block, BLOCKS, ctx)
    after = block_costs(expanded, expanded.analyze(BLOCKS, ctx), BLOCKS, ctx)
    assert sum(b.macs for b in before) == sum(b.macs for b in after) > 0
    assert sum(b.kept_bytes for b in before) == sum(b.kept_bytes for b in after)


@pytest.mark.parametrize(("optimizer", "momentum", "slots"),
                         [("sgd", 0.0, 0), ("sgd", 0.9, 1), ("rmsprop", 0.0, 1),
                          ("adam", 0.9, 2), ("adamw", 0.0, 2)])
def test_optimizer_state_per_weight(optimizer: str, momentum: float, slots: int) -> None:
    assert optimizer_slots(optimizer, momentum) == slots
    weights = torch.nn.Parameter(torch.randn(7))
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum),
            "rmsprop": lambda p: torch.optim.RMSprop(p), "adam": torch.optim.Adam,
            "adamw": torch.optim.AdamW}[optimizer]
    opt = make([weights])
    weights.grad = torch.ones(7)
    opt.step()
    held = sum(v.numel() for state in opt.state.values() for v in state.values()
               if torch.is_tensor(v) and v.numel() == 7)
    assert held == slots * 7


def test_network_memory_and_step_by_hand() -> None:
    graph = Graph.chain([("Input", {"shape": [10]}), ("Dense", {"units": 20}), "ReLU",
                         ("Dense", {"units": 5}), "Output"])
    net = network_cost("model", graph, graph.analyze(BLOCKS), BLOCKS, Context(),
                       {"batch_size": 8, "optimizer": "adam"})
    params = 10 * 20 + 20 + 20 * 5 + 5
    assert net.params == params
    assert net.macs_per_example == 10 * 20 + 20 * 5
    assert net.forward_macs == 8 * 300 and net.step_macs == 3 * 8 * 300
    values = 10 + 20 + 20 + 5  # each block's output; the Output block's is the same tensor
    assert net.memory == {"weights": 4 * params, "gradients": 4 * params,
                          "optimizer": 8 * params, "activations": 4 * 8 * values}


@pytest.mark.parametrize("name", ["digits-cnn", "gpt-chars", "ddpm-digits",
                                  pytest.param("rnn-vs-lstm", marks=pytest.mark.slow)])
def test_backward_pass_costs_about_twice_the_forward(name: str) -> None:
    """The step's 3 x forward is what PyTorch counts for forward and backward, give or take
    the first layer, which needs no gradient for the data."""
    project = load_preset(name)
    check = check_project(project, BLOCKS)
    slot, graph = next(iter(project.slots.items()))
    net = compile_graph(graph, BLOCKS, check.contexts[slot]).train()
    inputs = [torch.zeros(BATCH, *net.input_shapes[s]) for s in net.sources]
    with counted_paths(), FlopCounterMode(display=False) as counter:
        out = net(*inputs)
        (out[0] if isinstance(out, tuple) else out).float().square().sum().backward()
    cost = network_cost(slot, graph, check.analyses[slot], BLOCKS, check.contexts[slot],
                        {"batch_size": BATCH})
    assert 2.0 * cost.forward_macs * 2 <= counter.get_total_flops() <= 2 * cost.step_macs


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_network_matches_pytorch_counter(name: str) -> None:
    """Whole networks as the studio compiles them: the sum over the blocks is what PyTorch
    counts for one forward pass."""
    project = load_preset(name)
    check = check_project(project, BLOCKS)
    cost = project_cost(project, check, BLOCKS)
    assert check.ok and len(cost.networks) == len(project.slots)
    for net in cost.networks:
        module = compile_graph(project.slots[net.name], BLOCKS, check.contexts[net.name])
        inputs = [torch.zeros(BATCH, *module.input_shapes[s]) for s in module.sources]
        assert counted_flops(module.train(), *inputs) == 2 * BATCH * net.macs_per_example
        assert not net.unknown


def kept_by_torch(module: torch.nn.Module, *inputs: torch.Tensor) -> int:
    """Bytes of the tensors a forward pass saves for the backward pass, weights left out,
    each storage once."""
    weights = {p.untyped_storage().data_ptr() for p in module.parameters()}
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        module(*inputs)
    return sum(saved.values())


@pytest.mark.parametrize("name", [n for n in preset_names() if n != "word2vec"])
def test_kept_activations_are_near_what_pytorch_keeps(name: str) -> None:
    """The activation memory of a step is an estimate: within a factor of about 2 of what
    PyTorch's forward pass saves. (word2vec is left out: its network is one lookup whose
    output only the loss keeps, which a network's forward pass alone does not show.)"""
    project = load_preset(name)
    check = check_project(project, BLOCKS)
    batch = 8
    for net in project_cost(project, check, BLOCKS).networks:
        module = compile_graph(project.slots[net.name], BLOCKS, check.contexts[net.name])
        inputs = [torch.zeros(batch, *module.input_shapes[s]) for s in module.sources]
        estimate = batch * sum(b.kept_bytes for b in net.blocks)
        ratio = estimate / kept_by_torch(module.train(), *inputs)
        assert 0.5 <= ratio <= 2.2, f"{name} {net.name}: {ratio:.2f}"


# --- the time of a step ---------------------------------------------------------------------

def autograd_steps(out: torch.Tensor) -> int:
    """Steps of the backward pass a forward pass recorded (the weights' own left out)."""
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(following for following, _ in node.next_functions)
    return sum(type(node).__name__ != "AccumulateGrad" for node in seen)


@pytest.mark.parametrize(("name", "raw", "in_shapes", "ctx"), CONTRACT)
def test_block_operations_and_weight_tensors_match_pytorch(name, raw, in_shapes, ctx) -> None:
    """Every contract case: the weight tensors the optimiser updates are the module's own,
    and the operations are within a quarter (or two) of the steps autograd records."""
    torch.manual_seed(0)
    spec = BLOCKS.get(name)
    params = spec.validate_params(raw)
    module = build_block(spec, params, in_shapes, ctx).train()
    inputs = [x.requires_grad_(True) if x.is_floating_point() else x
              for x in block_inputs(name, params, in_shapes, ctx)]
    out = module(*inputs)
    out = out[0] if isinstance(out, tuple) else out
    recorded = autograd_steps(out) if out.grad_fn is not None else 0
    work = spec_cost(spec, params, list(in_shapes), ctx, BLOCKS)
    assert work.tensors == len(list(module.parameters())), f"{name}{params}"
    assert abs(work.ops - recorded) <= max(2, recorded // 4), f"{name}{params}: {recorded}"


ONLY_PRODUCTS = Rates(macs_per_second=1e9, bytes_per_second=1e30,
                      seconds_per_op=0.0, seconds_per_plain_op=0.0, seconds_per_step=0.0,
                      seconds_per_draw=0.0,
                      seconds_per_conv=0.0, seconds_per_plain_conv=0.0,
                      small_macs_per_second=1e30, seconds_per_block=0.0,
                      updates={kind: (0.0, 0.0, 0.0) for kind in LAPTOP_UPDATES})


def preset_cost(name: str, rates: Rates = ONLY_PRODUCTS, **settings):
    project = load_preset(name)
    for key, value in settings.items():
        project.apply_setting(key, value)
    cost = project_cost(project, check_project(project, BLOCKS), BLOCKS, rates=rates)
    return cost, {net.name: net for net in cost.networks}


@pytest.mark.parametrize("d_steps", [1, 3])
def test_a_gan_step_runs_both_networks_as_its_training_does(d_steps: int) -> None:
    """Each discriminator step: the generator forward only, the discriminator forward and
    backward on real and generated batches; then the generator forward and backward, with
    the gradient passed back through the discriminator (forward and backward to its input)."""
    cost, nets = preset_cost("gan-ring", d_steps=d_steps)
    g, d = nets["generator"].forward_macs, nets["discriminator"].forward_macs
    assert cost.step_macs == d_steps * (g + 2 * 3 * d) + 3 * g + 2 * d
    one_pass = 3 * g / ONLY_PRODUCTS.macs_per_second  # one training pass of the generator
    assert cost.estimated_seconds == pytest.approx(cost.step_macs / 1e9)
    assert cost.estimated_seconds > (1 + 2 * d_steps) * one_pass
    work = cost.step_work()
    assert [(u.slots, u.times) for u in work.updates] == [(("discriminator",), d_steps),
                                                          (("generator",), 1)]
    assert work.rounds == d_steps + 1


def test_the_flow_runs_its_conditioner_once_per_coupling() -> None:
    cost, nets = preset_cost("flow-2d", layers=5)
    assert cost.step_macs == 5 * 3 * nets["conditioner"].forward_macs
    more, _ = preset_cost("flow-2d", layers=10)
    assert more.step_macs == 2 * cost.step_macs
    assert more.step_work().updates[0].copies == 10


def test_contrastive_learning_encodes_two_views_of_the_batch() -> None:
    cost, nets = preset_cost("contrastive-digits")
    assert cost.step_macs == 2 * nets["encoder"].step_macs


def test_seq2seq_without_teacher_forcing_decodes_a_run_per_position() -> None:
    forced, nets = preset_cost("seq2seq-attention", teacher_forcing=1.0)
    half, _ = preset_cost("seq2seq-attention", teacher_forcing=0.5)
    target = half.step_work().passes[1]
    check = check_project(load_preset("seq2seq-attention"), BLOCKS)
    assert target.backward == "none"
    assert target.times == 0.5 * check.contexts["model"].inputs["dec"][0]
    assert half.step_macs == forced.step_macs + target.times * nets["model"].forward_macs


def test_an_ensemble_trains_every_member() -> None:
    one, nets = preset_cost("spiral")
    three, _ = preset_cost("spiral", ensemble=3)
    assert three.step_macs == 3 * one.step_macs
    assert three.step_work().updates[0].copies == 3


ONLY_OPERATIONS = Rates(macs_per_second=1e30, bytes_per_second=1e30, seconds_per_op=1.0,
                        seconds_per_plain_op=1.0, seconds_per_step=0.0, seconds_per_draw=0.0,
                        seconds_per_conv=0.0, seconds_per_plain_conv=0.0,
                        small_macs_per_second=1e30, seconds_per_block=0.0,
                        updates={kind: (0.0, 0.0, 0.0) for kind in LAPTOP_UPDATES})


@pytest.mark.parametrize(("cell", "per_step"), [("GRU", 15), ("RNN", 5), ("LSTM", 0)])
def test_a_recurrent_layer_takes_longer_with_a_longer_sequence(cell: str, per_step: int) -> None:
    """A GRU or a plain RNN runs its cell one step after another, each a few operations
    forward and back; an LSTM runs fused, whatever the length."""
    def seconds(length: int, layers: int = 1) -> float:
        graph = Graph.chain([("Input", {"source": "steps", "shape": [length, 8]}),
                             (cell, {"hidden": 16, "layers": layers}), "Flatten",
                             ("ClassifierHead", {})])
        project = load_preset("spiral")
        project.slots["model"] = graph
        check = check_project(project, BLOCKS)
        return project_cost(project, check, BLOCKS, rates=ONLY_OPERATIONS).estimated_seconds

    assert seconds(20) - seconds(10) == pytest.approx(10 * per_step)
    assert seconds(20, 2) - seconds(10, 2) == pytest.approx(2 * 10 * per_step)


def test_rates_travel_as_plain_data_and_refuse_nonsense() -> None:
    rates = Rates(macs_per_second=2e10, seconds_per_op=7e-6, measured=True,
                  updates={**LAPTOP_UPDATES, "adam": (1e-5, 2e-5, 3e-9)})
    back = Rates.from_dict(json.loads(json.dumps(rates.to_dict())))
    assert back == rates
    broken = Rates.from_dict({"macs_per_second": -1, "seconds_per_op": "fast",
                              "updates": {"adam": [1, 2]}})
    assert broken.macs_per_second == Rates().macs_per_second
    assert broken.seconds_per_op == Rates().seconds_per_op
    assert broken.updates == Rates().updates and not broken.measured


def test_the_optimisers_update_costs_per_tensor_and_per_weight() -> None:
    rates = Rates(updates={**LAPTOP_UPDATES, "adam": (1.0, 10.0, 100.0),
                           "sgd_momentum": (2.0, 20.0, 200.0)})
    assert rates.update_seconds("adam", 0.9, tensors=3, weights=5) == 1 + 30 + 500
    assert rates.update_seconds("sgd", 0.9, tensors=1, weights=1) == 2 + 20 + 200
    assert rates.update_seconds("sgd", 0.0, 1, 1) == sum(LAPTOP_UPDATES["sgd"])


@pytest.mark.parametrize(("name", "heads"), [("MultiHeadAttention", 4),
                                             ("TransformerEncoderLayer", 4),
                                             ("TransformerDecoderLayer", 8),
                                             ("ConformerBlock", 4)])
def test_attention_heads_are_counted_once_per_attention(name: str, heads: int) -> None:
    """PyTorch's attention costs a fixed time per example and head: a decoder layer attends
    twice (to itself and to the memory), the others once."""
    spec = BLOCKS.get(name)
    params = spec.validate_params({"heads": 4})
    shapes = [(6, 16), (5, 16)] if name == "TransformerDecoderLayer" else [(6, 16)]
    assert spec_cost(spec, params, shapes, Context(), BLOCKS).heads == heads
