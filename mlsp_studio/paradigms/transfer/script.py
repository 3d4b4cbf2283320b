"""The script of a transfer-learning project: pre-train the network on the source classes,
start its output layer afresh, then adapt to the target classes by fine-tuning every weight,
a linear probe (the body frozen) or LoRA (the body frozen, low-rank corrections beside it).

A task's examples, the pre-training batches, the loss, the accuracy and what trains in each
mode are copied from ``train.py`` (the code the studio runs), the adapter from ``nn/lora.py``
and the training loop from ``script_code.py``; only the settings are written here."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _attr_name, model_source
from ...export.script_common import assemble, batches_code, optimizer_code, script_top
from ...export.script_data import SPLIT, classification_data
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

LORA_TYPES = {"dense": ("Dense",), "conv": ("Conv1d", "Conv2d"),
              "dense_conv": ("Dense", "Conv1d", "Conv2d")}

LORA = source_of("mlsp_studio.nn.lora", "LowRankAdapter")
TASKS = source_of("mlsp_studio.paradigms.transfer.train", "task_splits", "pretrain_rows",
                  "task_loss", "accuracy", "adapted_params")
TRAIN = source_of("mlsp_studio.paradigms.transfer.script_code", "train")


@register_script("transfer")
def transfer_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """Pre-train, then fine-tune / probe / LoRA, printing what trains and what is forgotten."""
    h, options = check.hparams, check.dataset_options
    graph, analysis = project.slots["model"], check.analyses["model"]
    data, code = classification_data(project, options,
                                     "Transfer learning needs a classification dataset.")
    model = model_source("model", graph, analysis, registry, True)
    heads = [n for n in analysis.order if graph.nodes[n].type == "ClassifierHead"]
    if len(heads) != 1:
        raise StudioError("Transfer learning needs a network with exactly one ClassifierHead.")
    head = _attr_name(graph.nodes[heads[0]])
    adapted = [_attr_name(graph.nodes[n]) for n in analysis.order
               if graph.nodes[n].type in LORA_TYPES[h["lora_layers"]]]
    rows = [(f"PRETRAIN_STEPS = {h['pretrain_steps']}", "steps on the source classes first"),
            (f"SOURCE_CLASSES = {tuple(h['source_classes'])!r}", "the task learned first"),
            (f"TARGET_CLASSES = {tuple(h['target_classes'])!r}", "the task adapted to"),
            (f"TARGET_EXAMPLES = {h['target_examples']}", "target training rows; 0 = all"),
            (f"TARGET_NOISE = {h['target_noise']!r}", "a fixed shift of the target inputs"),
            (f'MODE = "{h["mode"]}"', "finetune, probe or lora"),
            (f"HEAD = {head!r}", "the output layer, started afresh for the target"),
            (f"RANK = {h['lora_rank']}", "LoRA: the rank r of each correction B A"),
            (f"ALPHA = {h['lora_alpha']!r}", "LoRA: the update is scaled by ALPHA / RANK"),
            (f"ADAPTED = {adapted!r}", "LoRA: the layers that get a correction")]
    top = script_top(project, h, options, script_name, rows, sklearn=bool(code.imports))
    return assemble(top, [SPLIT, data, model, LORA, optimizer_code(), batches_code(), TASKS,
                          TRAIN])
