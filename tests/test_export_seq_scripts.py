"""Scripts of the sequence, text and transfer projects: they compile, make the studio's data,
build the studio's networks, and a short run prints the metric the studio reports, with the
studio's value on the same small budget."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest
import torch
from script_checks import load_script, preset_projects

from mlsp_studio.data import make_dataset
from mlsp_studio.engine import Engine
from mlsp_studio.errors import StudioError
from mlsp_studio.export.python_script import python_source
from mlsp_studio.export.script_data import SPLIT, make_data_source
from mlsp_studio.export.script_text_data import corpus_source
from mlsp_studio.export.source_copy import source_of
from mlsp_studio.model.datasets import dataset_context
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project

PARADIGM_PRESETS = ("gpt-chars", "bert-mlm", "seq2seq-attention", "transfer-lora",
                    "contrastive-digits", "word2vec", "cross-modal")
REFUSED_VARIANTS = {("bert-mlm", "next-sentence")}
PROJECTS = preset_projects(PARADIGM_PRESETS, REFUSED_VARIANTS)


@pytest.mark.parametrize("name,project", PROJECTS, ids=[n for n, _ in PROJECTS])
def test_script_builds_the_studios_network(name: str, project: Project) -> None:
    source = python_source(project)
    assert all(len(line) <= 100 for line in source.splitlines()), name
    assert "mlsp_studio" not in source
    script = load_script(source)
    engine = Engine(project)
    engine.build()
    torch.manual_seed(project.seed)  # the networks are built one after the other, slot order
    models = {slot: script["".join(w.title() for w in slot.split("_"))]()
              for slot in project.slots}
    for slot, model in models.items():
        net = engine.nets[slot]
        pairs = list(zip(model.parameters(), net.parameters(), strict=True))
        assert sum(p.numel() for p in model.parameters()) == \
            sum(p.numel() for p in net.parameters())
        assert all(a.shape == b.shape and torch.equal(a, b) for a, b in pairs), slot


def test_a_setting_the_script_cannot_write_is_named_in_one_sentence() -> None:
    project = load_preset("bert-mlm").with_variant("next-sentence")
    with pytest.raises(StudioError) as err:
        python_source(project)
    text = str(err.value)
    assert "next_sentence" in text and "\n" not in text and text.count(". ") == 0


# the studio's own steps each text and sequence script copies as they stand
COPIED_STEPS = [
    ("seq2seq-attention", "seq2seq", ("greedy_decode", "teacher_forced", "decoder_input",
                                      "sequence_loss", "token_accuracy", "exact_match")),
    ("gpt-chars", "language_model", ("random_windows", "window_scores", "next_token_loss",
                                     "next_token")),
    ("bert-mlm", "masked_lm", ("mask_tokens", "masked_prediction", "masked_accuracy")),
    ("word2vec", "word2vec", ("skipgram_pairs", "negative_samples", "skipgram_loss")),
]


@pytest.mark.parametrize("name,folder,names", COPIED_STEPS, ids=[c[0] for c in COPIED_STEPS])
def test_the_script_copies_the_studios_steps(name: str, folder: str, names: tuple) -> None:
    source = python_source(load_preset(name))
    assert all(source_of(f"mlsp_studio.paradigms.{folder}.train", n) in source for n in names)
    assert source_of(f"mlsp_studio.paradigms.{folder}.script_code", "train") in source
    # the optimiser and the batches are the studio's too (make_optimizer, EpochBatches)
    assert not re.search(r"^\s*scheduler\.step\(\)$", source, re.MULTILINE)
    for old in ("optimizer = torch.optim.", "epoch_batches", "order[start:start"):
        assert old not in source
    assert "batches = EpochBatches(" in source or name == "gpt-chars"  # random windows there


SEQ_DATA = [("recall", {"delay": 12, "n_samples": 400}), ("tagging", {"n_samples": 300}),
            ("counting", {"with_step": False}), ("token_map", {"operation": "sort"}),
            ("seq_pairs", {"operation": "add", "n_samples": 300}), ("seq_pairs", {}),
            ("events", {"n_samples": 200}), ("spectrograms", {"n_samples": 200})]


@pytest.mark.parametrize("name,options", SEQ_DATA, ids=[f"{n}{o}" for n, o in SEQ_DATA])
def test_sequence_data_is_the_studios(name: str, options: dict) -> None:
    values, _ = dataset_context(name, options)
    source, _ = make_data_source(name, values, "classification", "(N, L)", "labels")
    script = load_script("import numpy as np\nimport torch\n"
                   f"VAL_FRACTION = {values['val_fraction']!r}\n"
                   f"TEST_FRACTION = {values['test_fraction']!r}\n" + SPLIT + "\n" + source)
    parts = script["make_data"](values["data_seed"])
    for part, split in make_dataset(name, options).splits().items():
        x, y = parts[part]
        assert x.dtype == split.x.dtype and y.dtype == split.y.dtype, part
        assert torch.equal(x, split.x) and torch.equal(y, split.y), part


@pytest.mark.parametrize("options", [{"level": "char", "patterns": 0.3, "n_paragraphs": 120},
                                     {"level": "word", "n_paragraphs": 120}])
def test_corpus_text_is_the_studios(options: dict) -> None:
    values, _ = dataset_context("corpus", options)
    script = load_script("import re\nimport numpy as np\nimport torch\n"
                   f"VAL_FRACTION = {values['val_fraction']!r}\n"
                   f"TEST_FRACTION = {values['test_fraction']!r}\n"
                   + corpus_source("corpus", values))
    sentences, streams = script["make_text"](values["data_seed"])
    bundle = make_dataset("corpus", options)
    for part in ("train", "val", "test"):
        assert torch.equal(streams[part], bundle.extras["stream"][part]), part
        assert sentences[part] == bundle.extras["sentences"][part], part


# the drawing functions of the studio's makers each data part copies as they stand
COPIED_DATA = [("recall", {}, "mlsp_studio.data.sequences", ("recall_examples",)),
               ("seq_pairs", {"operation": "add"}, "mlsp_studio.data.sequences",
                ("distinct_rows", "sum_pairs")),
               ("events", {}, "mlsp_studio.data.sequences", ("event_patterns", "event_examples")),
               ("spectrograms", {}, "mlsp_studio.data.spectrograms", ("spectrogram_parts",))]


@pytest.mark.parametrize("name,options,module,names", COPIED_DATA,
                         ids=[c[0] for c in COPIED_DATA])
def test_sequence_data_copies_the_studios_makers(name: str, options: dict, module: str,
                                                 names: tuple) -> None:
    values, _ = dataset_context(name, options)
    source, _ = make_data_source(name, values, "classification", "(N, L)", "labels")
    assert all(source_of(module, n) in source for n in names)


@pytest.mark.parametrize("level", ["char", "word"])
def test_corpus_text_copies_the_studios_grammar(level: str) -> None:
    values, _ = dataset_context("corpus", {"level": level})
    source = corpus_source("corpus", values)
    corpus, bundle = "mlsp_studio.readers.corpus", "mlsp_studio.model.split_math"
    for module, name in ((corpus, "story"), (corpus, "corpus_paragraphs"),
                         (bundle, "split_indices"), (bundle, "seed_streams")):
        assert source_of(module, name) in source, name
    assert (source_of("mlsp_studio.readers.tokenizer", "split_words") in source) == \
        (level == "word")


def test_paired_digits_are_the_studios() -> None:
    project = load_preset("cross-modal")
    script = load_script(python_source(project))
    bundle = make_dataset(project.dataset, project.dataset_options)
    parts = script["make_data"](bundle.options["data_seed"])
    for part, split in bundle.splits().items():
        images, sounds, y = parts[part]
        assert torch.equal(images, split.x) and torch.equal(y, split.y), part
        assert torch.equal(sounds, split.extra["pair"]), part


def _small(name: str, variant: str | None = None) -> Project:
    """A preset shrunk so that one epoch takes a second or two."""
    project = load_preset(name)
    if variant:
        project = project.with_variant(variant)
    shrink = {"corpus": {"n_paragraphs": 60}, "seq_pairs": {"n_samples": 400},
              "tagging": {"n_samples": 300}}.get(project.dataset, {})
    project.dataset_options.update(shrink)
    if project.paradigm == "transfer":
        project.hparams.update(pretrain_steps=30, target_examples=160)
    return project


def _run_script(project: Project, epochs: int) -> str:
    script = load_script(python_source(project))
    script["EPOCHS"] = epochs
    out = io.StringIO()
    torch.set_num_threads(1)
    with contextlib.redirect_stdout(out):
        script["train"]()
    return out.getvalue().strip().splitlines()[-1]


def _studio(project: Project, epochs: int) -> dict[str, float]:
    project.hparams["epochs"] = epochs
    return dict(Engine(project, threads=1).run_blocking().final)


# the final line each script prints, and the studio's final metrics it reports
FINAL_LINES = [
    ("gpt-chars", None, r"test loss (\S+)  accuracy (\S+)", ("test_loss", "test_accuracy")),
    ("bert-mlm", None, r"test masked loss (\S+)  masked accuracy (\S+)",
     ("test_loss", "test_masked_accuracy")),
    ("seq2seq-attention", None, r"test token accuracy (\S+)  exact match (\S+)",
     ("test_accuracy", "test_exact_match")),
    ("transfer-lora", "lora", r"test accuracy (\S+)", ("test_accuracy",)),
    ("transfer-lora", "probe", r"test accuracy (\S+)", ("test_accuracy",)),
    ("bidirectional-tagging", None, r"test accuracy (\S+)", ("test_accuracy",)),
    ("contrastive-digits", None, r"test probe accuracy (\S+)", ("probe_accuracy",)),
    ("word2vec", None, r"neighbour precision (\S+)", ("neighbour_precision",)),
    ("cross-modal", None, r"test retrieval top-1 (\S+)  \(chance (\S+)\)",
     ("retrieval_top1", "retrieval_chance")),
]


@pytest.mark.parametrize("name,variant,pattern,keys", FINAL_LINES,
                         ids=[f"{n}:{v}" for n, v, _, _ in FINAL_LINES])
def test_a_short_run_prints_the_studios_metric(name: str, variant: str | None, pattern: str,
                                               keys: tuple[str, ...]) -> None:
    line = _run_script(_small(name, variant), 1)
    found = re.fullmatch(pattern, line)
    assert found, line
    final = _studio(_small(name, variant), 1)
    # same data, weights and batches: the printed values are the studio's, to the digits shown
    for key, text in zip(keys, found.groups(), strict=True):
        digits = len(text.split(".")[1])
        assert abs(float(text) - final[key]) <= 0.6 * 10 ** -digits + 1e-6, (key, text)


@pytest.mark.slow
def test_language_model_script_learns_as_the_studio_does() -> None:
    project = load_preset("gpt-chars")
    project.dataset_options["n_paragraphs"] = 400
    line = _run_script(project, 3)
    loss = float(re.fullmatch(r"test loss (\S+)  accuracy (\S+)", line).group(1))
    final = _studio(project, 3)
    unigram = final["unigram_loss"]
    assert loss < unigram - 0.3  # it learned more than how often each character occurs
    assert np.isclose(loss, final["test_loss"], atol=2e-3)
