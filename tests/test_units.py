"""Every number a person reads says what it is: the loss in words with its unit (nats for a
cross-entropy, bits per character beside it for character-level text), and the set it was
measured on, in the command line's lines, summary.json and the figures."""

from __future__ import annotations

import json
import math

import pytest

from mlsp_studio.cli import main
from mlsp_studio.engine import Engine
from mlsp_studio.model.metric_units import (
    LossMeaning,
    final_lines,
    loss_meaning,
    metric_label,
    units_entry,
    value_text,
)
from mlsp_studio.model.paradigms import PARADIGM_SPECS
from mlsp_studio.model.presets import load_preset, preset_names

MSE_PRESETS = {"regression-sine", "unet-denoise", "autoencoder-digits", "ddpm-2d"}


def test_every_paradigm_says_what_its_loss_is() -> None:
    said = {}
    for name in preset_names():
        meaning = loss_meaning(load_preset(name))
        assert isinstance(meaning, LossMeaning), name
        said[load_preset(name).paradigm] = meaning
    assert set(said) == set(PARADIGM_SPECS.names())  # the presets cover every paradigm
    for name in MSE_PRESETS:
        meaning = loss_meaning(load_preset(name))
        assert "mean squared error" in str(meaning) and "nats" not in str(meaning)
    assert str(loss_meaning(load_preset("spiral"))) == "cross-entropy, nats"
    assert str(loss_meaning(load_preset("gpt-chars"))) == "cross-entropy per character, nats"
    assert str(loss_meaning(load_preset("flow-2d"))).endswith("nats per example")


def test_the_loss_follows_the_settings_and_the_data() -> None:
    gan = load_preset("gan-ring")
    gan.hparams["generator_loss"] = "reversal"
    assert "negative" in str(loss_meaning(gan))
    words = load_preset("gpt-chars")
    words.dataset_options["level"] = "word"
    assert str(loss_meaning(words)) == "cross-entropy per word, nats"
    lost = load_preset("spiral")
    lost.paradigm = "no-such-paradigm"
    assert loss_meaning(lost) is None  # unknown: the numbers are shown without words


def test_gpt_chars_gives_bits_per_character_equal_to_the_loss_over_ln_2() -> None:
    engine = Engine(load_preset("gpt-chars"), max_steps=3, threads=1)
    engine.build()
    for split in ("val", "test"):
        metrics = engine.paradigm.evaluate(split)
        assert metrics["bits_per_char"] == pytest.approx(metrics["loss"] / math.log(2))
    mlm = Engine(load_preset("bert-mlm"), max_steps=3, threads=1)  # word-level: no bits
    mlm.build()
    assert "bits_per_char" not in mlm.paradigm.evaluate("val")
    chars = load_preset("bert-mlm")
    chars.dataset_options["level"] = "char"
    assert str(loss_meaning(chars)) == "cross-entropy per hidden character, nats"
    mlm = Engine(chars, max_steps=3, threads=1)
    mlm.build()
    metrics = mlm.paradigm.evaluate("val")
    assert metrics["bits_per_char"] == pytest.approx(metrics["loss"] / math.log(2))


def test_words_for_numbers() -> None:
    nats = LossMeaning("cross-entropy", "nats")
    assert metric_label("loss", nats) == "Loss (cross-entropy, nats)"
    assert metric_label("d_loss", nats) == "Discriminator loss (nats)"
    assert metric_label("loss") == "Loss"
    assert value_text("accuracy", 0.5) == "50.0%"
    assert value_text("loss", 0.25, nats) == "0.25 nats"
    assert value_text("loss", float("nan"), nats) == "not a number"
    lines = final_lines({"test_loss": 1.0, "val_accuracy": 0.5, "train_loss": 2.0,
                         "best_val_loss": 0.9, "total_params": 12}, nats)
    assert lines == ["loss: cross-entropy, nats", "test set: loss 1 nats",
                     "validation set: accuracy 50.0%, best loss 0.9 nats",
                     "also: total params 12"]
    units = units_entry(nats, {"test_loss": 1.0, "test_bits_per_char": 1.4})
    assert units["loss"] == "cross-entropy, nats" and "ln 2" in units["bits_per_char"]


def test_the_command_line_names_the_set_and_the_unit(tmp_path, capsys, drawn) -> None:
    out = tmp_path / "gpt"
    assert main(["run", "gpt-chars", "--steps", "20", "--out", str(out), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("gpt-chars: 20 steps in") and "files in" in lines[0]
    assert lines[1] == "  loss: cross-entropy per character, nats"
    test = next(line for line in lines if line.startswith("  test set: "))
    assert "loss " in test and " nats" in test and "bits per character " in test
    assert "accuracy " in test and test.endswith("%")
    summary = json.loads((out / "summary.json").read_text())
    final = summary["final"]
    assert final["test_bits_per_char"] == pytest.approx(final["test_loss"] / math.log(2))
    assert summary["units"]["loss"] == "cross-entropy per character, nats"
    assert "bits" in summary["units"]["bits_per_char"]
    curves = drawn.of(out / "curves.png")
    titles = [ax.get_title() for ax in drawn.axes(curves)]
    assert titles[0].startswith("Loss (cross-entropy per character, nats)")
    assert any(t.startswith("Bits per character") for t in titles)


def test_a_regression_run_says_mean_squared_error(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    assert main(["run", "regression-sine", "--steps", "20", "--out", str(out), "--quiet",
                 "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "  loss: mean squared error\n" in printed and "nats" not in printed
    assert "  test set: loss " in printed and "(MSE)" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["units"]["loss"] == "mean squared error"
