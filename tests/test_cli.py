"""The command line: files written, exit codes 0 / 2 / 3, one-line messages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from mlsp_studio.cli import main
from mlsp_studio.model.project import save_project


def test_presets_lists_every_core_preset(capsys) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in ("xor-perceptron", "spiral", "regression-sine", "digits-cnn", "signal-cnn1d"):
        assert name in out


def test_run_writes_its_files(tmp_path, capsys, drawn) -> None:
    out = tmp_path / "run"
    code = main(["run", "digits-cnn", "--steps", "30", "--out", str(out), "--seed", "3",
                 "--set", "batch_size=16", "--quiet"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("paradigm", "steps", "seconds", "steps_per_second", "final"):
        assert key in summary
    assert summary["steps"] == 30 and summary["seed"] == 3
    assert 0.0 <= summary["final"]["test_accuracy"] <= 1.0
    assert "test_loss" in summary["final"]
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert rows and set(rows[0]) == {"step", "split", "metric", "value"}
    assert (out / "model.safetensors").stat().st_size > 1000
    assert json.loads((out / "project.json").read_text())["hparams"]["batch_size"] == 16
    for figure in ("curves.png", "confusion.png", "feature_maps.png", "kernels.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
        assert drawn.ink(out / figure) > 0.05, figure  # read back: drawn on
    # the figures draw the run: its training loss, step by step, as metrics.csv has it ...
    loss = [(int(r["step"]), float(r["value"])) for r in rows
            if r["split"] == "train" and r["metric"] == "loss"]
    curves = drawn.of(out / "curves.png")
    assert drawn.axes(curves)[0].get_title().startswith("Loss")
    train = next(line for line in drawn.axes(curves)[0].get_lines()
                 if line.get_label() == "training (each step)")
    assert list(train.get_xdata()) == [s for s, _ in loss]
    assert list(train.get_ydata()) == pytest.approx([v for _, v in loss], rel=1e-5)
    # ... its test predictions, as many as the test set, at the accuracy in the summary ...
    confusion = drawn.of(out / "confusion.png")
    counts = [float(t.get_text()) for t in drawn.axes(confusion)[0].texts]
    assert len(counts) == 100 and sum(counts) > 0
    accuracy = 100 * summary["final"]["test_accuracy"]
    assert f"accuracy {accuracy:.1f}%" in drawn.text(confusion)
    # ... the kernels of its first convolution, and its feature maps
    kernels = drawn.of(out / "kernels.png")
    assert drawn.images(kernels) and all(k.ndim == 2 for k in drawn.images(kernels))
    assert len(drawn.images(drawn.of(out / "feature_maps.png"))) > 1


def test_regression_summary_has_test_mse(tmp_path) -> None:
    assert main(["run", "regression-sine", "--steps", "20", "--out", str(tmp_path / "r"),
                 "--quiet"]) == 0
    final = json.loads((tmp_path / "r" / "summary.json").read_text())["final"]
    assert "test_mse" in final and "test_loss" in final


@pytest.mark.parametrize("args, words", [
    (["run", "no-such-preset"], "unknown preset"),
    (["run", "spiral", "--set", "lr=99"], "lr must be"),
    (["run", "spiral", "--set", "lr"], "NAME=VALUE"),
    (["run", "spiral", "--set", "flux=2"], "no setting called 'flux'"),
    (["run", "spiral", "--steps", "0"], "--steps"),
    (["run", "spiral", "--variant", "nope"], "no variant"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, args, words) -> None:
    out = tmp_path / "never"
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()  # nothing half-done


def test_corrupt_project_file_exits_2(tmp_path, capsys) -> None:
    bad = tmp_path / "broken.mlsp.json"
    bad.write_bytes(b"\x00\x01binary")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "binary" in capsys.readouterr().err


def test_divergence_exits_3_naming_the_step(tmp_path, capsys) -> None:
    from test_engine import diverging_project

    path = save_project(diverging_project(), tmp_path / "linear.mlsp.json")
    code = main(["run", str(path), "--out", str(tmp_path / "d"), "--quiet"])
    assert code == 3
    assert "diverged at step" in capsys.readouterr().err


def test_console_script_runs_without_traceback(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "mlsp_studio.cli", "run", "nope"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "unknown preset" in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    cmd = [sys.executable, "-m", "mlsp_studio.cli", "presets"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        child.stdout.readline()  # like 'mlsp-studio presets | head -1'
        child.stdout.close()
        err = child.stderr.read().decode()
        assert child.wait(timeout=120) == 0
    assert "Traceback" not in err and "Broken pipe" not in err


def test_device_cuda_trains_or_says_why(tmp_path, capsys) -> None:
    import torch

    code = main(["run", "spiral", "--steps", "3", "--device", "cuda", "--out",
                 str(tmp_path / "c"), "--quiet", "--no-figures"])
    if torch.cuda.is_available():
        assert code == 0
        assert json.loads((tmp_path / "c" / "summary.json").read_text())["device"] == "cuda:0" \
            or json.loads((tmp_path / "c" / "summary.json").read_text())["device"] == "cuda"
    else:
        assert code == 2
        assert "no usable NVIDIA GPU" in capsys.readouterr().err
        assert not (tmp_path / "c").exists()


def test_export_writes_onnx_and_python_and_refuses_bad_weights(tmp_path, capsys) -> None:
    onnx_file = tmp_path / "spiral.onnx"
    assert main(["export", "spiral", "--format", "onnx", "-o", str(onnx_file)]) == 0
    assert onnx_file.stat().st_size > 1000
    script = tmp_path / "spiral.py"
    assert main(["export", "spiral", "--format", "python", "-o", str(script)]) == 0
    compile(script.read_text(), str(script), "exec")
    run = tmp_path / "run"
    assert main(["run", "spiral", "--steps", "3", "--out", str(run), "--quiet",
                 "--no-figures"]) == 0
    capsys.readouterr()
    refused = tmp_path / "digits.onnx"
    assert main(["export", "digits-cnn", "--format", "onnx", "-o", str(refused),
                 "--weights", str(run / "model.safetensors")]) == 2
    assert "does not fit" in capsys.readouterr().err
    assert not refused.exists()


def test_all_variants_writes_a_folder_each_and_a_comparison(tmp_path, capsys, drawn) -> None:
    out = tmp_path / "cmp"
    code = main(["run", "xor-perceptron", "--all-variants", "--steps", "40", "--out", str(out),
                 "--quiet", "--threads", "1"])
    assert code == 0
    variants = json.loads((out / "comparison.json").read_text())
    assert set(variants) == {"perceptron", "hidden"}
    for name in variants:
        assert json.loads((out / name / "summary.json").read_text())["steps"] == 40
        assert "test_accuracy" in variants[name]
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    comparison = drawn.of(out / "comparison.png")  # a labelled line per variant in each plot
    for ax in drawn.axes(comparison):
        assert [line.get_label() for line in ax.get_lines()
                if not line.get_label().startswith("_")] == list(variants)
    assert drawn.ink(out / "comparison.png") > 0.02
    printed = capsys.readouterr().out
    assert "perceptron" in printed and "test_accuracy" in printed


def test_all_variants_and_variant_together_are_refused(capsys) -> None:
    assert main(["run", "xor-perceptron", "--all-variants", "--variant", "hidden"]) == 2
    assert "not both" in capsys.readouterr().err


def test_all_variants_needs_variants(tmp_path, capsys) -> None:
    project = tmp_path / "p.mlsp.json"
    from mlsp_studio.model.presets import load_preset

    plain = load_preset("spiral")
    plain.variants = {}
    save_project(plain, project)
    assert main(["run", str(project), "--all-variants", "--out", str(tmp_path / "o")]) == 2
    assert "no variants" in capsys.readouterr().err
