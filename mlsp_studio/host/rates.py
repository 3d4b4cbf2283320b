"""The rates of a device (``model/cost_rates.py``), measured on small reference workloads.

The training process measures them once when it starts (well under half a second on a CPU)
and sends them with ``Ready``, so the window's estimate of a step's time is at this device's
rates; ``mlsp-studio check --measure`` measures them between its timed training steps. Each
rate is the difference between two runs of a workload that differ in one kind of work only,
so the fixed costs the two share drop out:

- matrix products: a training pass (forward and backward) through ``PRODUCT_LAYERS`` dense
  layers of ``PRODUCT_FEATURES`` features (the width of the studio's networks' hidden
  layers, whose products run slower than wide ones) on ``PRODUCT_ROWS`` rows, less the same
  pass through tiny layers;
- elementwise work: a training pass through activations over ``TRAFFIC_VALUES`` numbers,
  half of them a plain comparison (ReLU), half a smooth function worked out from an
  exponential (GELU), the two kinds networks use, less the same on a tiny batch; counted as
  the model counts activations, three times their bytes (written forward, read and written
  backward);
- random numbers: dropout's draws over ``TRAFFIC_VALUES`` numbers;
- a torch operation: a chain of ``LONG_CHAIN`` against ``SHORT_CHAIN`` tanh layers on a tiny
  batch, forward and backward (and forward only, without gradients);
- a block's own cost in the studio's network: the same chain of Tanh blocks compiled as the
  studio compiles a network (``nn/compile.py``), forward only, less the chain's operations;
- a convolution's set-up: a chain of ``LONG_CONVS`` against ``SHORT_CONVS`` tiny 3 x 3
  convolutions (the usual kernel; a 1 x 1 one takes a much quicker route), forward and
  backward (and forward only), less the tanh chain's operations;
- attention's fixed cost per example and head: PyTorch's attention over ``HEADS`` heads of
  ``HEAD_STEPS`` steps and ``HEAD_FEATURES`` features (a head's size in the studio's
  networks), forward and backward (and forward only), less the same over two heads;
- an optimiser's update: a step over one tiny tensor, over many, and over one large one,
  each handed new gradients first, as a backward pass hands them;
- small products in a batch of them (one per example): a training pass through a batched
  product of ``MATRICES`` pairs of small matrices, less the same over two (PyTorch multiplies
  a pair of fewer than 400 multiply-adds with plain loops, far slower than a large product);
- a step's own fixed cost: a whole tiny training step as the paradigms take one (a batch
  drawn by the shared batcher, a dense layer, a loss, the shared update: the loss's value
  read and checked, backward, an SGD step) less its operations and update at the rates
  above.

Each workload is timed in short rounds and the fastest round kept, the one least disturbed
by other work on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from ..model.blocks import Context
from ..model.catalog import BLOCKS
from ..model.cost_rates import UPDATE_KINDS, Rates
from ..model.graph import Graph
from ..nn.compile import compile_graph
from ..paradigms.batching import EpochBatches
from ..paradigms.update import optimise

PRODUCT_ROWS, PRODUCT_FEATURES, PRODUCT_LAYERS = 256, 32, 8  # the reference dense layers
LEAST_SHARE = 0.25       # a difference is taken as at least this share of the larger time
TRAFFIC_VALUES = 1 << 16  # numbers of the reference activations and random draws
ACTIVATIONS = 4          # activation layers in the elementwise reference, ReLU and GELU by turns
SHORT_CHAIN, LONG_CHAIN = 1, 17  # tanh layers in the two chains
SHORT_CONVS, LONG_CONVS = 1, 3   # tiny convolutions in the two chains
HEADS, HEAD_STEPS, HEAD_FEATURES = 128, 16, 8  # the reference attention
TINY_TENSORS = 16        # weight tensors of the optimiser's reference with many
LARGE_WEIGHTS = 1 << 18  # weights of its reference with one large tensor
ROUNDS = 5               # timed rounds per workload; the fastest one is kept
# operations of the reference step: the dense layer's product and transpose, its loss, and
# the gradients handed to its two weight tensors
STEP_OPS = 5
MATRICES = 256           # pairs of small matrices in the batched product, each (4, 16)(16, 2)
SMALL_ROWS, SMALL_INNER, SMALL_COLUMNS = 4, 16, 2
STEP_TENSORS, STEP_WEIGHTS = 2, 20  # the reference step's weight tensors and weights


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(work: Callable[[], object], device: torch.device, seconds: float,
              rounds: int = ROUNDS) -> float:
    """Seconds one call of ``work()`` takes: the fastest of ``rounds`` rounds of about
    ``seconds / rounds`` each, after two calls that pay any one-time cost."""
    for _ in range(2):
        work()
    _sync(device)
    per_round = seconds / rounds
    times = []
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        while True:
            work()
            count += 1
            if count % 4 == 0 or count < 4:
                _sync(device)
                if time.perf_counter() - start >= per_round:
                    break
        times.append((time.perf_counter() - start) / count)
    return min(times)


def difference(larger: float, smaller: float) -> float:
    """``larger - smaller``, but at least ``LEAST_SHARE`` of ``larger``: a burst of other
    work during the smaller workload cannot make the rate of the larger one endless."""
    return max(larger - smaller, LEAST_SHARE * larger)


def _dense_pass(device: torch.device, size: int, features: int) -> Callable[[], None]:
    """A training pass (forward, backward) through dense layers on ``size`` rows."""
    net = torch.nn.Sequential(*[torch.nn.Linear(features, features)
                                for _ in range(PRODUCT_LAYERS)]).to(device)
    x = torch.randn(size, features, device=device, requires_grad=True)

    def run() -> None:
        net.zero_grad(set_to_none=True)
        net(x).sum().backward()
    return run


def product_rate(device: torch.device, seconds: float) -> float:
    """Multiply-adds per second of dense layers' training pass (three products each)."""
    big = time_call(_dense_pass(device, PRODUCT_ROWS, PRODUCT_FEATURES), device, seconds * 0.6)
    tiny = time_call(_dense_pass(device, 2, 4), device, seconds * 0.4)
    macs = 3 * PRODUCT_LAYERS * PRODUCT_ROWS * PRODUCT_FEATURES ** 2
    return macs / difference(big, tiny)


def _activations(device: torch.device, values: int) -> Callable[[], None]:
    net = torch.nn.Sequential(*[torch.nn.ReLU() if k % 2 == 0 else torch.nn.GELU()
                                for k in range(ACTIVATIONS)])
    x = torch.randn(values, device=device, requires_grad=True)
    return lambda: net(x).sum().backward()


def traffic_rate(device: torch.device, seconds: float) -> float:
    """Bytes per second of elementwise work over activations: three times their bytes (the
    model's count) over the time of a training pass through them."""
    big = time_call(_activations(device, TRAFFIC_VALUES), device, seconds * 0.7)
    tiny = time_call(_activations(device, 8), device, seconds * 0.3)
    return 3 * 4 * ACTIVATIONS * TRAFFIC_VALUES / difference(big, tiny)


def draw_seconds(device: torch.device, seconds: float) -> float:
    """Seconds per random number drawn, as dropout draws them."""
    x = torch.empty(TRAFFIC_VALUES, device=device)
    return time_call(lambda: x.bernoulli_(0.9), device, seconds) / TRAFFIC_VALUES


def _chain(device: torch.device, layers: int, trained: bool) -> Callable[[], None]:
    net = torch.nn.Sequential(*[torch.nn.Tanh() for _ in range(layers)])
    x = torch.randn(2, 4, device=device, requires_grad=trained)
    if trained:
        return lambda: net(x).sum().backward()

    def forward() -> None:
        with torch.no_grad():
            net(x)
    return forward


def op_seconds(device: torch.device, seconds: float, trained: bool) -> float:
    """Seconds of one torch operation (a layer's call and its work on a tiny batch), forward
    and backward when ``trained``, else forward only without gradients."""
    long = time_call(_chain(device, LONG_CHAIN, trained), device, seconds / 2)
    short = time_call(_chain(device, SHORT_CHAIN, trained), device, seconds / 2)
    return max(long - short, 0.0) / (LONG_CHAIN - SHORT_CHAIN)


def _blocks(device: torch.device, layers: int) -> Callable[[], None]:
    graph = Graph.chain([("Input", {"shape": [4]}), *["Tanh"] * layers, "Output"])
    net = compile_graph(graph, BLOCKS, Context()).to(device)
    x = torch.randn(2, 4, device=device)

    def forward() -> None:
        with torch.no_grad():
            net(x)
    return forward


def block_seconds(device: torch.device, seconds: float, per_plain_op: float) -> float:
    """Seconds a block costs in the studio's compiled network beyond its operation."""
    long = time_call(_blocks(device, LONG_CHAIN), device, seconds / 2)
    short = time_call(_blocks(device, SHORT_CHAIN), device, seconds / 2)
    return max((long - short) / (LONG_CHAIN - SHORT_CHAIN) - per_plain_op, 0.0)


def _convs(device: torch.device, layers: int, trained: bool) -> Callable[[], None]:
    net = torch.nn.Sequential(*[torch.nn.Conv2d(2, 2, 3, padding=1)
                                for _ in range(layers)]).to(device)
    x = torch.randn(2, 2, 4, 4, device=device, requires_grad=trained)
    if trained:
        return lambda: net(x).sum().backward()

    def forward() -> None:
        with torch.no_grad():
            net(x)
    return forward


def conv_seconds(device: torch.device, seconds: float, trained: bool, per_op: float) -> float:
    """Seconds a convolution costs beyond one torch operation (``per_op``): setting up the
    convolution routine, forward and backward when ``trained``, else forward only."""
    long = time_call(_convs(device, LONG_CONVS, trained), device, seconds / 2)
    short = time_call(_convs(device, SHORT_CONVS, trained), device, seconds / 2)
    return max((long - short) / (LONG_CONVS - SHORT_CONVS) - per_op, 0.0)


def _attention(device: torch.device, heads: int, trained: bool) -> Callable[[], None]:
    q, k, v = (torch.randn(heads, 1, HEAD_STEPS, HEAD_FEATURES, device=device,
                           requires_grad=trained) for _ in range(3))
    attend = torch.nn.functional.scaled_dot_product_attention
    if trained:
        return lambda: attend(q, k, v).sum().backward()

    def forward() -> None:
        with torch.no_grad():
            attend(q, k, v)
    return forward


def head_seconds(device: torch.device, seconds: float, trained: bool) -> float:
    """Seconds of attention per example and head, forward and backward when ``trained``."""
    many = time_call(_attention(device, HEADS, trained), device, seconds * 0.6)
    two = time_call(_attention(device, 2, trained), device, seconds * 0.4)
    return difference(many, two) / (HEADS - 2)


def _optimizer(kind: str, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    if kind in ("sgd", "sgd_momentum"):
        return torch.optim.SGD(params, lr=1e-3, momentum=0.9 if kind == "sgd_momentum" else 0.0)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3)
    return (torch.optim.AdamW if kind == "adamw" else torch.optim.Adam)(params, lr=1e-3)


def _update(device: torch.device, kind: str, shapes: list[tuple[int, ...]]
            ) -> Callable[[], None]:
    params = [torch.nn.Parameter(torch.zeros(shape, device=device)) for shape in shapes]
    grads = [torch.full_like(p, 1e-3) for p in params]
    optimizer = _optimizer(kind, params)

    def step() -> None:
        for p, g in zip(params, grads, strict=True):
            p.grad = g.clone()
        optimizer.step()
    return step


def update_seconds(device: torch.device, kind: str, seconds: float
                   ) -> tuple[float, float, float]:
    """(seconds per step, per weight tensor, per weight) of optimiser ``kind``."""
    one = time_call(_update(device, kind, [(4,)]), device, seconds / 3)
    many = time_call(_update(device, kind, [(4,)] * (1 + TINY_TENSORS)), device, seconds / 3)
    large = time_call(_update(device, kind, [(4,), (LARGE_WEIGHTS,)]), device, seconds / 3)
    per_tensor = max(many - one, 0.0) / TINY_TENSORS
    per_weight = max(large - one - per_tensor, 0.0) / LARGE_WEIGHTS
    return max(one - per_tensor, 0.0), per_tensor, per_weight


def _batched(device: torch.device, count: int) -> Callable[[], None]:
    a = torch.randn(count, SMALL_ROWS, SMALL_INNER, device=device, requires_grad=True)
    b = torch.randn(count, SMALL_INNER, SMALL_COLUMNS, device=device, requires_grad=True)
    return lambda: torch.bmm(a, b).sum().backward()


def small_product_rate(device: torch.device, seconds: float) -> float:
    """Multiply-adds per second of small products in a batch, forward and backward (three
    products each)."""
    many = time_call(_batched(device, MATRICES), device, seconds * 0.6)
    two = time_call(_batched(device, 2), device, seconds * 0.4)
    macs = 3 * (MATRICES - 2) * SMALL_ROWS * SMALL_INNER * SMALL_COLUMNS
    return macs / difference(many, two)


def _tiny_step(device: torch.device) -> Callable[[], None]:
    """A whole training step of a tiny dense layer, as the paradigms take one."""
    torch.manual_seed(0)
    data = torch.randn(256, 4, device=device)
    layer = torch.nn.Linear(4, 4).to(device)
    optimizer = torch.optim.SGD(layer.parameters(), lr=1e-3)
    batches = EpochBatches(len(data), 8, torch.Generator().manual_seed(0), device)

    def step() -> None:
        x = data[batches.next()]
        optimise(torch.nn.functional.mse_loss(layer(x), x), optimizer)
    return step


def measure_rates(device: torch.device | str = "cpu", seconds: float = 0.3,
                  kinds: tuple[str, ...] = UPDATE_KINDS) -> Rates:
    """The rates of ``device`` from the reference workloads, in about ``seconds`` in all;
    the optimisers' updates for ``kinds`` (the others keep their assumed values)."""
    device = torch.device(device)
    share = seconds / (13 + len(kinds))
    macs = product_rate(device, share)
    traffic = traffic_rate(device, share)
    per_draw = draw_seconds(device, share / 2)
    small = small_product_rate(device, share / 2)
    per_op = op_seconds(device, 1.5 * share, trained=True)
    per_plain_op = op_seconds(device, share, trained=False)
    per_block = block_seconds(device, share, per_plain_op)
    per_conv = conv_seconds(device, share, True, per_op)
    per_plain_conv = conv_seconds(device, share, False, per_plain_op)
    per_head = head_seconds(device, share, True)
    per_plain_head = head_seconds(device, share * 0.5, False)
    updates = dict(Rates().updates)
    for kind in kinds:
        updates[kind] = update_seconds(device, kind, share)
    step = time_call(_tiny_step(device), device, 1.5 * share)
    sgd = updates["sgd"]
    fixed = step - STEP_OPS * per_op - sgd[0] - STEP_TENSORS * sgd[1] - STEP_WEIGHTS * sgd[2]
    return Rates(macs_per_second=macs, bytes_per_second=traffic, seconds_per_op=per_op,
                 seconds_per_plain_op=per_plain_op, seconds_per_step=max(fixed, 0.0),
                 seconds_per_draw=per_draw, seconds_per_conv=per_conv,
                 seconds_per_plain_conv=per_plain_conv, small_macs_per_second=small,
                 seconds_per_block=per_block, seconds_per_head=per_head,
                 seconds_per_plain_head=per_plain_head,
                 updates=updates, measured=True)
