"""The scripts of the contrastive projects. SimCLR: two randomly altered views of each
example, one encoder, the NT-Xent (InfoNCE) loss; the labels are only used afterwards, by a
linear probe. Cross-modal (CLIP-style): digit images and keypad sounds of the same digit, one
encoder each into a shared space, the symmetric InfoNCE loss.

The alterations, the losses, the probe and the retrieval score are copied from
``train_augment.py`` and ``train_info_nce.py``, the code the studio runs; the training loops
and the paired data from ``script_code.py``. Only the settings are written here."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _attr_name, model_source
from ...export.script_common import assemble, batches_code, optimizer_code, script_top
from ...export.script_data import SPLIT, classification_data, only_dataset
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.paired_datasets import digit_tones
from ...model.project import Project, ProjectCheck

CODE = "mlsp_studio.paradigms.contrastive.script_code"
AUGMENT = source_of("mlsp_studio.paradigms.contrastive.train_augment", "ERASE_SHARE",
                    "uniform", "crop_and_shift", "shift_in_time", "erase_patches", "alter")
INFO_NCE = "mlsp_studio.paradigms.contrastive.train_info_nce"
ALTERATIONS = {"SHIFT": "images: moved by up to this many pixels",
               "CROP": "images: a crop cuts up to this share of the side",
               "TIME_SHIFT": "signals: moved by up to this share of the length",
               "SCALE": "every value times 1 +- up to this",
               "ADD_NOISE": "the spread of the noise added",
               "ERASE": "the chance of a blanked patch"}


def _as_train(name: str) -> str:
    """The training loop ``name`` of ``script_code.py``, as the ``train()`` a script runs."""
    return source_of(CODE, name).replace(f"def {name}(", "def train(", 1)


@register_script("contrastive")
def contrastive_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """SimCLR on the project's data, scored by a linear probe on the learned codes."""
    h, options = check.hparams, check.dataset_options
    graph, analysis = project.slots["encoder"], check.analyses["encoder"]
    data, code = classification_data(
        project, options,
        "A contrastive script needs a classification dataset: its labels score the learned codes.")
    model = model_source("encoder", graph, analysis, registry, True)
    heads = [n for n in analysis.order if graph.nodes[n].type == "ProjectionHead"]
    probed = _attr_name(graph.nodes[max(heads)]) if heads else None
    rows = [(f"TEMPERATURE = {h['temperature']!r}", "of the similarities in the loss"),
            (f"AUGMENT = {h['augment']!r}", "alter the views at random (off: both the same)"),
            *((f"{k} = {h[k.lower()]!r}", why) for k, why in ALTERATIONS.items()),
            (f"PROBED = {probed!r}", "a probe scores this layer's input (None: the output)")]
    top = script_top(project, h, options, script_name, rows, sklearn=bool(code.imports))
    return assemble(top, [SPLIT, data, model, optimizer_code(), batches_code(), AUGMENT,
                          source_of(CODE, "augment"),
                          source_of(INFO_NCE, "nt_xent", "probe_accuracy"),
                          source_of(CODE, "codes"), _as_train("train_views")])


@register_script("cross_modal")
def cross_modal_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """Images and sounds of digits, two encoders, the symmetric InfoNCE loss."""
    h, options = check.hparams, check.dataset_options
    only_dataset(project, "paired_digits", "cross-modal", "the paired digits")
    models = [model_source(slot, project.slots[slot], check.analyses[slot], registry, True,
                           sources=("x", "pair")) for slot in ("encoder_a", "encoder_b")]
    for slot, text in zip(("encoder_a", "encoder_b"), models, strict=True):
        if text.count("def forward(self, ") != 1 or "forward(self, x, pair)" in text:
            raise StudioError(f"The network {slot!r} reads both kinds of data; a script "
                              "gives each encoder one.")
    reads = ["pair" if "forward(self, pair)" in text else "x" for text in models]
    if reads != ["x", "pair"]:
        raise StudioError("A script needs encoder_a to read the images (source 'x') and "
                          "encoder_b the sounds (source 'pair').")
    tones = [list(digit_tones(d)) for d in range(10)]
    rows = [(f"LENGTH = {options['length']}", "samples per sound"),
            (f"NOISE = {options['noise']!r}", "noise added to the sounds"),
            (f"TEMPERATURE = {h['temperature']!r}", "of the similarities in the loss"),
            (f"AUGMENT = {h['augment']!r}", "alter the pairs at random"),
            *((f"{k} = {h[k.lower()]!r}", why) for k, why in ALTERATIONS.items())]
    top = script_top(project, h, options, script_name, rows, sklearn=True)
    table = "TONES = np.array([  # (row, column) tone of each digit's key, cycles per 64\n"
    table += "".join(f"    {pair!r},  # {d}\n" for d, pair in enumerate(tones)) + "])"
    return assemble(top, [table, source_of(CODE, "make_data"), *models, optimizer_code(),
                          batches_code(), AUGMENT, source_of(CODE, "augment"),
                          source_of(INFO_NCE, "cosine_matrix", "symmetric_info_nce",
                                    "class_top1"),
                          source_of(CODE, "retrieval_top1"), _as_train("train_pairs")])
