"""The script of a word2vec project: skip-gram with negative sampling on the corpus's
sentences, scored by how many of a word's nearest neighbours share its kind. The steps (the
pairs, the noise, the loss, the score) are copied from ``train.py`` and ``text_common.py``,
the very code the studio runs; the loop and its prints from ``script_code.py``."""

from __future__ import annotations

from ...export.python_script import model_source
from ...export.script_common import assemble, batches_code, optimizer_code, script_top
from ...export.script_paradigms import register_script
from ...export.script_text_data import corpus_source
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

COMMON = ("mlsp_studio.paradigms.text_common", "noise_distribution", "unit_rows",
          "neighbour_precision")
STEPS = ("mlsp_studio.paradigms.word2vec.train", "skipgram_pairs", "center_vectors",
         "context_table", "negative_samples", "skipgram_loss")
CODE = "mlsp_studio.paradigms.word2vec.script_code"


@register_script("word2vec")
def word2vec_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """Skip-gram with negative sampling; the context vectors are a table of the loop's own."""
    h, options = check.hparams, check.dataset_options
    text = corpus_source(project.dataset, options)
    analysis = check.analyses["model"]
    model = model_source("model", project.slots["model"], analysis, registry, True,
                         vector_output=False)
    dim = analysis.shapes[analysis.outputs[0]][-1]
    rows = [(f"WINDOW = {h['window']}", "words on each side that count as context"),
            (f"NEGATIVES = {h['negatives']}", "random words drawn per true context word"),
            (f"DIM = {dim}", "numbers in a word's vector")]
    # the annotations of the copied neighbour_precision name Sequence
    imports = (*(("import re",) if options["level"] == "word" else ()),
               "from collections.abc import Sequence")
    top = script_top(project, h, options, script_name, rows, imports=imports)
    return assemble(top, [text, model, optimizer_code(), batches_code(),
                          source_of(CODE, "SPECIAL") + source_of(CODE, "GROUP"),
                          source_of(*COMMON), source_of(*STEPS),
                          source_of(CODE, "precision", "train")])
