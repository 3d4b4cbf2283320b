"""Parts shared by the scripts of the autoencoder, GAN and diffusion projects: the top of the
script, the batch order, the optimiser, and the ring dataset written out in numpy."""

from __future__ import annotations

import textwrap
from typing import Any

from ..errors import StudioError
from ..model.blocks import BlockRegistry, format_shape
from ..model.datasets import context_task, dataset_context
from ..model.project import Project, ProjectCheck
from .python_script import (
    OPTIMIZERS,
    SCHEDULE_SOURCE,
    _aligned,
    _constants,
    _scheduled,
    model_source,
)
from .script_data import DATA_WRITERS, SPLIT, STREAMS, DataCode, make_data_source

BATCHES = '''\
def epoch_batches(n, batch_size, generator):
    """Row indices batch by batch, without end: every epoch visits the rows in a new random
    order. The next epoch's order is drawn as its last batch is handed out, as the studio does,
    so the noise drawn from the same stream stays in step with the studio's."""
    order = torch.randperm(n, generator=generator)
    while True:
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            if start + batch_size >= n:
                order = torch.randperm(n, generator=generator)
            yield batch.to(DEVICE)
'''


def _ring(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Gaussian clouds around RING_MODES centres evenly spaced on a circle.",
                    STREAMS + """
    n = RING_SAMPLES
    y = np.arange(n) % RING_MODES                  # (n,) the cloud of each point
    x = ring_centres()[y] + rng.normal(0.0, RING_SPREAD, (n, 2))  # (n, 2)
    return split(x, y, classification=True, rng=split_rng)
""", constants=(f"RING_SAMPLES = {o['n_samples']!r}", f"RING_MODES = {o['modes']!r}",
                f"RING_RADIUS = {o['radius']!r}", f"RING_SPREAD = {o['spread']!r}"))


RING_CENTRES = '''\
def ring_centres():
    """The centres of the ring's clouds, (RING_MODES, 2)."""
    angle = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
'''

DATA_WRITERS.setdefault("ring", _ring)


def refuse_unwritten(project: Project, hparams: dict[str, Any]) -> None:
    """Settings a script does not carry out are refused in one sentence, never dropped."""
    if hparams.get("patience"):
        raise StudioError(f"The setting patience={hparams['patience']} (early stopping) cannot "
                          "be written into a script yet; set it to 0 to export.")
    if hparams["optimizer"] not in OPTIMIZERS:
        raise StudioError(f"The optimizer {hparams['optimizer']!r} cannot be written into a "
                          "script yet.")


def data_source(project: Project, check: ProjectCheck, slot: str) -> tuple[str, DataCode]:
    """``make_data`` (and the ring's centres where the data is the ring)."""
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    task = context_task(ctx)
    x_shape = format_shape(check.analyses[slot].shapes[check.analyses[slot].inputs[0]])
    y_text = "int64 class indices (n,)" if task == "classification" else "float32 targets"
    data, code = make_data_source(project.dataset, check.dataset_options, task, x_shape,
                                  y_text)
    if project.dataset == "ring":
        data = RING_CENTRES + "\n\n" + data
    return data, code


def networks(project: Project, check: ProjectCheck, registry: BlockRegistry,
             sources: dict[str, tuple[str, ...]]) -> list[str]:
    """Every network of the project as a class, in the studio's slot order."""
    return [model_source(slot, graph, check.analyses[slot], registry, False,
                         vector_output=False, sources=sources[slot])
            for slot, graph in project.slots.items()]


def optimizer_source(hparams: dict[str, Any], betas: str | None = None) -> str:
    """``make_optimizer(params, lr, total_steps)`` as the studio's ``make_optimizer``."""
    name = OPTIMIZERS[hparams["optimizer"]]
    extra = ""
    if hparams["optimizer"] == "sgd":
        extra += ", momentum=MOMENTUM" + (", nesterov=True" if hparams.get("nesterov") else "")
    if hparams["weight_decay"] or hparams["optimizer"] == "adamw":
        extra += ", weight_decay=WEIGHT_DECAY"
    if betas and hparams["optimizer"] in ("adam", "adamw"):
        extra += f", betas={betas}"
    if not _scheduled(hparams):
        return f'''\
def make_optimizer(params, lr, total_steps):
    """The optimiser of some weights; the learning rate stays lr for all total_steps steps."""
    return torch.optim.{name}(params, lr=lr{extra})
'''
    return SCHEDULE_SOURCE.strip("\n") + f'''


def make_optimizer(params, lr, total_steps):
    """The optimiser of some weights, with the learning-rate schedule over total_steps steps:
    the schedule moves on after every step of the optimiser."""
    optimizer = torch.optim.{name}(params, lr=lr{extra})
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps))
    optimizer.register_step_post_hook(lambda *_: schedule.step())
    return optimizer
'''


def header(project: Project, script_name: str, sklearn: bool) -> str:
    """The script's docstring: the project's title and description, what it needs, how to
    run it."""
    title = str(project.ui.get("title") or project.name)
    paragraphs = [title.rstrip(".") + "."]
    if project.description.strip():
        paragraphs.append(textwrap.fill(project.description.strip(), 88))
    needs = "numpy, torch and scikit-learn" if sklearn else "numpy and torch"
    nets = " and ".join(project.slots)
    paragraphs.append(textwrap.fill(
        f'The MLSP Studio project "{project.name}" as one PyTorch script: the data, the '
        f"networks ({nets}) and the training loop. It needs {needs} only, and ends by "
        "printing the studio's final measures, under the names the studio gives them.", 88))
    paragraphs.append(f"Run it with\n\n    python {script_name}\n\n"
                      f"or, for a shorter run, EPOCHS=5 python {script_name}")
    text = "\n\n".join(paragraphs).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}\n"""'


def assemble(project: Project, check: ProjectCheck, script_name: str, code: DataCode,
             rows: list[tuple[str, str]], definitions: list[str],
             imports: tuple[str, ...] = ()) -> str:
    """The whole script: header, imports, constants (the studio's and ``rows``), then the
    definitions and the call of ``train``."""
    hparams = check.hparams
    lines = [*(["import math"] if _scheduled(hparams) or "math" in imports else []),
             "import os", "", "import numpy as np", "import torch",
             "import torch.nn.functional as F", *code.imports, "from torch import nn"]
    constants = _constants(project, hparams, check.dataset_options, code.constants)
    top = [header(project, script_name, bool(code.imports)), "\n".join(lines),
           constants + "\n" + "\n".join(_aligned(rows, ""))]
    parts = [SPLIT, *definitions, 'if __name__ == "__main__":\n    train()']
    return ("\n\n".join(top) + "\n\n\n"
            + "\n\n\n".join(part.strip("\n") for part in parts) + "\n")
