"""Sequence and text datasets: shapes match their specs, labels mean what the docs say, the
tokenizer round-trips, and a person's text file that does not fit gets one plain sentence."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mlsp_studio.data import MAKERS, DataBundle, make_dataset
from mlsp_studio.data.sequences import event_patterns
from mlsp_studio.errors import DataError, ParamError
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.datasets import DATASET_SPECS, dataset_context
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.project import Project, check_project
from mlsp_studio.readers import corpus as grammar
from mlsp_studio.readers import textfiles
from mlsp_studio.readers.tokenizer import SPECIALS, Tokenizer

GENERATED = ["recall", "tagging", "counting", "seq_pairs", "token_map", "events", "corpus",
             "spectrograms"]
SMALL = {"recall": {"n_samples": 300}, "tagging": {"n_samples": 300},
         "counting": {"n_samples": 200}, "seq_pairs": {"n_samples": 300},
         "token_map": {"n_samples": 300}, "events": {"n_samples": 200},
         "corpus": {"n_paragraphs": 60}, "spectrograms": {"n_samples": 100}}
OPTION_SETS = [
    ("recall", {"delay": 1, "symbols": 2, "n_samples": 50}),
    ("recall", {"delay": 300, "symbols": 16, "n_samples": 200}),
    ("tagging", {"length": 2, "n_samples": 60}),
    ("counting", {"with_step": False, "length": 1, "n_samples": 60}),
    ("seq_pairs", {"operation": "add", "length": 16, "n_samples": 100}),
    ("seq_pairs", {"operation": "sort", "length": 2, "n_samples": 500}),
    ("seq_pairs", {"operation": "copy", "length": 5, "n_samples": 100}),
    ("token_map", {"operation": "sort", "length": 128, "symbols": 62, "n_samples": 60}),
    ("token_map", {"operation": "copy", "length": 3, "symbols": 2, "n_samples": 60}),
    ("events", {"length": 20, "features": 2, "classes": 4, "event_length": 19,
                "n_samples": 60}),
    ("events", {"noise": 0.0, "classes": 8, "features": 4, "n_samples": 80}),
    ("corpus", {"level": "char", "patterns": 0.8, "seq_len": 4, "n_paragraphs": 50}),
    ("corpus", {"level": "word", "patterns": 0.5, "seq_len": 8, "n_paragraphs": 50}),
    ("spectrograms", {"length": 64, "n_fft": 64, "hop": 64, "n_samples": 60}),
    ("spectrograms", {"length": 1024, "n_fft": 128, "hop": 1, "n_samples": 60}),
]


def _small(name: str, **options) -> DataBundle:
    return make_dataset(name, {**SMALL.get(name, {}), **options})


def check_against_spec(bundle: DataBundle, name: str, options: dict) -> None:
    """The bundle has the spec's task, kind and shapes, and labels within the classes."""
    _, ctx = dataset_context(name, options)
    spec = DATASET_SPECS.get(name)
    assert bundle.context() == ctx
    assert (bundle.task, bundle.input_kind) == (spec.task, spec.input_kind)
    assert bundle.input_shape == tuple(ctx.inputs["x"])
    assert bundle.num_classes == ctx.num_classes >= 2 and bundle.num_targets == 0
    assert len(bundle.class_names) == bundle.num_classes
    tokens = spec.input_kind == "tokens"
    if tokens:
        assert len(bundle.vocab) == ctx.vocab_size and bundle.vocab[:5] == SPECIALS
        assert bundle.tokenizer.vocab == bundle.vocab
    else:
        assert bundle.vocab == () and bundle.tokenizer is None
    for split in bundle.splits().values():
        assert split.x.dtype == (torch.int64 if tokens else torch.float32)
        assert tuple(split.x.shape[1:]) == bundle.input_shape
        assert split.y.dtype == torch.int64 and len(split.y) == len(split.x)
        for value in split.extra.values():
            assert len(value) == len(split)
        if tokens and len(split):
            assert 0 <= int(split.x.min()) and int(split.x.max()) < ctx.vocab_size
        if spec.task == "classification" and len(split):
            assert 0 <= int(split.y.min()) and int(split.y.max()) < bundle.num_classes
        if not tokens:
            assert torch.isfinite(split.x).all()
    assert len(bundle.train) > 0 and len(bundle.test) > 0


# ---------------------------------------------------------------- registry and shapes

def test_every_sequence_dataset_is_registered_with_docs_and_common_options():
    for name in [*GENERATED, "text_file"]:
        spec = DATASET_SPECS.get(name)
        assert name in MAKERS and spec.title and len(spec.doc) > 80
        assert {"data_seed", "val_fraction", "test_fraction"} <= set(spec.options.names())


@pytest.mark.parametrize("name", GENERATED)
def test_defaults_make_and_match_the_spec(name):
    check_against_spec(make_dataset(name, {}), name, {})


@pytest.mark.parametrize(("name", "options"), OPTION_SETS)
def test_options_make_and_match_the_spec(name, options):
    check_against_spec(make_dataset(name, options), name, options)


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_data_other_seed_other_data(name):
    a, b = _small(name, data_seed=4), _small(name, data_seed=4)
    c = _small(name, data_seed=5)
    for part in ("train", "val", "test"):
        assert torch.equal(getattr(a, part).x, getattr(b, part).x)
        assert torch.equal(getattr(a, part).y, getattr(b, part).y)
    assert not torch.equal(a.train.x, c.train.x)
    assert a.extras.keys() == b.extras.keys()


@pytest.mark.parametrize("name", ["recall", "seq_pairs", "token_map", "tagging", "events"])
def test_splits_follow_fractions_and_share_no_example(name):
    bundle = _small(name, val_fraction=0.1, test_fraction=0.3)
    sizes = [len(s) for s in bundle.splits().values()]
    total = sum(sizes)
    assert sizes[2] == round(total * 0.3) and sizes[1] == round(total * 0.1)
    rows = [{tuple(r) for r in s.x.reshape(len(s), -1).tolist()}
            for s in bundle.splits().values()]
    assert sum(len(r) for r in rows) == len(set().union(*rows)) == total


def test_spec_layer_gives_contexts_without_torch_or_numpy():
    code = ("import sys, mlsp_studio.model.datasets as d\n"
            "for n in ('recall', 'seq_pairs', 'corpus', 'events', 'spectrograms'):\n"
            "    d.dataset_context(n, {})\n"
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("name", "options"), [
    ("recall", {"delay": 0}),
    ("recall", {"symbols": 17}),
    ("seq_pairs", {"operation": "multiply"}),
    ("token_map", {"operation": "add"}),
    ("events", {"event_length": 100}),
    ("events", {"classes": 5, "features": 2}),
    ("events", {"n_samples": 20000, "length": 1000}),
    ("corpus", {"patterns": 0.95}),
    ("corpus", {"level": "byte"}),
    ("spectrograms", {"length": 64, "n_fft": 128}),
    ("spectrograms", {"hop": 64}),
])
def test_bad_options_are_one_sentence(name, options):
    with pytest.raises(ParamError) as err:
        make_dataset(name, options)
    assert "\n" not in str(err.value) and name in str(err.value)


def test_text_and_sequence_tasks_pass_the_project_check():
    graph = Graph.chain(["Input", ("Embedding", {"dim": 16}), ("Dense", {"units": 16}),
                         "ClassifierHead"])
    for paradigm, dataset in [("language_model", "corpus"), ("masked_lm", "corpus"),
                              ("word2vec", "corpus"), ("seq2seq", "seq_pairs"),
                              ("supervised", "recall"), ("supervised", "tagging")]:
        check = check_project(Project("t", paradigm, dataset, {"model": graph}), BLOCKS)
        assert not [e for e in check.errors if "cannot train on" in e], (paradigm, dataset)
    check = check_project(Project("t", "supervised", "corpus", {"model": graph}), BLOCKS)
    assert any("cannot train on" in e for e in check.errors)


# ---------------------------------------------------------------- what the labels mean

def test_recall_label_is_the_first_symbol_after_a_delay():
    bundle = make_dataset("recall", {"delay": 12, "symbols": 5, "n_samples": 500})
    vocab = bundle.vocab
    for split in bundle.splits().values():
        for row, label in zip(split.x.tolist(), split.y.tolist(), strict=True):
            assert vocab[row[0]] == bundle.class_names[label]
            assert vocab[row[-1]] == "?"
            assert all(vocab[t] in "-~=" for t in row[1:-1])
    counts = torch.bincount(torch.cat([s.y for s in bundle.splits().values()]))
    assert counts.tolist() == [100] * 5
    assert bundle.tokenizer.decode(bundle.train.x[0].tolist())[-1] == "?"


def test_tagging_needs_the_next_token():
    bundle = make_dataset("tagging", {"length": 10, "n_samples": 3000})
    x = torch.cat([s.x for s in bundle.splits().values()]) - len(SPECIALS)
    y = torch.cat([s.y for s in bundle.splits().values()])
    assert y.shape == x.shape
    assert torch.equal(y[:, :-1], (x[:, :-1] + x[:, 1:]) % 3)
    assert torch.equal(y[:, -1], x[:, -1] % 3)
    # knowing every token up to t (here: the current one) leaves the tag a guess, the next
    # token settles it
    now, tag = x[:, :-1].reshape(-1), y[:, :-1].reshape(-1)
    guess = sum(torch.bincount(tag[now == d], minlength=3).max() for d in range(10))
    assert float(guess) / len(tag) < 0.45


def test_counting_writes_the_digits_that_follow():
    bundle = make_dataset("counting", {"length": 6, "n_samples": 200})
    for row, target in zip(bundle.train.x.tolist(), bundle.train.y.tolist(), strict=True):
        start, step = (t - len(SPECIALS) for t in row)
        assert 1 <= step <= 9
        assert target == [(start + k * step) % 10 for k in range(1, 7)]


@pytest.mark.parametrize("operation", ["copy", "reverse", "sort", "add"])
def test_seq_pairs_targets_are_right(operation):
    bundle = make_dataset("seq_pairs", {"operation": operation, "length": 4, "n_samples": 200})
    tok = bundle.tokenizer
    assert bundle.extras["bos_id"] == bundle.vocab.index("<bos>")
    assert bundle.extra_inputs == {"dec": (bundle.train.y.shape[1],)}
    for split in bundle.splits().values():
        for source, target in zip(split.x.tolist(), split.y.tolist(), strict=True):
            s, t = tok.decode(source), tok.decode(target)
            assert t.isdigit()
            if operation == "copy":
                assert t == s
            elif operation == "reverse":
                assert t == s[::-1]
            elif operation == "sort":
                assert t == "".join(sorted(s))
            else:
                a, b = s.split("+")
                assert len(a) == len(b) == 4 and len(t) == 5 and int(t) == int(a) + int(b)


@pytest.mark.parametrize("operation", ["copy", "reverse", "sort"])
def test_token_map_labels_are_the_moved_tokens(operation):
    bundle = make_dataset("token_map", {"operation": operation, "length": 7, "symbols": 20,
                                        "n_samples": 100})
    x = bundle.train.x - len(SPECIALS)
    expected = {"copy": x, "reverse": x.flip(1), "sort": x.sort(dim=1).values}[operation]
    assert torch.equal(bundle.train.y, expected)
    assert bundle.class_names[int(bundle.train.y[0, 0])] == bundle.vocab[
        int(expected[0, 0]) + len(SPECIALS)]


def test_events_mark_the_active_segment():
    bundle = make_dataset("events", {"noise": 0.0, "event_length": 7, "n_samples": 200})
    for split in bundle.splits().values():
        event = split.extra["event"]
        assert event.dtype == torch.int64 and event.shape == (len(split), 2)
        assert torch.all(event[:, 1] - event[:, 0] == 7)
        active = split.x.abs().sum(-1) > 0                                   # (n, T)
        steps = torch.arange(split.x.shape[1])
        inside = (steps >= event[:, :1]) & (steps < event[:, 1:])
        assert torch.equal(active, inside)
    patterns = event_patterns(4, 8, np.random.default_rng(0))
    assert np.allclose((patterns**2).mean(1), 1.0)
    assert np.linalg.matrix_rank(patterns) == 4


def test_spectrograms_follow_the_signals():
    options = {"length": 128, "n_samples": 100, "n_fft": 32, "hop": 16}
    spec = make_dataset("spectrograms", options)
    waves = make_dataset("signals", {k: options[k] for k in ("length", "n_samples")})
    assert spec.input_shape == (7, 17)
    for a, b in zip(spec.splits().values(), waves.splits().values(), strict=True):
        assert torch.equal(a.y, b.y)
    assert spec.class_names == waves.class_names
    assert abs(float(spec.train.x.mean())) < 1e-3


# ---------------------------------------------------------------- the built-in corpus

def test_corpus_word_rows_sentences_and_paragraphs():
    bundle = make_dataset("corpus", {"n_paragraphs": 200, "seq_len": 16})
    tok = bundle.tokenizer
    assert tok.level == "word" and bundle.extras["pattern_eval"] == []
    for part, split in bundle.splits().items():
        sentences = bundle.extras["sentences"][part]
        paragraph = bundle.extras["paragraph"][part]
        assert len(sentences) == len(paragraph) == len(split)
        steps = np.diff(paragraph)
        assert paragraph[0] == 0 and steps.min() >= 0 and steps.max() == 1
        assert torch.all(split.x[:, 0] == tok.cls_id)
        for row, length, ids in zip(split.x.tolist(), split.y.tolist(), sentences, strict=True):
            assert row[:length] == [tok.cls_id] + ids and not any(row[length:])
        stream = bundle.extras["stream"][part]
        assert stream.dtype == torch.int64 and stream.tolist() == sum(sentences, [])
    # sentences of one paragraph are about one animal
    words = [tok.decode(s).split() for s in bundle.extras["sentences"]["train"]]
    for p in set(bundle.extras["paragraph"]["train"]):
        told = {w for i, ws in enumerate(words) if bundle.extras["paragraph"]["train"][i] == p
                for w in ws if w in grammar.ANIMALS}
        assert len(told) <= 1


def test_corpus_words_of_a_group_and_their_fixed_relations():
    bundle = make_dataset("corpus", {"n_paragraphs": 200})
    groups = bundle.extras["word_groups"]
    assert set(groups.values()) == set(grammar.WORD_GROUPS)
    assert all(list(groups.values()).count(g) == 8 for g in grammar.WORD_GROUPS)
    assert set(groups) <= set(bundle.vocab)
    food = dict(zip(grammar.ANIMALS, grammar.FOODS, strict=True))
    place = dict(zip(grammar.COLOURS, grammar.PLACES, strict=True))
    for ids in bundle.extras["sentences"]["train"]:
        words = bundle.tokenizer.decode(ids).rstrip(".").split()
        for a, f in food.items():
            if a in words and any(groups.get(w) == "foods" for w in words):
                assert f in words
        for c, p in place.items():
            if c in words and any(groups.get(w) == "places" for w in words):
                assert p in words


def _rules_that_fit(examples: list[tuple[str, str]]) -> set[str]:
    return {r for r in grammar.PATTERN_RULES
            if all(grammar.apply_rule(r, a) == b for a, b in examples)}


def test_corpus_pattern_lines_and_held_out_prompts():
    bundle = make_dataset("corpus", {"level": "char", "patterns": 0.3, "n_paragraphs": 200})
    tok = bundle.tokenizer
    text = tok.decode(bundle.extras["stream"]["train"].tolist())
    lines = text.splitlines()
    puzzles = [line for line in lines if ">" in line]
    assert 0.2 < len(puzzles) / len(lines) < 0.4
    seen = set()
    for line in puzzles:
        examples = re.findall(r"(\w{3})>(\w{4});", line)
        assert "".join(f"{a}>{b};" for a, b in examples) == line
        assert len(_rules_that_fit(examples)) == 1
        seen.update(a for a, _ in examples)
    items = bundle.extras["pattern_eval"]
    assert len(items) >= 30
    for rule in grammar.PATTERN_RULES:
        assert sum(grammar.apply_rule(rule, z[:3]) == a for z, _, a in items) \
            >= len(items) // len(grammar.PATTERN_RULES)
    for zero, few, answer in items:
        query = zero[:-1]
        assert zero == f"{query}>" and few.endswith(zero) and query not in seen
        shots = re.findall(r"(\w{3})>(\w{4});", few)
        assert len(shots) == 2
        (rule,) = _rules_that_fit(shots)
        assert answer == grammar.apply_rule(rule, query)
        assert tok.encode(few)[1] == []


def test_corpus_fill_examples_hide_one_known_token():
    for level in ("word", "char"):
        bundle = make_dataset("corpus", {"level": level, "n_paragraphs": 100})
        examples = bundle.extras["fill_examples"]
        assert len(examples) >= 5
        for text in examples:
            ids, unknown = bundle.tokenizer.encode(text)
            assert unknown == [] and ids.count(bundle.tokenizer.mask_id) == 1


def test_corpus_char_level_has_no_cls_and_keeps_line_breaks():
    bundle = make_dataset("corpus", {"level": "char", "patterns": 0.0, "n_paragraphs": 60})
    tok = bundle.tokenizer
    assert tok.level == "char" and bundle.extras["pattern_eval"]  # prompts exist regardless
    stream = tok.decode(bundle.extras["stream"]["test"].tolist())
    assert stream.endswith(".\n") and ">" not in stream
    first = tok.decode(bundle.test.x[0, :int(bundle.test.y[0])].tolist())
    assert stream.startswith(first + "\n")


# ---------------------------------------------------------------- tokenizer

def test_tokenizer_round_trip_and_unknowns():
    text = "The cat sat. The dog, too!\nA cat's hat?"
    char = Tokenizer.from_text(text, "char")
    assert char.vocab[:5] == SPECIALS and (char.pad_id, char.unk_id, char.mask_id,
                                           char.cls_id, char.sep_id) == (0, 1, 2, 3, 4)
    ids, unknown = char.encode(text)
    assert unknown == [] and char.decode(ids) == text and len(ids) == len(text)
    ids, unknown = char.encode("The zebra Zzz")
    assert unknown == ["z", "b", "r", "Z"] and ids.count(char.unk_id) == 6
    word = Tokenizer.from_text(text, "word")
    ids, unknown = word.encode(text)
    assert unknown == [] and word.decode(ids) == "the cat sat. the dog, too! a cat's hat?"
    assert word.encode(word.decode(ids))[0] == ids
    ids, unknown = word.encode("the zebra and the cat")
    assert unknown == ["zebra", "and"] and ids[1] == ids[2] == word.unk_id


def test_tokenizer_specials_padding_and_limits():
    word = Tokenizer.from_text("a b b c c c", "word", max_vocab=2)
    assert word.vocab == (*SPECIALS, "c", "b")
    ids, unknown = word.encode("c <mask> a <sep>")
    assert ids == [5, word.mask_id, word.unk_id, word.sep_id] and unknown == ["a"]
    assert word.decode([0, 5, 0, 6, 99]) == "c b <unk>"
    char = Tokenizer.from_symbols("ab", "char", specials=("<bos>",))
    assert char.vocab == (*SPECIALS, "<bos>", "a", "b")
    assert char.encode("<bos>ab<x>")[0][:3] == [5, 6, 7]
    with pytest.raises(ValueError):
        Tokenizer(("a", "b"), "char")


# ---------------------------------------------------------------- a person's text file

STORY = ("Once upon a time there was a small boat. It sailed every day.\n"
         "The sea was calm and blue! Was the sailor happy? He was.\n\n")


def _text(tmp_path: Path, text: str | bytes, name: str = "story.txt") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("level", ["char", "word"])
def test_good_text_file_makes_rows_in_order(tmp_path, level):
    path = _text(tmp_path, STORY * 20)
    options = {"path": path, "level": level, "seq_len": 16}
    bundle = make_dataset("text_file", options)
    check_against_spec(bundle, "text_file", options)
    tok = bundle.tokenizer
    assert tok.level == level and "<unk>" not in tok.decode(bundle.extras["stream"]["train"])
    assert bundle.extras["word_groups"] == {} and bundle.extras["pattern_eval"] == []
    assert all("<mask>" in t for t in bundle.extras["fill_examples"])
    for part, split in bundle.splits().items():
        assert int(split.y.max()) <= 16 and len(bundle.extras["sentences"][part]) == len(split)
        if level == "word":
            assert torch.all(split.x[:, 0] == tok.cls_id)
    if level == "char":
        whole = "".join(tok.decode(bundle.extras["stream"][k].tolist())
                        for k in ("train", "val", "test"))
        assert whole == STORY * 20


def test_text_file_other_line_ends_and_unknown_prompt(tmp_path):
    path = _text(tmp_path, (STORY * 20).replace("\n", "\r\n").encode("utf-8"))
    bundle = make_dataset("text_file", {"path": path})
    assert "\r" not in bundle.vocab
    ids, unknown = bundle.tokenizer.encode("Ahoy, sailor \u00e9")
    assert "\u00e9" in unknown and bundle.tokenizer.unk_id in ids


BAD_TEXT = {
    "missing": lambda tmp: str(tmp / "missing.txt"),
    "folder": lambda tmp: str(tmp),
    "empty": lambda tmp: _text(tmp, ""),
    "blank": lambda tmp: _text(tmp, "\n \n\t\n"),
    "binary": lambda tmp: _text(tmp, bytes(range(256)) * 20, "pic.txt"),
    "latin-1": lambda tmp: _text(tmp, ("caf\u00e9 " * 400).encode("latin-1"), "old.txt"),
    "tiny": lambda tmp: _text(tmp, "Just a few words here."),
    "few sentences": lambda tmp: _text(tmp, "a" * 3000 + ". " + "b" * 100),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_bad_text_file_gives_one_sentence_naming_the_file(tmp_path, case):
    path = BAD_TEXT[case](tmp_path)
    with pytest.raises(DataError) as err:
        dataset_context("text_file", {"path": path})
    message = str(err.value)
    assert path in message and "\n" not in message and message.endswith(".")
    assert message.count(". ") == 0, message
    with pytest.raises(DataError):
        make_dataset("text_file", {"path": path})


def test_text_file_messages_say_what_is_wrong(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="path is empty"):
        make_dataset("text_file", {})
    with pytest.raises(DataError, match=f"at least {textfiles.MIN_CHARS}"):
        make_dataset("text_file", {"path": BAD_TEXT["tiny"](tmp_path)})
    with pytest.raises(DataError, match="binary"):
        make_dataset("text_file", {"path": BAD_TEXT["binary"](tmp_path)})
    with pytest.raises(DataError, match="is empty"):
        make_dataset("text_file", {"path": BAD_TEXT["empty"](tmp_path)})
    monkeypatch.setattr(textfiles, "MAX_TEXT_BYTES", 1000)
    with pytest.raises(DataError, match="larger than"):
        make_dataset("text_file", {"path": _text(tmp_path, STORY * 20, "big.txt")})


def test_changed_text_file_is_read_again(tmp_path):
    path = _text(tmp_path, STORY * 20)
    before = make_dataset("text_file", {"path": path}).vocab
    _text(tmp_path, (STORY + "Zebras quack.\n") * 20)
    after = make_dataset("text_file", {"path": path}).vocab
    assert "Z" in after and "Z" not in before
