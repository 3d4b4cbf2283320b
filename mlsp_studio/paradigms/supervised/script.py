"""The script of a supervised project: the data, the network drawn on the canvas, and the
training loop. The loss, the accuracy and the chunked predictions are copied from
``train_parts.py`` (the code the studio runs), the optimiser and the batch order from the
studio's ``paradigms/optim.py`` and ``paradigms/batching.py``, the moving of pictures from
``paradigms/augment.py``; the loop, the ensemble and the augmentations that only the script
needs from ``script_code.py``. Only the settings, the network and the data are written here."""

from __future__ import annotations

from ...export.python_script import _constants, _header, model_source
from ...export.script_common import batches_code, optimizer_code
from ...export.script_data import SPLIT, make_data_source
from ...export.script_paradigms import register_script
from ...export.script_regularize import POINTS, input_kind
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry, format_shape
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

PARTS = "mlsp_studio.paradigms.supervised.train_parts"
CODE = "mlsp_studio.paradigms.supervised.script_code"
PICTURES = "mlsp_studio.paradigms.augment"


def _augmentation(kind: str) -> tuple[str, str]:
    """The class that alters training batches of inputs of ``kind``, and its code."""
    if kind in POINTS:
        return "PointAugmentation", source_of(CODE, "PointAugmentation")
    if kind == "image":
        return "PictureAugmentation", (source_of(PICTURES, "_as_pictures", "_shifted")
                                       + "\n\n" + source_of(CODE, "PictureAugmentation"))
    return "SignalAugmentation", source_of(CODE, "SignalAugmentation")


@register_script("supervised")
def supervised_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                      script_name: str) -> str:
    """Inputs to labels: cross-entropy for classes, mean squared error for numbers."""
    h, options = check.hparams, check.dataset_options
    analysis = check.analyses["model"]
    ctx = dataset_context(project.dataset, options)[1]
    classify = context_task(ctx) == "classification"
    x_shape = format_shape(analysis.shapes[analysis.inputs[0]])
    # one class per token (tagging, counting…): the output is (L, classes), the labels (n, L)
    per_token = classify and len(analysis.shapes[analysis.outputs[0]]) == 2
    y_text = ("int64 class indices (n, L), one per token" if per_token
              else "int64 class indices (n,)" if classify
              else f"float32 targets (n, {ctx.num_targets})")
    data, code = make_data_source(project.dataset, options, context_task(ctx), x_shape, y_text)
    rows = ((f"CLASSIFY = {classify!r}", "classes by cross-entropy (False: numbers by MSE)"),)
    settings = _constants(project, h, options, code.constants, rows)
    model = model_source("model", project.slots["model"], analysis, registry, classify,
                         vector_output=not per_token)
    choices = []
    parts = [SPLIT, data, model]
    if h.get("ensemble", 1) > 1:
        choices.append("network=Ensemble")
        parts.append(source_of(CODE, "Ensemble"))
    parts.append(source_of(PARTS, "supervised_loss", "accuracy", "predict"))
    if h.get("augment"):  # token data was refused with the settings above
        name, source = _augmentation(input_kind(project))
        choices.append(f"augmentation={name}")
        parts.append(source)
    parts += [optimizer_code(), batches_code(), source_of(CODE, "evaluate", "train"),
              f'if __name__ == "__main__":\n    train({", ".join(choices)})']
    imports = ["import math", "import os", "", "import numpy as np", "import torch",
               "import torch.nn.functional as F", *code.imports, "from torch import nn"]
    top = [_header(project, script_name, code.imports), "\n".join(imports), settings]
    return ("\n\n".join(top) + "\n\n\n"
            + "\n\n\n".join(part.strip("\n") for part in parts) + "\n")
