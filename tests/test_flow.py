"""Normalizing flows: the coupling layer inverts exactly and its log-determinant is the
autograd Jacobian's, the NLL is the change of variables and falls as the flow trains, a
non-finite loss is refused, the mixture entropy is right, the pictures and figures show what
the flow computed, the exported script trains the studio's flow, and flow-2d reaches its
target (slow)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from mlsp_studio.engine import Engine
from mlsp_studio.errors import ProjectError
from mlsp_studio.export.python_script import export_python, python_source
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project, check_project
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.flow.figures import FIGURES
from mlsp_studio.paradigms.flow.snapshots import (
    density_picture,
    layer_stages,
    stage_lines,
    stage_words,
)
from mlsp_studio.paradigms.flow.train_parts import (
    Coupling,
    Flow,
    coupling_masks,
    mixture_entropy,
    nll,
    standardiser,
)
from mlsp_studio.paradigms.flow.train_visuals import LINE_POINTS, LINES

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from flow_snapshot_cases import FLOW_SNAPSHOTS  # noqa: E402

METRIC = re.compile(r"^([a-z_]+) (-?\d+\.\d+)$")


def _mlp(kept: int, changed: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(kept, 16), nn.Tanh(), nn.Linear(16, 2 * changed))
    with torch.no_grad():  # large enough that the scales and shifts matter
        net[2].weight.mul_(3.0)
        net[2].bias.uniform_(-1.0, 1.0)
    return net


def _flow(dim: int, layers: int, dtype=torch.float32, bound: float = 2.0) -> Flow:
    couplings = [Coupling(_mlp(kept, dim - kept, k), dim, kept, last, bound, 3.0)
                 for k, (kept, last) in enumerate(coupling_masks(dim, layers))]
    centre = torch.linspace(-1.0, 1.0, dim)
    scale = torch.linspace(0.5, 2.0, dim)
    return Flow(couplings, centre, scale).to(dtype)


def _engine(project: Project | None = None, steps: int = 10, **hparams) -> Engine:
    project = project or load_preset("flow-2d")
    project.hparams.update(hparams)
    engine = Engine(project, max_steps=steps, threads=1)
    engine.build()
    return engine


# --- the coupling layer and the flow ---------------------------------------------------------

def test_masks_alternate_and_change_every_coordinate() -> None:
    assert coupling_masks(2, 4) == [(1, False), (1, True), (1, False), (1, True)]
    for dim in (2, 3, 5):
        changed = set()
        for kept, last in coupling_masks(dim, 2):
            kept_set = set(range(dim - kept, dim)) if last else set(range(kept))
            changed |= set(range(dim)) - kept_set
        assert changed == set(range(dim)), dim


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_coupling_is_exactly_invertible(dim: int) -> None:
    g = torch.Generator().manual_seed(dim)
    x = 2.0 * torch.randn(512, dim, generator=g)
    for k, (kept, last) in enumerate(coupling_masks(dim, 2)):
        coupling = Coupling(_mlp(kept, dim - kept, k), dim, kept, last, 2.0, 3.0)
        with torch.no_grad():
            z, _ = coupling(x)
            back = coupling.inverse(z)
        kept_cols = slice(dim - kept, dim) if last else slice(0, kept)
        assert torch.equal(z[:, kept_cols], x[:, kept_cols])  # the kept half passes as it is
        assert not torch.allclose(z, x, atol=1e-2)            # the other half moved
        assert (back - x).abs().max().item() < 1e-5, (dim, k)
    flow = _flow(dim, 8, torch.float64)
    with torch.no_grad():
        z, _ = flow(x.double())
        assert (flow.inverse(z) - x.double()).abs().max().item() < 1e-10


@pytest.mark.parametrize("dim", [2, 3])
def test_log_det_is_the_autograd_jacobians(dim: int) -> None:
    torch.manual_seed(1)
    x = 1.5 * torch.randn(6, dim, dtype=torch.float64)
    coupling = Coupling(_mlp(dim // 2, dim - dim // 2, 3), dim, dim // 2, True, 2.0,
                        3.0).double()
    flow = _flow(dim, 6, torch.float64)
    for module in (coupling, flow):
        _, log_det = module(x)
        for i in range(len(x)):
            jac = torch.autograd.functional.jacobian(
                lambda row, m=module: m(row[None])[0][0], x[i])
            sign, logabs = torch.linalg.slogdet(jac)
            assert sign != 0
            assert log_det[i].item() == pytest.approx(logabs.item(), abs=1e-9)


def test_log_prob_is_the_change_of_variables() -> None:
    # no couplings: the flow is a standardised Gaussian, whose log-density is known
    centre, scale = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 3.0])
    flow = Flow([], centre, scale)
    x = torch.randn(100, 2) * scale + centre
    expected = torch.distributions.Normal(centre, scale).log_prob(x).sum(1)
    assert torch.allclose(flow.log_prob(x), expected, atol=1e-5)
    assert nll(flow, x).item() == pytest.approx(-expected.mean().item(), abs=1e-5)
    assert nll(flow, x, batch=7).item() == pytest.approx(-expected.mean().item(), abs=1e-5)
    # and the bounds hold each coupling's log-scale and shift, however far off the input
    bounded = _flow(2, 4, bound=0.3)
    for coupling in bounded.couplings:
        s, t = coupling.scale_and_shift(100 * torch.randn(50, 1))
        assert s.abs().max().item() <= 0.3 + 1e-6 and t.abs().max().item() <= 3.0 + 1e-6
        assert s.abs().max().item() > 0.29  # reached: the bound is what stops it


def test_samples_follow_the_flow() -> None:
    flow = _flow(2, 4)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        drawn = flow.sample(300, generator=torch.Generator().manual_seed(0))
        z = torch.randn(300, 2, generator=g)
        assert torch.allclose(drawn, flow.inverse(z))
        x, stages = flow.inverse(z, keep=True)
        assert len(stages) == 5 and torch.equal(stages[0], z)
        assert torch.allclose(stages[-1] * flow.scale + flow.centre, x)


def test_standardiser_and_mixture_entropy() -> None:
    x = torch.randn(4000, 2) * torch.tensor([2.0, 0.5]) + torch.tensor([3.0, -1.0])
    centre, scale = standardiser(x)
    assert torch.allclose(centre, x.mean(0), atol=1e-4)
    assert torch.allclose(scale, x.std(0), atol=1e-4)
    # one Gaussian: d/2 · log(2πe σ²); eight far apart: log 8 more
    one = 0.5 * 2 * math.log(2 * math.pi * math.e * 0.05 ** 2)
    assert mixture_entropy(np.zeros((1, 2)), 0.05, 100_000) == pytest.approx(one, abs=0.01)
    angle = 2 * np.pi * np.arange(8) / 8
    ring = 2.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
    assert mixture_entropy(ring, 0.05) == pytest.approx(one + math.log(8), abs=0.01)
    assert mixture_entropy(ring, 0.05) == mixture_entropy(ring, 0.05)  # a fixed seed


# --- the paradigm -----------------------------------------------------------------------------

def test_setup_gives_every_coupling_a_fresh_conditioner() -> None:
    engine = _engine(layers=5)
    p = engine.paradigm
    nets = [c.conditioner for c in p.flow.couplings]
    assert len(nets) == 5 and nets[0] is engine.nets["conditioner"]
    assert p.copies["conditioner"] == nets[1:]
    firsts = [next(net.parameters()).detach() for net in nets]
    assert all(not torch.equal(a, b)  # each its own starting weights
               for a, b in zip(firsts, firsts[1:], strict=False))
    assert sum(len(g["params"]) for g in p.optimizer.param_groups) == len(
        list(p.flow.parameters()))
    assert [(c.kept, c.kept_last) for c in p.flow.couplings] == coupling_masks(2, 5)


def test_nll_falls_over_a_short_run() -> None:
    engine = _engine(steps=150)
    before = engine.paradigm.evaluate("val")["loss"]
    losses = [engine.paradigm.step()["loss"] for _ in range(150)]
    after = engine.paradigm.evaluate("val")["loss"]
    assert all(math.isfinite(v) for v in losses)
    assert after < before - 1.0 and np.mean(losses[-20:]) < np.mean(losses[:20]) - 1.0
    final = engine.paradigm.final_metrics()
    assert {"train_loss", "val_loss", "test_loss", "entropy", "nll_gap"} <= set(final)
    assert final["entropy"] == pytest.approx(math.log(8) + math.log(2 * math.pi * math.e
                                                                   * 0.05 ** 2), abs=0.01)
    assert final["nll_gap"] == pytest.approx(final["test_loss"] - final["entropy"])
    assert final["flow_params"] == 16 * engine.nets["conditioner"].num_params  # every copy


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_noise_jitters_the_training_batches_only(noise: float, monkeypatch) -> None:
    from mlsp_studio.paradigms.flow import train as flow_train

    engine = _engine(noise=noise)
    p = engine.paradigm
    fed, rows = [], []
    monkeypatch.setattr(flow_train, "nll", lambda flow, x: fed.append(x) or nll(flow, x))
    take = p._next_indices
    monkeypatch.setattr(p, "_next_indices", lambda: rows.append(take()) or rows[-1])
    p.step()
    jitter = (fed[0] - p.x[rows[0]]).numpy()
    assert jitter.shape == (1024, 2)
    assert jitter.std() == pytest.approx(noise, rel=0.1, abs=1e-12)
    fed.clear()
    p.evaluate("val")  # checks score the data as it is
    assert torch.equal(fed[0], p.split_rows("val"))


def test_a_non_finite_loss_is_refused_before_the_weights_move() -> None:
    engine = _engine()
    p = engine.paradigm
    with torch.no_grad():
        p.flow.couplings[3].conditioner.blocks["n6"].bias.fill_(float("nan"))
    before = {k: v.clone() for k, v in p.flow.state_dict().items()}
    with pytest.raises(NonFiniteLoss):
        p.step()
    after = p.flow.state_dict()
    assert all(torch.equal(before[k].nan_to_num(7.0), after[k].nan_to_num(7.0)) for k in after)
    assert p.steps_done == 0 and all(q.grad is None for q in p.flow.parameters())


def test_the_canvas_says_what_the_conditioner_must_give() -> None:
    project = load_preset("flow-2d")
    project.slots["conditioner"].nodes[6].params["units"] = 3
    check = check_project(project, BLOCKS)
    assert not check.ok
    assert "must give (N, 2)" in check.errors[0] and "log-scale and a shift" in check.errors[0]
    assert check.contexts["conditioner"].inputs == {"kept": (1,)}  # the kept coordinate


def test_what_a_flow_cannot_do_is_refused_in_words() -> None:
    project = load_preset("flow-2d")
    project.dataset, project.dataset_options = "sine", {}
    with pytest.raises(ProjectError, match="at least two numbers"):
        Engine(project).build()


def test_a_fork_brings_back_every_coupling(tmp_path) -> None:
    """The engine keeps all couplings (the slot's conditioner and the paradigm's copies): the
    run folder holds each, and a fork starts from all of them, not from the first alone."""
    from mlsp_studio.engine.outputs import write_run
    from mlsp_studio.engine.run_checkpoints import fork_engine

    engine = _engine(steps=12, layers=3)
    engine.run_blocking()
    names = {p.name for p in write_run(tmp_path, engine)}
    assert {"conditioner.safetensors", "conditioner.2.safetensors",
            "conditioner.3.safetensors"} <= names
    trained = {k: v.clone() for k, v in engine.paradigm.flow.state_dict().items()}
    fork = Engine(load_preset("flow-2d"), max_steps=1, threads=1)
    fork.project.hparams.update(layers=3)
    fork_engine(fork, tmp_path)
    fork.build()
    again = fork.paradigm.flow.state_dict()
    assert all(torch.equal(trained[k], again[k]) for k in trained)
    total = sum(p.numel() for net in engine.nets.values() for p in net.parameters())
    assert total == engine.paradigm.final_metrics()["flow_params"]


def test_a_flow_on_digits_trains_without_pictures() -> None:
    project = load_preset("flow-2d")
    project.dataset, project.dataset_options = "digits", {}
    project.slots["conditioner"].nodes[6].params["units"] = 64  # scale and shift 32 pixels
    engine = _engine(project, steps=3, layers=2, batch_size=64)
    assert engine.paradigm.visual_kinds == frozenset()
    losses = [engine.paradigm.step()["loss"] for _ in range(3)]
    assert all(math.isfinite(v) for v in losses)
    assert "entropy" not in engine.paradigm.final_metrics()


def test_snapshots_show_what_the_flow_computes() -> None:
    engine = _engine(layers=4)
    p = engine.paradigm
    for _ in range(5):
        p.step()
    snaps = {s.kind: s for s in p.visualize(set(p.visual_kinds))}
    assert set(snaps) == {"flow_density", "flow_samples", "flow_layers"}
    density = snaps["flow_density"]
    assert density.log_density.shape == (len(density.ys), len(density.xs))
    with torch.no_grad():
        point = torch.tensor([[density.xs[5], density.ys[9]]], dtype=torch.float32)
        assert density.log_density[9, 5] == pytest.approx(p.flow.log_prob(point).item(),
                                                          rel=1e-5)
    assert density.entropy == pytest.approx(p.entropy)
    assert density.nll == pytest.approx(p.evaluate("val")["loss"])  # the validation curve's
    samples = snaps["flow_samples"]
    with torch.no_grad():
        assert np.allclose(samples.samples, p.flow.inverse(p.visuals.noise).numpy())
    assert samples.samples.shape == (1000, 2)
    layers = snaps["flow_layers"]
    n = LINE_POINTS
    assert layer_stages(layers) == 5 and layers.lines.shape[1:] == (2 * LINES, n, 2)
    rows, _ = stage_lines(layers, 0)  # the Gaussian's own square grid, straight lines
    assert np.allclose(rows[:n, 1], -3.0) and np.allclose(rows[:n, 0], np.linspace(-3, 3, n))
    with torch.no_grad():  # the last stage is the grid carried all the way, in data units
        end = p.flow.inverse(torch.tensor(layers.lines[0].reshape(-1, 2),
                                          dtype=torch.float32)).numpy()
    assert np.allclose(layers.lines[-1].reshape(-1, 2), end, atol=1e-5)
    assert np.allclose(layers.points[-1], samples.samples[:400], atol=1e-5)
    again = p.visualize({"flow_samples"})[0]  # fixed noise: the same samples
    assert np.array_equal(again.samples, samples.samples)


# --- figures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_figures_draw_every_case(kind: str, drawn, tmp_path: Path) -> None:
    file_name, drawer = FIGURES[kind]
    assert file_name == f"{kind}.png"
    for k, snap in enumerate(FLOW_SNAPSHOTS[kind]()):
        fig = drawer(snap)
        assert isinstance(fig, Figure) and fig.axes
        fig.savefig(tmp_path / f"{k}.png")
        assert drawn.ink(tmp_path / f"{k}.png") > 0.005, k  # read back: not a blank page
    snap = FLOW_SNAPSHOTS[kind]()[0]
    fig = drawer(snap)
    fig.savefig(tmp_path / "ordinary.png")
    text = drawn.text(fig)
    if kind == "flow_density":
        assert drawn.shows(fig, density_picture(snap)[0])  # exp(log p) over the plane
        assert drawn.shows(fig, snap.data)
        assert "validation NLL -0.80 nats" in text and "gap 0.27" in text
        assert drawn.colours(tmp_path / "ordinary.png") > 50  # a heatmap, not a flat page
    elif kind == "flow_samples":
        assert drawn.shows(fig, snap.samples) and drawn.shows(fig, snap.data)
        assert {"samples", "held-out data"} <= set(drawn.texts(fig))
    else:
        stages = layer_stages(snap)
        first, last = stage_lines(snap, 0), stage_lines(snap, stages - 1)
        lines = [np.asarray(line.get_xydata()) for line in drawn.lines(fig)]
        for wanted in (*first, *last):  # the grid as it starts and as it ends
            assert any(a.shape == wanted.shape and np.allclose(a, wanted, equal_nan=True)
                       for a in lines)
        assert drawn.shows(fig, snap.points[0]) and drawn.shows(fig, snap.points[-1])
        assert stage_words(0, stages) in text and stage_words(stages - 1, stages) in text


# --- the exported script ---------------------------------------------------------------------

def test_script_copies_the_studios_parts_and_builds_its_conditioners() -> None:
    project = load_preset("flow-2d")
    source = python_source(project)
    assert "mlsp_studio" not in source
    parts = Path(__file__).parents[1] / "mlsp_studio/paradigms/flow/train_parts.py"
    start = parts.read_text(encoding="utf-8").index("class Coupling")
    body = parts.read_text(encoding="utf-8")[start:].split("\n\n\n")[0]
    assert body in source  # the very text of the studio's coupling layer
    namespace = {"__name__": "exported_script"}
    exec(compile(source, "exported_script.py", "exec"), namespace)
    engine = _engine(layers=project.hparams["layers"])
    torch.manual_seed(project.seed)  # the script builds one conditioner per coupling in turn
    built = [namespace["Conditioner"]() for _ in engine.paradigm.flow.couplings]
    for mine, theirs in zip(built, engine.paradigm.flow.couplings, strict=True):
        pairs = zip(mine.parameters(), theirs.conditioner.parameters(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)


def test_exported_script_trains_the_studios_flow(tmp_path: Path) -> None:
    project = load_preset("flow-2d")
    path = export_python(project, tmp_path / "flow_2d.py")
    env = {**os.environ, "EPOCHS": "2", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, path.name], cwd=path.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines if line.startswith("epoch")] == ["1/2", "2/2"]
    script = {m.group(1): float(m.group(2)) for m in map(METRIC.match, lines) if m}
    project.hparams["epochs"] = 2
    engine = Engine(project, threads=1)
    studio = dict(engine.run_blocking().final)
    # same data, weights, batches and steps: equal up to the printed digits
    for key in ("train_loss", "val_loss", "test_loss", "entropy", "nll_gap"):
        assert abs(script[key] - studio[key]) <= 2e-3, (key, script[key], studio[key])


def test_the_script_is_ruff_clean(tmp_path: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    path = tmp_path / "flow_2d.py"
    project = load_preset("flow-2d")
    project.hparams.update(grad_clip=0.0, noise=0.0)
    (tmp_path / "no_clip.py").write_text(python_source(project), encoding="utf-8")
    path.write_text(python_source(load_preset("flow-2d")), encoding="utf-8")
    plain = (tmp_path / "no_clip.py").read_text(encoding="utf-8")
    settings = {line.split("#")[0].strip() for line in plain.splitlines()}
    assert {"GRAD_CLIP = 0.0", "NOISE = 0.0"} <= settings  # written, and off
    assert "NOISE = 0.02" in path.read_text(encoding="utf-8")
    result = subprocess.run([str(ruff), "check", "--isolated", "--line-length", "100",
                             "--select", "E,F,W,I,B,UP", str(path), str(tmp_path / "no_clip.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_conditioner_exports_to_onnx(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from mlsp_studio.export.onnx_export import check_onnx, export_onnx

    project = load_preset("flow-2d")
    out = export_onnx(project, tmp_path / "conditioner.onnx", slot="conditioner")
    assert check_onnx(project, out, slot="conditioner") <= 1e-5


# --- the preset's target (slow) ----------------------------------------------------------------

@pytest.mark.slow
def test_flow_2d_comes_within_0_3_nats_of_the_entropy() -> None:
    engine = Engine(load_preset("flow-2d"), threads=1)  # the preset's own settings, all epochs
    final = dict(engine.run_blocking().final)
    assert final["nll_gap"] <= 0.3, final
    assert final["test_loss"] == pytest.approx(final["entropy"] + final["nll_gap"])
