"""The script of a sequence-to-sequence project: an encoder reads the source digits, a decoder
writes the target one token at a time; teacher forcing while training, greedy decoding to
score. The steps (decoder input, greedy decoding, loss, scores) are copied from ``train.py``,
the very code the studio runs; the loop and its prints from ``script_code.py``."""

from __future__ import annotations

from ...export.python_script import _source_shapes, model_source
from ...export.script_common import assemble, batches_code, optimizer_code, script_top
from ...export.script_data import SPLIT, make_data_source, only_dataset
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model import seq_datasets as sd
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

STEPS = ("mlsp_studio.paradigms.seq2seq.train", "shift_right", "greedy_decode", "teacher_forced",
         "decoder_input", "sequence_loss", "token_accuracy", "exact_match")
LOOP = ("mlsp_studio.paradigms.seq2seq.script_code", "scorer", "evaluate", "train")


@register_script("seq2seq")
def seq2seq_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                   script_name: str) -> str:
    """An encoder-decoder script on source/target token pairs."""
    h, options = check.hparams, check.dataset_options
    only_dataset(project, "seq_pairs", "sequence-to-sequence",
                 "the copy, reverse, sort, add pairs")
    analysis = check.analyses["model"]
    graph = project.slots["model"]
    order = list(_source_shapes(graph, analysis, registry))
    ctx = dataset_context(project.dataset, options)[1]
    data, _ = make_data_source(project.dataset, options, context_task(ctx),
                               f"(N, {ctx.inputs['x'][0]})", "int64 target ids (n, Lt)")
    model = model_source("model", graph, analysis, registry, True, vector_output=False,
                         sources=("x", "dec"))
    tokenizer = sd.seq_pairs_tokenizer(options["operation"])
    bos, pad = tokenizer.vocab.index(sd.BOS), int(getattr(tokenizer, "pad_id", 0) or 0)
    rows = [(f"SOURCES = {tuple(order)!r}", "the network's inputs, in the order it takes them"),
            (f"BOS = {bos}", "the start token's id: the decoder's first input"),
            (f"PAD = {pad}", "the padding token's id: the decoder input not yet written"),
            (f"TEACHER_FORCING = {h['teacher_forcing']!r}",
             "share of steps the decoder reads the true previous tokens")]
    top = script_top(project, h, options, script_name, rows)
    parts = [SPLIT, data, model, optimizer_code(), batches_code(), source_of(*STEPS),
             source_of(*LOOP)]
    return assemble(top, parts)
