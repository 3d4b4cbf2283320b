"""Parts shared by the scripts of the autoencoder, GAN, diffusion and flow projects: the top
of the script, its networks, the ring dataset written out in numpy, and the assembly of the
parts. The batch order and the optimiser come from ``script_common`` (``batches_code``,
``optimizer_code``), copied from the code the studio runs."""

from __future__ import annotations

import re
from typing import Any

from ..errors import StudioError
from ..model.blocks import BlockRegistry, format_shape
from ..model.datasets import context_task, dataset_context
from ..model.project import Project, ProjectCheck
from .python_script import OPTIMIZERS, _aligned, _constants, _header, model_source
from .script_data import DATA_WRITERS, SPLIT, STREAMS, DataCode, make_data_source
from .source_copy import source_of


def _ring(o: dict[str, Any], task: str) -> DataCode:
    return DataCode("Gaussian clouds around RING_MODES centres evenly spaced on a circle.",
                    STREAMS + "".join(f"    {line}\n" for line in (
                        "x, y = cloud_points(RING_SAMPLES, ring_centres(), RING_SPREAD, rng)",
                        "return split(x, y, classification=True, rng=split_rng)")),
                    constants=(f"RING_SAMPLES = {o['n_samples']!r}",
                               f"RING_MODES = {o['modes']!r}", f"RING_RADIUS = {o['radius']!r}",
                               f"RING_SPREAD = {o['spread']!r}"))


# ``ring_centres()``: the centres of the ring's clouds from the settings RING_MODES and
# RING_RADIUS, drawn by the studio's ``circle_centres``
RING_CENTRES = (source_of("mlsp_studio.data.toys", "circle_centres") + "\n\n"
                + source_of("mlsp_studio.data.script_code", "ring_centres"))

DATA_WRITERS.setdefault("ring", _ring)


def refuse_unwritten(project: Project, hparams: dict[str, Any]) -> None:
    """Settings a script does not carry out are refused in one sentence, never dropped."""
    if hparams.get("patience"):
        raise StudioError(f"The setting patience={hparams['patience']} (early stopping) cannot "
                          "be written into a script yet; set it to 0 to export.")
    if hparams["optimizer"] not in OPTIMIZERS:
        raise StudioError(f"The optimizer {hparams['optimizer']!r} cannot be written into a "
                          "script yet.")


def settings_and_data(project: Project, check: ProjectCheck, slot: str | None,
                      doing: str) -> tuple[dict[str, Any], str, DataCode]:
    """The checked settings (those a script does not carry out are refused), then
    ``make_data`` (and the ring's centres where the data is the ring) and the rest of the
    data's code, x shaped as the network ``slot`` reads it (None: as the dataset gives it).
    These networks work on numbers: data of token ids is refused in one sentence that begins
    with ``doing`` ("A GAN draws")."""
    refuse_unwritten(project, check.hparams)
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    task = context_task(ctx)
    x_shape = (ctx.inputs["x"] if slot is None
               else check.analyses[slot].shapes[check.analyses[slot].inputs[0]])
    y_text = "int64 class indices (n,)" if task == "classification" else "float32 targets"
    data, code = make_data_source(project.dataset, check.dataset_options, task,
                                  format_shape(x_shape), y_text)
    if code.x_type != "float32":
        raise StudioError(f"{doing} numbers, and this data gives token ids, so it cannot be "
                          "written into a script.")
    if project.dataset == "ring":
        data = RING_CENTRES + "\n\n" + data
    return check.hparams, data, code


def networks(project: Project, check: ProjectCheck, registry: BlockRegistry,
             sources: dict[str, tuple[str, ...]]) -> list[str]:
    """Every network of the project as a class, in the studio's slot order."""
    return [model_source(slot, graph, check.analyses[slot], registry, False,
                         vector_output=False, sources=sources[slot])
            for slot, graph in project.slots.items()]


def assemble(project: Project, check: ProjectCheck, script_name: str, code: DataCode,
             rows: list[tuple[str, str]], definitions: list[str],
             main: tuple[str, ...] = ("train()",)) -> str:
    """The whole script: header, imports, constants (the studio's and ``rows``), then the
    definitions and the lines run as the main program (``main``: by default ``train()``).
    ``math`` and ``F`` are imported when the definitions use them."""
    hparams = check.hparams
    body = "\n\n\n".join(part.strip("\n") for part in [SPLIT, *definitions] if part.strip())
    lines = [*(["import math"] if "math." in body else []), "import os", "",
             "import numpy as np", "import torch",
             *(["import torch.nn.functional as F"] if re.search(r"\bF\.", body) else []),
             *code.imports, "from torch import nn"]
    constants = _constants(project, hparams, check.dataset_options, code.constants)
    head = _header(project, script_name, code.imports,
                   f"the networks ({' and '.join(project.slots)})",
                   "the studio's final measures, under the names the studio gives them")
    top = [head, "\n".join(lines), constants + "\n" + "\n".join(_aligned(rows, ""))]
    run = "\n".join(f"    {line}" for line in main)
    return ("\n\n".join(top) + "\n\n\n" + body
            + f'\n\n\nif __name__ == "__main__":\n{run}\n')
