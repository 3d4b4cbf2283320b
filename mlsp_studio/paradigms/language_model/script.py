"""The script of a next-token language model (GPT-style) on the built-in corpus: the text,
the network, and a training loop that predicts every next token of random windows. The steps
(windows, loss, scores, sampling) are copied from ``train.py`` and ``text_common.py``, the
very code the studio runs; the loop and its prints from ``script_code.py``."""

from __future__ import annotations

from ...export.python_script import model_source
from ...export.script_common import assemble, optimizer_code, script_top
from ...export.script_paradigms import register_script
from ...export.script_text_data import corpus_source
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

STEPS = ("mlsp_studio.paradigms.language_model.train", "windows", "random_windows", "tiling",
         "window_scores", "next_token_loss", "next_token")
SAMPLING = ("mlsp_studio.paradigms.text_common", "sample_next")
LOOP = ("mlsp_studio.paradigms.language_model.script_code", "evaluate", "write", "train")


@register_script("language_model")
def language_model_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                          script_name: str) -> str:
    """A GPT-style script: random windows of the training text, next-token cross-entropy."""
    h, options = check.hparams, check.dataset_options
    level = options["level"]
    text = corpus_source(project.dataset, options)
    model = model_source("model", project.slots["model"], check.analyses["model"], registry,
                         True, vector_output=False)
    rows = [(f"SEQ_LEN = {options['seq_len']}", "tokens per window the model reads"),
            (f"TEMPERATURE = {h['temperature']!r}", "sampling: low is careful, high adventurous"),
            (f"TOP_K = {h['top_k']}", "sample among the k likeliest tokens; 0 = all"),
            (f"SAMPLE_LENGTH = {h['sample_length']}", "tokens written at the end"),
            (f"GAP = {' ' if level == 'word' else ''!r}", "written between two tokens")]
    top = script_top(project, h, options, script_name, rows,
                     imports=("import re",) if level == "word" else ())
    return assemble(top, [text, model, optimizer_code(), source_of(*STEPS),
                          source_of(*SAMPLING), source_of(*LOOP)])
