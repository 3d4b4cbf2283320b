"""The GPT-style, BERT-style and word2vec paradigms: masking, shifted targets, sampling,
unknown input, negative sampling, neighbour precision, and the three presets learning."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch
from torch import nn

from mlsp_studio.data.bundle import DataBundle, Split
from mlsp_studio.engine import Engine
from mlsp_studio.errors import ProjectError
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project
from mlsp_studio.paradigms.language_model.snapshots import Generation
from mlsp_studio.paradigms.language_model.train import LanguageModelParadigm, next_token_loss
from mlsp_studio.paradigms.masked_lm.train import MaskedLMParadigm
from mlsp_studio.paradigms.text_common import (
    KEEP,
    MASK,
    RANDOM,
    choose_positions,
    corrupt,
    entropy_nats,
    neighbour_precision,
    sample_next,
    special_mask,
)
from mlsp_studio.paradigms.word2vec.train import Word2VecParadigm, skipgram_pairs
from mlsp_studio.readers.tokenizer import Tokenizer

LETTERS = "abcdefgh"


# -- stand-ins: a tiny text bundle and per-token models ------------------------------------------

def _bundle(tokenizer: Tokenizer, rows: torch.Tensor, extras: dict, window: int) -> DataBundle:
    part = Split(rows, (rows != 0).sum(1))
    return DataBundle(name="tiny", task="text", input_kind="tokens", train=part, val=part,
                      test=part, input_shape=(window,), num_classes=len(tokenizer),
                      num_targets=0, class_names=list(tokenizer.vocab),
                      vocab=tokenizer.vocab, tokenizer=tokenizer, extras=extras)


def _project(paradigm: str, **hparams) -> Project:
    return Project(name="tiny", paradigm=paradigm, dataset="corpus", slots={},
                   hparams=dict(hparams))


class TokenModel(nn.Module):
    """Embedding → linear scores per position: a bigram model, causal by construction.

    With ``context`` every position also sees its place and the mean of the whole row (a
    stand-in for bidirectional attention)."""

    def __init__(self, vocab: int, dim: int = 16, outputs: int = 1, context: bool = False
                 ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.place = nn.Embedding(64, dim) if context else None
        self.mix = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU()) if context else None
        self.head = nn.Linear(dim, vocab)
        self.pair = nn.Linear(dim, 2) if outputs == 2 else None

    def forward(self, x):
        h = self.embed(x)
        if self.mix is not None:
            h = h + self.place(torch.arange(x.shape[1]))
            h = self.mix(torch.cat([h, h.mean(1, keepdim=True).expand_as(h)], -1))
        if self.pair is None:
            return self.head(h)
        return self.head(h), self.pair(h[:, 0])


def _cyclic_lm(window: int = 8) -> tuple[LanguageModelParadigm, Tokenizer]:
    tok = Tokenizer.from_symbols(LETTERS + "\n", "char")
    text = (LETTERS * 200)
    ids = torch.tensor(tok.encode(text)[0])
    extras = {"stream": {"train": ids, "val": ids[:400], "test": ids[:400]},
              "pattern_eval": [("abc", "abcdefgh\nabc", "def")]}
    rows = ids[: (len(ids) // window) * window].reshape(-1, window)
    data = _bundle(tok, rows, extras, window)
    lm = LanguageModelParadigm()
    lm.setup(_project("language_model", batch_size=16, lr=0.05), {"model": TokenModel(len(tok))},
             data, torch.device("cpu"))
    return lm, tok


# -- masking ------------------------------------------------------------------------------------

def test_masking_chooses_ordinary_tokens_and_splits_80_10_10() -> None:
    tok = Tokenizer.from_symbols(LETTERS, "word")
    special = special_mask(tok, tok.vocab)
    g = torch.Generator().manual_seed(0)
    rows = torch.randint(5, len(tok), (4000, 20), generator=g)
    rows[:, 0] = tok.cls_id
    rows[:, 12] = tok.sep_id
    rows[:, 16:] = tok.pad_id
    chosen = choose_positions(rows, 0.15, special, g)
    assert not chosen[special[rows]].any(), "a special or padding token was chosen"
    per_row = chosen.sum(1)
    assert (per_row == round(14 * 0.15)).all()  # 14 ordinary tokens per row
    ordinary = torch.nonzero(~special)[:, 0]
    out, code = corrupt(rows, chosen, tok.mask_id, ordinary, g)
    total = chosen.sum().item()
    shares = [((code == c).sum().item() / total) for c in (MASK, RANDOM, KEEP)]
    assert shares == pytest.approx([0.8, 0.1, 0.1], abs=0.015)
    assert ((code != 0) == chosen).all()
    assert (out[code == MASK] == tok.mask_id).all()
    assert (out[code == KEEP] == rows[code == KEEP]).all()
    assert (out[code == 0] == rows[code == 0]).all()
    assert not special[out[code == RANDOM]].any(), "a random replacement was a special token"


def test_every_row_gets_at_least_one_masked_token() -> None:
    tok = Tokenizer.from_symbols(LETTERS, "word")
    rows = torch.tensor([[tok.cls_id, 6, 7, 0, 0, 0]] * 50)
    chosen = choose_positions(rows, 0.15, special_mask(tok, tok.vocab))
    assert (chosen.sum(1) == 1).all()


# -- the causal language model --------------------------------------------------------------------

def test_next_token_targets_are_the_inputs_shifted_by_one() -> None:
    lm, _ = _cyclic_lm()
    stream = lm.streams["train"]
    x, y = lm.windows(stream, torch.tensor([0, 5, 17]))
    assert torch.equal(x[:, 1:], y[:, :-1])
    assert torch.equal(y[:, -1], stream[torch.tensor([0, 5, 17]) + lm.window])


def test_the_loss_is_low_only_against_the_next_token() -> None:
    lm, tok = _cyclic_lm()
    with torch.no_grad():   # a model that knows the cycle: each letter is followed by the next
        lm.model.embed.weight.copy_(torch.eye(len(tok), 16))
        nxt = torch.full((len(tok),), tok.unk_id)
        for a, b in zip(LETTERS, LETTERS[1:] + LETTERS[0], strict=True):
            nxt[tok.vocab.index(a)] = tok.vocab.index(b)
        lm.model.head.weight.zero_()
        lm.model.head.bias.zero_()
        for i in range(len(tok)):
            lm.model.head.weight[nxt[i], i] = 20.0
    x, y = lm.windows(lm.streams["train"], torch.arange(10) * 3)
    assert next_token_loss(lm.model(x), y).item() < 1e-3
    assert next_token_loss(lm.model(x), x).item() > 5.0      # unshifted targets are wrong
    assert lm.evaluate("val")["accuracy"] == 1.0
    scores = lm.pattern_accuracy()                              # "abc" → "def", greedily
    assert scores == {"zero_shot_accuracy": 1.0, "few_shot_accuracy": 1.0}


def test_unigram_loss_is_the_entropy_of_the_training_tokens() -> None:
    lm, _ = _cyclic_lm()
    assert lm.unigram_loss == pytest.approx(math.log(len(LETTERS)), rel=1e-6)
    assert entropy_nats(np.array([1.0, 1.0, 0.0, 2.0])) == pytest.approx(
        -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5)))


def test_a_training_step_lowers_the_loss() -> None:
    lm, _ = _cyclic_lm()
    first = lm.evaluate("val")["loss"]
    for _ in range(60):
        lm.step()
    assert lm.evaluate("val")["loss"] < 0.5 * first


# -- sampling -------------------------------------------------------------------------------------

def test_top_k_one_is_greedy_and_deterministic() -> None:
    logits = torch.randn(5, 30, generator=torch.Generator().manual_seed(1))
    for seed in range(5):
        picked = sample_next(logits, 2.0, 1, torch.Generator().manual_seed(seed))
        assert torch.equal(picked, logits.argmax(-1))


def test_top_k_never_samples_outside_the_k_likeliest() -> None:
    logits = torch.randn(1, 30, generator=torch.Generator().manual_seed(2)).repeat(4000, 1)
    allowed = set(torch.topk(logits[0], 3).indices.tolist())
    picked = sample_next(logits, 5.0, 3, torch.Generator().manual_seed(0))
    assert set(picked.tolist()) == allowed


def test_temperature_sharpens_or_flattens_the_draws() -> None:
    logits = torch.linspace(0, 3, 10).repeat(4000, 1)

    def spread(temperature: float) -> float:
        picked = sample_next(logits, temperature, 0, torch.Generator().manual_seed(0))
        return entropy_nats(np.bincount(picked.numpy(), minlength=10))

    cold, warm, hot = spread(0.05), spread(1.0), spread(10.0)
    assert cold < 0.05 < warm < hot
    assert hot > 0.95 * math.log(10)
    same = sample_next(logits[:50], 1.0, 0, torch.Generator().manual_seed(7))
    again = sample_next(logits[:50], 1.0, 0, torch.Generator().manual_seed(7))
    assert torch.equal(same, again)                         # the same seed, the same sample


def test_prompt_characters_outside_the_vocabulary_are_left_out_and_said_so() -> None:
    lm, _ = _cyclic_lm()
    lm.set_visual_option("prompt", "abé€c")
    lm.set_visual_option("top_k", 1)
    (snap,) = lm.visualize({"generation"})
    assert "'é'" in snap.note and "'€'" in snap.note and "left out" in snap.note
    assert len(snap.completion) > 0
    lm.set_visual_option("prompt", "")
    (snap,) = lm.visualize({"generation"})
    assert snap.note == "" and snap.completion
    assert [name for name, _ in snap.examples] == ["zero-shot 1", "few-shot 1"]


def test_words_written_after_a_prompt_are_spaced_as_text() -> None:
    tok = Tokenizer.from_symbols(["the", "cat", "eats", "fish", "."], "word")
    ids = torch.tensor(tok.encode("the cat eats fish . " * 100)[0])
    data = _bundle(tok, ids[:400].reshape(-1, 8), {"stream": {k: ids for k in
                                                             ("train", "val", "test")}}, 8)
    lm = LanguageModelParadigm()
    lm.setup(_project("language_model", sample_length=6), {"model": TokenModel(len(tok))},
             data, torch.device("cpu"))
    for seed in range(4):
        for prompt in ("the cat", "the cat "):
            lm.set_visual_option("prompt", prompt)
            lm.set_visual_option("sample_seed", seed)
            (snap,) = lm.visualize({"generation"})
            assert not set(snap.completion.split()) & {"<pad>", "<unk>", "<mask>", "<cls>"}
            if prompt.endswith(" "):
                assert not snap.completion.startswith(" ")
            else:
                text = snap.prompt + snap.completion
                assert text == tok.decode(tok.encode(text)[0])


# -- masked language model ------------------------------------------------------------------------

def _mlm(outputs: int = 1, next_sentence: bool = False) -> MaskedLMParadigm:
    tok = Tokenizer.from_symbols(["the", "cat", "dog", "eats", "fish", "meat", "."], "word")
    sentences = [[tok.cls_id, *tok.encode(s)[0]] for s in   # paragraphs of four
                 (["the cat eats fish ."] * 4 + ["the dog eats meat ."] * 4) * 10]
    rows = torch.zeros(len(sentences), 12, dtype=torch.long)
    for i, s in enumerate(sentences):
        rows[i, :len(s)] = torch.tensor(s)
    extras = {"sentences": {k: sentences for k in ("train", "val", "test")},
              "paragraph": {k: [i // 4 for i in range(len(sentences))]
                            for k in ("train", "val", "test")},
              "fill_examples": ["the cat eats [MASK] ."]}
    mlm = MaskedLMParadigm()
    mlm.setup(_project("masked_lm", batch_size=32, lr=0.05, next_sentence=next_sentence),
              {"model": TokenModel(len(tok), outputs=outputs, context=True)},
              _bundle(tok, rows, extras, 12), torch.device("cpu"))
    return mlm


def test_next_sentence_without_a_second_output_is_refused_in_words() -> None:
    with pytest.raises(ProjectError, match="no second output"):
        _mlm(outputs=1, next_sentence=True)


def test_next_sentence_pairs_are_half_real() -> None:
    mlm = _mlm(outputs=2, next_sentence=True)
    rows, labels = mlm.pairs("train", torch.arange(60), torch.Generator().manual_seed(0))
    assert (rows[:, 0] == mlm.cls_id).all()
    assert ((rows == mlm.sep_id).sum(1) == 2).all()
    assert labels.float().mean().item() == pytest.approx(0.5, abs=0.15)
    sep = (rows == mlm.sep_id).float().argmax(1)   # where A ends: B follows A or not
    for row, end, label in zip(rows.tolist(), sep.tolist(), labels.tolist(), strict=True):
        a, b = row[1:end], row[end + 1:row.index(mlm.sep_id, end + 1)]
        assert b[1] == a[1] or not label   # a paragraph keeps its animal (cat or dog)
    before = mlm.evaluate("val")["nsp_loss"]
    for _ in range(30):
        metrics = mlm.step()
    assert set(metrics) == {"loss", "masked_loss", "nsp_loss"}
    assert math.isfinite(before)


def test_fill_mask_lists_guesses_and_names_unknown_words() -> None:
    mlm = _mlm()
    for _ in range(80):
        mlm.step()
    assert mlm.evaluate("test")["masked_accuracy"] > 0.4
    (snap,) = mlm.visualize({"fill_mask"})
    assert snap.tokens[0] == "<cls>" and len(snap.predictions) == 1
    assert snap.predictions[0][0][0] in ("fish", "meat")
    assert len(snap.predictions[0]) == 5
    mlm.set_visual_option("mask_text", "the zebra eats _ .")
    (snap,) = mlm.visualize({"fill_mask"})
    assert "'zebra'" in snap.note and snap.masked == (4,)


# -- word2vec -----------------------------------------------------------------------------------

def test_skipgram_pairs_stay_within_the_window_and_skip_specials() -> None:
    pairs = skipgram_pairs([[3, 10, 11, 12], [13]], 1, {3})
    assert sorted(map(tuple, pairs.tolist())) == [(10, 11), (11, 10), (11, 12), (12, 11)]
    assert len(skipgram_pairs([[10, 11, 12, 13]], 2, set())) == 2 * (3 + 2)


def _w2v() -> Word2VecParadigm:
    words = [f"w{i}" for i in range(12)]
    tok = Tokenizer.from_symbols(words, "word")
    rng = np.random.default_rng(0)
    # word i appears about (i + 1) times as often as word 0
    sentences = [[tok.vocab.index(words[int(j)]) for j in rng.choice(
        12, size=6, p=np.arange(1, 13) / 78)] for _ in range(400)]
    extras = {"sentences": {k: sentences for k in ("train", "val", "test")},
              "word_groups": {w: "low" if i < 6 else "high" for i, w in enumerate(words)}}
    rows = torch.tensor(sentences)
    paradigm = Word2VecParadigm()
    paradigm.setup(_project("word2vec", negatives=5, batch_size=64),
                   {"model": nn.Embedding(len(tok), 8)}, _bundle(tok, rows, extras, 6),
                   torch.device("cpu"))
    return paradigm


def test_negatives_follow_the_unigram_distribution_to_the_power_three_quarters() -> None:
    w2v = _w2v()
    counts = np.zeros(len(w2v.vocab))
    for row in w2v.data.extras["sentences"]["train"]:
        for t in row:
            counts[t] += 1
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    draws = w2v.draw_negatives(40000, torch.Generator().manual_seed(0)).reshape(-1)
    seen = np.bincount(draws.numpy(), minlength=len(expected)) / len(draws)
    assert seen[:5].sum() == 0                                  # never a special token
    assert np.abs(seen - expected).max() < 0.004
    assert w2v.context.weight.requires_grad                     # the paradigm's own table
    assert any(p is w2v.context.weight for g in w2v.optimizer.param_groups for p in g["params"])


def test_neighbour_precision_on_hand_made_vectors() -> None:
    vectors = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2],      # group a
                            [0.0, 1.0], [0.1, 0.9], [0.2, 0.8]])     # group b
    ids, groups = range(6), ["a", "a", "a", "b", "b", "b"]
    assert neighbour_precision(vectors, ids, groups, range(6), k=2) == 1.0
    mixed = vectors[[0, 3, 1, 4, 2, 5]]  # each group now holds both directions
    value = neighbour_precision(mixed, ids, groups, range(6), k=2)
    assert value == pytest.approx(1 / 3)   # one nearest neighbour is a mate (same direction)
    # an ungrouped word near group a is one of the two nearest of each a word: a miss
    extra = torch.cat([vectors, torch.tensor([[1.0, 0.05]])])
    value = neighbour_precision(extra, ids, groups, range(7), k=2)
    assert value == pytest.approx((0.5 * 3 + 1.0 * 3) / 6)


def test_embeddings_say_when_the_query_word_is_unknown() -> None:
    w2v = _w2v()
    for _ in range(20):
        w2v.step()
    (snap,) = w2v.visualize({"embeddings"})
    assert snap.points.shape == (12, 2) and len(snap.neighbours) == 5
    assert set(snap.groups) == {"low", "high"}
    w2v.set_visual_option("query_word", "zebra")
    (snap,) = w2v.visualize({"embeddings"})
    assert snap.neighbours == () and "not in the vocabulary" in snap.label


# -- the presets ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "steps"), [("gpt-chars", 60), ("bert-mlm", 40),
                                             ("word2vec", 200)])
def test_a_short_training_of_each_preset_lowers_the_loss(name: str, steps: int) -> None:
    engine = Engine(load_preset(name), max_steps=steps, threads=1)
    engine.build()
    before = engine.paradigm.evaluate("val")["loss"]
    engine.run_blocking()
    final = dict(engine.finished.final)
    assert engine.step_count == steps
    assert final["val_loss"] < 0.9 * before
    assert all(math.isfinite(v) for v in final.values())
    kinds = {s.kind for s in engine.snapshots()}
    assert kinds == set(engine.paradigm.visual_kinds)


def test_gpt_chars_answers_a_prompt() -> None:
    # how long an answer takes is the bench's generation_ms_min and prompt_answer_ms_p50
    engine = Engine(load_preset("gpt-chars"), max_steps=5, threads=1)
    engine.run_blocking()
    paradigm = engine.paradigm
    final = dict(engine.finished.final)
    assert {"val_loss", "unigram_loss", "zero_shot_accuracy", "few_shot_accuracy"} <= set(final)
    for seed in range(5):
        paradigm.set_visual_option("prompt", "the red cat ")
        paradigm.set_visual_option("sample_seed", seed)
        (snap,) = paradigm.visualize({"generation"})
        assert snap.prompt == "the red cat " and snap.completion
        assert snap.seconds > 0.0  # the panel says how long sampling took


def test_a_new_prompt_is_answered_while_training_continues() -> None:
    """A prompt sent to the running engine is answered while it trains on (how soon is the
    bench's prompt_answer_ms_p50)."""
    arrived: dict[str, int] = {}

    def sink(event) -> None:
        if isinstance(event, Generation) and event.prompt not in arrived:
            arrived[event.prompt] = event.step

    engine = Engine(load_preset("gpt-chars"), sink, max_steps=100_000, threads=1)
    engine.build()
    engine.request_visuals({"generation"}, every_s=10.0)
    engine.start()
    try:
        time.sleep(0.5)
        prompts = [f"the {colour} cow " for colour in ("red", "blue", "green")]
        for prompt in prompts:
            engine.set_visual_option("prompt", prompt)
            deadline = time.monotonic() + 120  # a hang guard, not a speed target
            while prompt not in arrived and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(0.2)
        steps = engine.step_count
    finally:
        engine.stop()
        engine.join(10)
    assert set(prompts) <= set(arrived), arrived  # every prompt answered
    assert steps > min(arrived[p] for p in prompts)  # and the run trained on meanwhile

