"""The script of a normalizing-flow project: the conditioner as a class (written from the
canvas like every network), and the flow itself (coupling layer, both directions, NLL,
entropy of the ring) copied from ``train_parts.py``, the very code the studio runs. Only the
glue is written here: the settings, the loop that calls those parts, and the final prints."""

from __future__ import annotations

from ...errors import StudioError
from ...export.script_data import make_data_source
from ...export.script_gen_common import (
    BATCHES,
    RING_CENTRES,
    assemble,
    networks,
    optimizer_source,
    refuse_unwritten,
)
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry, format_shape
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck
from .settings import flow_sizes

PARTS = "mlsp_studio.paradigms.flow.train_parts"
COPIED = ("coupling_masks", "Coupling", "Flow", "standardiser", "nll", "mixture_entropy")
ENTROPY = ("ENTROPY_SAMPLES = 200_000", "ENTROPY_SEED = 0")  # as the studio's train.py

STEP_NOISE = """
            if NOISE > 0:  # noise regularisation, from the batches' stream as in the studio
                batch = batch + NOISE * torch.randn(batch.shape, generator=generator).to(DEVICE)"""
STEP_CLIP = """
            torch.nn.utils.clip_grad_norm_(flow.parameters(), GRAD_CLIP)  # as the studio"""
RING_FINAL = """
    # the best NLL any model can reach: the entropy of the mixture the ring is drawn from
    entropy = mixture_entropy(ring_centres().astype(np.float32), RING_SPREAD, ENTROPY_SAMPLES,
                              ENTROPY_SEED)
    print(f"entropy {entropy:.4f}")
    print(f"nll_gap {losses['test'] - entropy:.4f}")"""


def _train(noise: bool, clip: bool, ring: bool) -> str:
    return f'''\
def train():
    """Maximum likelihood: every step lowers the batch's negative log-likelihood."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    rows = {{part: x.reshape(len(x), -1).float() for part, (x, _) in data.items()}}
    x = rows["train"]                                              # (n, dim)
    dim = x.shape[1]
    torch.manual_seed(SEED)  # the starting weights: one conditioner per coupling, in order
    couplings = [Coupling(Conditioner(), dim, kept, last, SCALE_BOUND, SHIFT_BOUND)
                 for kept, last in coupling_masks(dim, LAYERS)]
    flow = Flow(couplings, *standardiser(x)).to(DEVICE)
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = -(-n // batch_size)
    generator = torch.Generator().manual_seed(SEED)  # the order of the batches, as the studio
    batches = epoch_batches(n, batch_size, generator)
    optimizer = make_optimizer(flow.parameters(), LR, EPOCHS * steps_per_epoch)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        flow.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            batch = x[next(batches)]{STEP_NOISE if noise else ""}
            loss = nll(flow, batch)                                # nats per example
            optimizer.zero_grad(set_to_none=True)
            loss.backward(){STEP_CLIP if clip else ""}
            optimizer.step()
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}")
    flow.eval()
    with torch.no_grad():
        losses = {{part: nll(flow, part_x).item() for part, part_x in rows.items() if len(part_x)}}
    for part, value in losses.items():
        print(f"{{part}}_loss {{value:.4f}}"){RING_FINAL if ring else ""}
    return flow
'''


@register_script("flow")
def flow_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                script_name: str) -> str:
    """A stack of affine couplings, each with its own conditioner, trained by likelihood."""
    h = check.hparams
    refuse_unwritten(project, h)
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    if flow_sizes(ctx) is None:
        raise StudioError("A flow needs examples of at least two numbers, and this data has "
                          "fewer, so it cannot be written into a script.")
    task = context_task(ctx)
    y_text = "int64 class indices (n,)" if task == "classification" else "float32 targets"
    data, code = make_data_source(project.dataset, check.dataset_options, task,
                                  format_shape(ctx.inputs["x"]), y_text)
    if code.x_type != "float32":
        raise StudioError("A flow models numbers, and this data gives token ids, so it cannot "
                          "be written into a script.")
    ring = project.dataset == "ring"
    if ring:
        data = RING_CENTRES + "\n\n" + data
    rows = [(f"LAYERS = {h['layers']}", "coupling layers, each with its own conditioner"),
            (f"SCALE_BOUND = {h['scale_bound']!r}", "the largest log-scale one coupling applies"),
            (f"SHIFT_BOUND = {h['shift_bound']!r}", "the largest shift one coupling applies"),
            *([(f"NOISE = {h['noise']!r}", "noise put on every training batch")]
              if h["noise"] else []),
            *(((line, "the entropy's Monte Carlo draws, as in the studio") for line in ENTROPY)
              if ring else ())]
    definitions = [data, *networks(project, check, registry, {"conditioner": ("kept",)}),
                   BATCHES, optimizer_source(h), source_of(PARTS, *COPIED),
                   _train(bool(h["noise"]), bool(h["grad_clip"]), ring)]
    source = assemble(project, check, script_name, code, rows, definitions, imports=("math",))
    if "F." not in source:  # the flow's parts need no torch.nn.functional
        source = source.replace("import torch.nn.functional as F\n", "", 1)
    return source
