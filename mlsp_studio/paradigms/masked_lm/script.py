"""The script of a masked language model (BERT-style) on the built-in corpus: sentence rows,
15 % of their tokens hidden by BERT's rule, and the network learning to fill them in. The
steps (masking, loss, accuracy) are copied from ``train.py`` and ``text_common.py``, the very
code the studio runs; the rows, the loop and its prints from ``script_code.py``."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import model_source
from ...export.script_common import assemble, batches_code, optimizer_code, script_top
from ...export.script_paradigms import register_script
from ...export.script_text_data import corpus_source
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

MASKING = ("mlsp_studio.paradigms.text_common", "choose_positions", "corrupt")
STEPS = ("mlsp_studio.paradigms.masked_lm.train", "mask_tokens", "masked_prediction",
         "masked_accuracy")
CODE = "mlsp_studio.paradigms.masked_lm.script_code"
TOKENS = ("MASK", "RANDOM", "KEEP", "SPECIAL", "ORDINARY")  # one line each, copied together
LOOP = ("sentence_rows", "mask", "evaluate", "fixed_batch", "train")


@register_script("masked_lm")
def masked_lm_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                     script_name: str) -> str:
    """A BERT-style script: masked-token prediction on one sentence per row."""
    h, options = check.hparams, check.dataset_options
    if h["next_sentence"]:
        raise StudioError("The next_sentence setting cannot be written out as a script yet; "
                          "turn it off to export masked-token prediction alone.")
    word = options["level"] == "word"
    text = corpus_source(project.dataset, options)
    model = model_source("model", project.slots["model"], check.analyses["model"], registry,
                         True, vector_output=False)
    rows = [(f"SEQ_LEN = {options['seq_len']}", "tokens per row (one sentence)"),
            (f"MASK_FRACTION = {h['mask_fraction']!r}", "share of tokens hidden in each row"),
            (f"CLS_FIRST = {word}", "each row starts with the class token <cls>")]
    top = script_top(project, h, options, script_name, rows,
                     imports=("import re",) if word else ())
    return assemble(top, [text, model, optimizer_code(), batches_code(),
                          "".join(source_of(CODE, name) for name in TOKENS),
                          source_of(*MASKING), source_of(*STEPS), source_of(CODE, *LOOP)])
