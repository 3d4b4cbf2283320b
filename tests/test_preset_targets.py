"""The targets of README.md's preset table, each asserted at the value the table states.

Every run trains the preset (or the variant the target names) with its own settings, seed and
epoch budget, through the engine as ``mlsp-studio run`` does; one run per preset and variant
serves every assertion on it. The table's times ("in ≤ 10 s") are the bench's business and are
not asserted here.

Targets asserted in other files, next to the paradigm they exercise (file: test):

- ``overfit-regularize``: test_lab_presets.py: test_regularisation_lowers_the_best_validation_loss
- ``deep-gradients``: test_layer_stats.py: test_deep_gradients_variants_reach_their_targets
- ``unet-denoise``: test_lab_presets.py: test_the_skip_connection_lowers_the_test_error
- ``autoencoder-digits``, ``denoising-ae``, ``anomaly-ae``: test_autoencoder.py
- ``gan-ring``, ``gan-digits``: test_gan.py
- ``ddpm-2d``, ``ddpm-digits``: test_diffusion.py
- ``contrastive-digits``, ``cross-modal``: test_contrastive.py
- ``transfer-lora``: test_transfer.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mlsp_studio.cli import main
from mlsp_studio.engine import Engine, EngineState
from mlsp_studio.model.presets import load_preset

pytestmark = pytest.mark.slow

Trained = Callable[..., Engine]


@pytest.fixture(scope="module")
def trained() -> Trained:
    """``trained(preset, variant=None)``: the engine after a whole run of the preset as it
    ships, trained once per module and shared by the tests that ask for it."""
    runs: dict[tuple[str, str | None], Engine] = {}

    def train(name: str, variant: str | None = None) -> Engine:
        if (name, variant) not in runs:
            project = load_preset(name)
            if variant is not None:
                project = project.with_variant(variant)
            engine = Engine(project, threads=1)
            engine.run_blocking()
            assert engine.state is EngineState.FINISHED, (name, variant, engine.message)
            runs[name, variant] = engine
        return runs[name, variant]

    return train


def final(engine: Engine) -> dict[str, float]:
    """The run's final metrics, as its ``summary.json`` holds them."""
    return engine.summary()["final"]


# --- supervised basics ---------------------------------------------------------------------------

def test_xor_one_hidden_layer_reaches_098_and_the_perceptron_cannot(trained: Trained) -> None:
    assert final(trained("xor-perceptron"))["test_accuracy"] >= 0.98  # as it opens: "hidden"
    # a single layer only draws a straight line: XOR stays near chance
    assert final(trained("xor-perceptron", "perceptron"))["test_accuracy"] <= 0.7


def test_spiral_reaches_098(trained: Trained) -> None:
    assert final(trained("spiral"))["test_accuracy"] >= 0.98


def test_regression_sine_test_mse_is_within_one_and_a_half_noise_variances(
        trained: Trained) -> None:
    engine = trained("regression-sine")
    noise_variance = engine.project.dataset_options["noise"] ** 2  # "noise" is the sd
    assert final(engine)["test_mse"] <= 1.5 * noise_variance


def test_digits_cnn_reaches_097(trained: Trained) -> None:
    assert final(trained("digits-cnn"))["test_accuracy"] >= 0.97


def test_signal_cnn1d_reaches_095(trained: Trained) -> None:
    assert final(trained("signal-cnn1d"))["test_accuracy"] >= 0.95


def test_optimizers_puts_every_variant_in_one_comparison(tmp_path: Path, drawn) -> None:
    """``mlsp-studio run optimizers --all-variants``: all five runs in one comparison."""
    variants = list(load_preset("optimizers").variants)
    assert variants == ["sgd", "momentum", "adam", "full-batch", "single-sample"]
    out = tmp_path / "optimizers"
    assert main(["run", "optimizers", "--all-variants", "--out", str(out), "--quiet",
                 "--threads", "1"]) == 0
    finals = json.loads((out / "comparison.json").read_text())
    assert list(finals) == variants
    for name in variants:
        assert json.loads((out / name / "summary.json").read_text())["final"] == finals[name]
    comparison = drawn.last  # comparison.png is written last
    loss, accuracy = (ax for ax in comparison.axes if ax.get_visible())
    assert loss.get_title().startswith("Loss") and accuracy.get_title().startswith("Accuracy")
    for ax in (loss, accuracy):  # one strong, labelled line per run in every plot
        assert [line.get_label() for line in ax.get_lines()
                if not line.get_label().startswith("_")] == variants
    assert [t.get_text() for t in comparison.legends[0].get_texts()] == variants
    # the comparison shows what the preset is about: Adam and momentum beat plain SGD
    assert finals["adam"]["test_accuracy"] >= 0.95 and finals["momentum"]["test_accuracy"] >= 0.9
    assert finals["sgd"]["test_accuracy"] < finals["momentum"]["test_accuracy"] - 0.2


# --- sequences -----------------------------------------------------------------------------------

def _chance(engine: Engine) -> float:
    return 1.0 / len(engine.data.class_names)


def test_rnn_vs_lstm_lstm_reaches_095_and_the_rnn_stays_near_chance(trained: Trained) -> None:
    lstm, rnn = trained("rnn-vs-lstm", "lstm"), trained("rnn-vs-lstm", "rnn")
    assert rnn.data.input_shape == (102,)  # a symbol, a delay of 100, the question mark
    assert final(lstm)["test_accuracy"] >= 0.95
    assert final(rnn)["test_accuracy"] <= _chance(rnn) + 0.1


def test_bidirectional_tagging_bi_reaches_095_and_uni_is_clearly_lower(trained: Trained) -> None:
    bi = final(trained("bidirectional-tagging", "bi"))["test_accuracy"]
    uni = final(trained("bidirectional-tagging", "uni"))["test_accuracy"]
    assert bi >= 0.95
    assert uni <= bi - 0.25


def test_rnn_stacked_learns_sequence_to_vector_and_vector_to_sequence(trained: Trained) -> None:
    for variant in ("seq2vec", "vec2seq"):
        engine = trained("rnn-stacked", variant)
        result = final(engine)
        assert result["test_accuracy"] >= 0.9, variant  # "learns": far above chance
        assert result["test_accuracy"] > 3 * _chance(engine), variant


def test_attention_pooling_reaches_095_with_its_weights_on_the_event(trained: Trained) -> None:
    engine = trained("attention-pooling")
    result = final(engine)
    assert result["test_accuracy"] >= 0.95
    # the share of the pooling weight on the event's steps (spread evenly it would be the
    # event's share of the sequence, under a tenth)
    assert result["attention_on_event"] >= 0.5


def test_seq2seq_attention_reaches_an_exact_match_of_09(trained: Trained) -> None:
    result = final(trained("seq2seq-attention"))
    assert result["test_exact_match"] >= 0.9
    assert result["test_exact_match"] <= result["test_accuracy"]


def test_transformer_reverse_reaches_a_token_accuracy_of_099(trained: Trained) -> None:
    assert final(trained("transformer-reverse"))["test_accuracy"] >= 0.99


def test_gpt_chars_beats_the_unigram_entropy_and_few_shot_beats_zero_shot(
        trained: Trained) -> None:
    result = final(trained("gpt-chars"))
    # "well below": under half the loss of knowing only how often each character occurs
    assert result["test_loss"] <= 0.5 * result["unigram_loss"]
    assert result["few_shot_accuracy"] > result["zero_shot_accuracy"]


def test_bert_mlm_masked_token_accuracy_reaches_08(trained: Trained) -> None:
    assert final(trained("bert-mlm"))["test_masked_accuracy"] >= 0.8


def test_word2vec_neighbours_come_from_the_words_own_group(trained: Trained) -> None:
    # the share of each grouped word's five nearest neighbours that are from its own group
    assert final(trained("word2vec"))["neighbour_precision"] >= 0.9


def test_vit_digits_reaches_095(trained: Trained) -> None:
    assert final(trained("vit-digits"))["test_accuracy"] >= 0.95


def test_conformer_signals_learns(trained: Trained) -> None:
    engine = trained("conformer-signals")
    result = final(engine)
    assert result["test_accuracy"] >= 0.9  # "learns": five kinds of waveform, chance 0.2
    assert result["test_accuracy"] > 3 * _chance(engine)
