"""Scripts of autoencoder, GAN and diffusion projects: they compile, make the studio's data,
build each network with the studio's parameters, print the studio's final metrics, and on the
same short budget reach the studio's numbers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from script_checks import assert_same_data, load_script, preset_projects

from mlsp_studio.engine import Engine
from mlsp_studio.errors import StudioError
from mlsp_studio.export.python_script import export_python, python_source
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project

PRESETS = ("autoencoder-digits", "denoising-ae", "anomaly-ae", "gan-ring", "gan-digits",
           "ddpm-2d", "ddpm-digits")
METRIC = re.compile(r"^([a-z_]+) (-?\d+\.\d+)$")
PROJECTS = preset_projects(PRESETS)
CLASSES = {"encoder": "Encoder", "decoder": "Decoder", "generator": "Generator",
           "discriminator": "Discriminator", "denoiser": "Denoiser"}


@pytest.mark.parametrize("name,project", PROJECTS, ids=[n for n, _ in PROJECTS])
def test_script_has_the_studios_data_and_networks(name: str, project: Project) -> None:
    source = python_source(project)
    assert "mlsp_studio" not in source
    script = load_script(source)
    assert_same_data(script, project)
    engine = Engine(project)
    engine.build()
    torch.manual_seed(project.seed)  # the script builds its networks in the slots' order
    for slot, net in engine.nets.items():
        model = script[CLASSES[slot]]()
        assert sum(p.numel() for p in model.parameters()) == net.num_params, slot
        pairs = list(zip(model.parameters(), net.parameters(), strict=True))
        assert all(torch.equal(a, b) for a, b in pairs), slot


def _run(path: Path, epochs: int) -> dict[str, float]:
    """Run the script with EPOCHS set; the metric lines it ends with."""
    env = {**os.environ, "EPOCHS": str(epochs), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, path.name], cwd=path.parent, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    epochs_done = [line.split()[1] for line in lines if line.startswith("epoch")]
    assert epochs_done[-1] == f"{epochs}/{epochs}", epochs_done
    return {m.group(1): float(m.group(2)) for m in map(METRIC.match, lines) if m}


@pytest.mark.parametrize("name,epochs,expected", [
    ("anomaly-ae", 2, {"val_mse", "test_mse", "latent_knn_accuracy", "anomaly_mse", "auroc"}),
    ("gan-digits", 1, {"val_d_loss", "test_d_fake"}),
    ("ddpm-2d", 2, {"test_loss", "mmd", "mmd_baseline", "near_mode_share", "modes_found"}),
])
def test_a_short_run_prints_the_final_metrics(tmp_path: Path, name: str, epochs: int,
                                              expected: set[str]) -> None:
    metrics = _run(export_python(load_preset(name), tmp_path), epochs)
    assert expected <= set(metrics), metrics


def _studio(project: Project, epochs: int) -> dict[str, float]:
    project.hparams["epochs"] = epochs
    engine = Engine(project, threads=1)
    engine.run_blocking()
    return dict(engine.finished.final)


@pytest.mark.slow
@pytest.mark.parametrize("name,variant,epochs,names", [
    ("denoising-ae", "masking", 4, ("test_mse", "noisy_input_mse", "latent_knn_accuracy")),
    ("gan-ring", "reversal", 30, ("modes_covered", "high_quality_fraction", "val_d_real")),
    ("ddpm-2d", None, 4, ("test_loss", "mmd", "near_mode_share")),
])
def test_the_script_reaches_the_studios_numbers(tmp_path: Path, name: str, variant: str | None,
                                                epochs: int, names: tuple[str, ...]) -> None:
    project = load_preset(name)
    project = project.with_variant(variant) if variant else project
    metrics = _run(export_python(project, tmp_path / "run.py"), epochs)
    studio = _studio(project, epochs)
    for key in names:  # same data, weights, batches and noise: equal up to the printed digits
        assert abs(metrics[key] - studio[key]) <= 2e-3, (key, metrics[key], studio[key])


def test_settings_a_script_does_not_carry_out_are_refused_in_one_sentence() -> None:
    project = load_preset("gan-ring")
    project.hparams["patience"] = 5
    with pytest.raises(StudioError, match="patience=5") as err:
        python_source(project)
    assert "\n" not in str(err.value)
    project = load_preset("ddpm-digits")
    project.hparams.update(timesteps=20, sample_steps=50)
    with pytest.raises(StudioError, match="sample_steps=50"):
        python_source(project)


def test_the_script_follows_the_settings_it_writes() -> None:
    gan = load_preset("gan-ring")
    assert "GENERATOR_LOSS = 'reversal'" in python_source(gan.with_variant("reversal"))
    assert "D_STEPS = 5" in python_source(gan.with_variant("k5"))
    digits = python_source(load_preset("ddpm-digits"))
    assert "CONDITIONAL = True" in digits and "CLIP = 1.0" in digits
    assert "DENOISER_INPUTS = ('x', 't', 'c')" in digits  # fed to the denoiser in this order
    two_d = python_source(load_preset("ddpm-2d"))
    assert "CONDITIONAL = False" in two_d and "SCHEDULE = 'cosine'" in two_d
    assert "NOISE = 'gaussian'" in python_source(load_preset("denoising-ae")
                                                 .with_variant("gaussian"))
    assert "NOISE = 'none'" in python_source(load_preset("autoencoder-digits"))


def test_the_scripts_are_ruff_clean(tmp_path: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    paths = []
    for name, project in preset_projects(PRESETS):
        paths.append(tmp_path / f"{name.replace(':', '_')}.py")
        paths[-1].write_text(python_source(project), encoding="utf-8")
    result = subprocess.run([str(ruff), "check", "--isolated", "--line-length", "100",
                             "--select", "E,F,W,I,B,UP", *map(str, paths)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
