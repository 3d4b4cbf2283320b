"""The script of an autoencoder project: encoder and decoder as classes (written from the
canvas), the input noise, the reconstruction loss on clean targets and the studio's final
metrics copied from ``train.py`` and ``snapshots.py``, the code the studio runs, and the loop
with its prints from ``script_code.py``. Only the settings are written here."""

from __future__ import annotations

from ...export.script_common import batches_code, optimizer_code
from ...export.script_gen_common import assemble, networks, settings_and_data
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

TRAIN = "mlsp_studio.paradigms.autoencoder.train"
COPIED = ("corrupt", "is_normal", "reconstruction_loss", "reconstruction_errors", "NEIGHBOURS",
          "knn_accuracy")
SCORES = "mlsp_studio.paradigms.autoencoder.snapshots"
CODE = "mlsp_studio.paradigms.autoencoder.script_code"


@register_script("autoencoder")
def autoencoder_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """Encoder (x → code) and decoder (code → x) trained on the reconstruction error."""
    h, data, code = settings_and_data(project, check, "encoder", "An autoencoder rebuilds")
    normal = sorted(set(h["normal_classes"]))
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    rows = [(f"LATENT = {h['latent']}", "numbers in the code between encoder and decoder"),
            (f"NOISE = {h['noise']!r}", "the encoder's input noise: none, gaussian, masking, "
                                        "salt_pepper"),
            (f"NOISE_LEVEL = {h['noise_level']!r}", "how much noise"),
            (f"NORMAL_CLASSES = {normal!r}", "anomaly detection: the normal classes ([]: off)"),
            (f"LABELLED = {context_task(ctx) == 'classification'}",
             "the data has classes: measure how well the codes keep them apart")]
    definitions = [data, *networks(project, check, registry,
                                   {"encoder": ("x",), "decoder": ("z",)}),
                   batches_code(), optimizer_code(), source_of(TRAIN, *COPIED),
                   source_of(SCORES, "clean_scores", "auroc"),
                   source_of(CODE, "rebuild", "train")]
    return assemble(project, check, script_name, code, rows, definitions)
