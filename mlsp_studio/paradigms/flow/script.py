"""The script of a normalizing-flow project: the conditioner as a class (written from the
canvas like every network), the flow itself (coupling layer, both directions, jitter, NLL,
entropy of the ring) copied from ``train_parts.py``, the very code the studio runs, and the
loop that calls those parts with its final prints, copied from ``script_code.py``. Only the
settings are written here."""

from __future__ import annotations

from ...errors import StudioError
from ...export.script_common import batches_code, optimizer_code
from ...export.script_gen_common import assemble, networks, settings_and_data
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.datasets import dataset_context
from ...model.project import Project, ProjectCheck
from .settings import flow_sizes

PARTS = "mlsp_studio.paradigms.flow.train_parts"
CODE = "mlsp_studio.paradigms.flow.script_code"
COPIED = ("coupling_masks", "Coupling", "Flow", "standardiser", "jittered", "nll",
          "mixture_entropy")
ENTROPY = ("ENTROPY_SAMPLES = 200_000", "ENTROPY_SEED = 0")  # as the studio's train.py


@register_script("flow")
def flow_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                script_name: str) -> str:
    """A stack of affine couplings, each with its own conditioner, trained by likelihood."""
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    if flow_sizes(ctx) is None:
        raise StudioError("A flow needs examples of at least two numbers, and this data has "
                          "fewer, so it cannot be written into a script.")
    h, data, code = settings_and_data(project, check, None, "A flow models")
    ring = project.dataset == "ring"
    rows = [(f"LAYERS = {h['layers']}", "coupling layers, each with its own conditioner"),
            (f"SCALE_BOUND = {h['scale_bound']!r}", "the largest log-scale one coupling applies"),
            (f"SHIFT_BOUND = {h['shift_bound']!r}", "the largest shift one coupling applies"),
            (f"NOISE = {h['noise']!r}", "jitter put on every training batch (0: none)"),
            *(((line, "the entropy's Monte Carlo draws, as in the studio") for line in ENTROPY)
              if ring else ())]
    code_parts = ("train", "report_entropy") if ring else ("train",)
    definitions = [data, *networks(project, check, registry, {"conditioner": ("kept",)}),
                   batches_code(), optimizer_code(), source_of(PARTS, *COPIED),
                   source_of(CODE, *code_parts)]
    main = ("_, losses = train()", "report_entropy(losses)") if ring else ("train()",)
    return assemble(project, check, script_name, code, rows, definitions, main)
