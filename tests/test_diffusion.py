"""Diffusion: schedules against the papers' closed forms, guidance arithmetic, samplers that
recover a known Gaussian from its exact noise predictor, training mechanics, refusals, MMD
and the figures."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from mlsp_studio.data import make_dataset
from mlsp_studio.engine import Engine
from mlsp_studio.errors import ParamError
from mlsp_studio.messages.events import Answered
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.paradigms import PARADIGM_SPECS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import check_project
from mlsp_studio.nn.compile import compile_graph
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.diffusion.figures import FIGURES
from mlsp_studio.paradigms.diffusion.snapshots import noised
from mlsp_studio.paradigms.diffusion.train import DiffusionParadigm
from mlsp_studio.paradigms.diffusion.train_metrics import gaussian_like, mmd_rbf, ring_quality
from mlsp_studio.paradigms.diffusion.train_schedule import (
    _at,
    check_sampling,
    ddim_steps,
    guided,
    make_schedule,
    noise_to,
    sample,
)

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from diffusion_snapshot_cases import DIFFUSION_SNAPSHOTS  # noqa: E402

# --- schedules -------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1000, 100, 37])
def test_linear_schedule_is_ho_et_al_scaled_for_T(T: int) -> None:
    s = make_schedule("linear", T)
    scale = 1000 / T
    assert s.betas[0] == pytest.approx(1e-4 * scale) and s.betas[-1] == pytest.approx(0.02 * scale)
    assert np.allclose(np.diff(s.betas), np.diff(s.betas)[0])  # a straight line
    alpha_bar = 1.0
    for t in range(T):  # ᾱ_t = Π_{s ≤ t} (1 − β_s), by hand
        alpha_bar *= 1.0 - s.betas[t]
        assert s.alpha_bar[t] == pytest.approx(alpha_bar, rel=1e-12)
    if T == 1000:
        assert s.alpha_bar[-1] == pytest.approx(4.0e-5, rel=0.05)  # Ho et al.: ᾱ_T ≈ 4e-5


def test_cosine_schedule_follows_nichol_and_dhariwal() -> None:
    T, off = 200, 0.008
    s = make_schedule("cosine", T)

    def f(t: float) -> float:
        return math.cos((t / T + off) / (1 + off) * math.pi / 2) ** 2

    for t in range(T):  # step t (0-based) brings ᾱ to f(t + 1) / f(0) while β is unclipped
        if s.betas[t] < 0.999:
            assert s.alpha_bar[t] == pytest.approx(f(t + 1) / f(0), rel=1e-9, abs=1e-12)
    assert s.betas.max() == pytest.approx(0.999)  # clipped at the end, as in the paper
    assert np.all(s.betas[:-1] < 0.999) and s.betas[-1] == pytest.approx(0.999)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_posterior_is_the_papers_closed_form_and_bayes(name: str) -> None:
    s = make_schedule(name, 50)
    for t in range(50):
        beta, bar = s.betas[t], s.alpha_bar[t]
        prev = s.alpha_bar[t - 1] if t else 1.0
        # Ho et al. eq. 7
        assert s.posterior_coef_x0[t] == pytest.approx(beta * math.sqrt(prev) / (1 - bar))
        assert s.posterior_coef_xt[t] == pytest.approx(
            math.sqrt(1 - beta) * (1 - prev) / (1 - bar))
        assert s.posterior_variance[t] == pytest.approx((1 - prev) / (1 - bar) * beta,
                                                        abs=1e-15)
        if t:  # and from Bayes: q(x_{t-1} | x_0) q(x_t | x_{t-1}), two Gaussians in x_{t-1}
            precision = (1 - beta) / beta + 1 / (1 - prev)
            assert s.posterior_variance[t] == pytest.approx(1 / precision, rel=1e-9)
            assert s.posterior_coef_xt[t] == pytest.approx(
                math.sqrt(1 - beta) / beta / precision, rel=1e-9)
            assert s.posterior_coef_x0[t] == pytest.approx(
                math.sqrt(prev) / (1 - prev) / precision, rel=1e-9)


def test_forward_noise_matches_the_panels_numpy() -> None:
    s = make_schedule("linear", 100)
    x0, noise = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    bar = np.concatenate([[1.0], s.alpha_bar])
    for t in (0, 1, 50, 99):
        here = noise_to(s, x0, torch.full((5,), t), noise).numpy()
        # the panel numbers steps as the papers: network step t is x_{t+1}
        assert np.allclose(here, noised(bar, x0.numpy(), noise.numpy(), t + 1))
    assert np.allclose(noised(bar, x0.numpy(), noise.numpy(), 0), x0.numpy())


# --- guidance and samplers -------------------------------------------------------------------

def test_guidance_combination() -> None:
    cond, uncond = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 1.0])
    assert torch.equal(guided(cond, uncond, 0.0), uncond)
    assert torch.equal(guided(cond, uncond, 1.0), cond)
    assert torch.allclose(guided(cond, uncond, 3.0), torch.tensor([0.5 + 3 * 1.5, 1.0 - 6.0]))


def gaussian_eps(s, mu: torch.Tensor, sigma: torch.Tensor):
    """The exact E[ε | x_t] for data N(μ, diag σ²): x_t ~ N(√ᾱ μ, ᾱσ² + 1 − ᾱ)."""
    def eps(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        bar = _at(s.alpha_bar, t, x)
        return (1 - bar).sqrt() * (x - bar.sqrt() * mu) / (bar * sigma ** 2 + 1 - bar)
    return eps


@pytest.mark.parametrize("name", ["linear", "cosine"])
@pytest.mark.parametrize("sampler,steps", [("ddpm", None), ("ddim", 250)])
def test_samplers_recover_a_known_gaussian(name: str, sampler: str, steps: int | None) -> None:
    s = make_schedule(name, 1000)
    mu, sigma = torch.tensor([1.5, -0.5], dtype=torch.float64), torch.tensor([0.5, 0.8])
    g = torch.Generator().manual_seed(0)
    x_T = torch.randn(4000, 2, generator=g, dtype=torch.float64)
    x0, trajectory = sample(s, gaussian_eps(s, mu, sigma.double()), x_T, sampler=sampler,
                            steps=steps, generator=g, keep=8)
    assert torch.allclose(x0.mean(0), mu, atol=0.05)  # 4 standard errors of 4000 draws
    assert torch.allclose(x0.std(0), sigma.double(), rtol=0.05)
    assert [t for t, _ in trajectory][0] == 1000 and trajectory[-1][0] == 0
    assert len(trajectory) == 8 and torch.equal(trajectory[-1][1], x0)
    # and a denoiser that always says "no noise" leaves the noise as it was (DDIM)
    if sampler == "ddim":
        same, _ = sample(s, lambda x, t: torch.zeros_like(x), x_T[:10], sampler="ddim", steps=5)
        assert not torch.allclose(same, x_T[:10])  # x̂_0 = x_t / √ᾱ_t is scaled up


def test_ddim_steps_and_refusals() -> None:
    assert list(ddim_steps(100, 5)) == [99, 74, 50, 25, 0]
    assert len(ddim_steps(100, 100)) == 100
    s = make_schedule("linear", 100)
    with pytest.raises(ParamError, match="1 to 100"):
        check_sampling(s, 101, 1.0)
    with pytest.raises(ParamError, match="between 0 and 20"):
        check_sampling(s, 10, 25.0)
    with pytest.raises(ParamError, match="between 0 and 20"):
        check_sampling(s, 10, -1.0)


# --- the paradigm ----------------------------------------------------------------------------

class Recorder(torch.nn.Module):
    """A denoiser that remembers the classes it was fed; ε̂ = w·x + class."""

    sources = ("x", "t", "c")

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.seen: list[torch.Tensor] = []

    def forward(self, x, t, c):
        self.seen.append(c.detach().clone())
        return self.w * x + c


def setup_paradigm(net=None, preset: str = "ddpm-2d", **hparams) -> DiffusionParadigm:
    project = load_preset(preset)
    project.hparams.update(hparams)
    check = check_project(project, BLOCKS)
    data = make_dataset(project.dataset, check.dataset_options)
    if net is None:
        ctx = PARADIGM_SPECS.get("diffusion").slot_context("denoiser", check.hparams,
                                                           data.context())
        net = compile_graph(project.slots["denoiser"], BLOCKS, ctx)
    paradigm = DiffusionParadigm()
    paradigm.setup(project, {"denoiser": net}, data, torch.device("cpu"))
    return paradigm


@pytest.mark.parametrize("dropout,hidden", [(0.0, 0.0), (1.0, 1.0), (0.5, 0.5)])
def test_label_dropout_hides_the_class(dropout: float, hidden: float) -> None:
    net = Recorder()
    p = setup_paradigm(net, "ddpm-digits", label_dropout=dropout, batch_size=256)
    assert p.conditional
    for _ in range(4):
        p.step()
    c = torch.cat(net.seen)[:, 0]
    share = float((c == -1).float().mean())
    assert share == pytest.approx(hidden, abs=0.06)
    assert set(c[c >= 0].long().tolist()) <= set(range(10))


def test_guided_eps_uses_one_pass_at_0_and_1_and_mixes_above() -> None:
    net = Recorder()
    p = setup_paradigm(net, "ddpm-digits")
    x, t = torch.zeros(3, 64), torch.zeros(3, dtype=torch.long)
    asked = torch.tensor([2, 5, -1])
    assert torch.equal(p.guided_eps(asked, 0.0)(x, t), torch.full((3, 64), -1.0))
    assert torch.equal(p.guided_eps(asked, 1.0)(x, t)[:, 0], torch.tensor([2.0, 5.0, -1.0]))
    net.seen.clear()
    mixed = p.guided_eps(asked, 3.0)(x, t)[:, 0]  # -1 + 3 (c + 1)
    assert torch.allclose(mixed, torch.tensor([8.0, 17.0, -1.0]))
    assert len(net.seen) == 1 and len(net.seen[0]) == 6  # one pass of a doubled batch


def test_nan_loss_raises_before_touching_the_weights() -> None:
    p = setup_paradigm()
    before = {k: v.clone() for k, v in p.net.state_dict().items()}
    with torch.no_grad():
        next(p.net.parameters()).fill_(float("nan"))
        before = {k: v.clone() for k, v in p.net.state_dict().items()}
    with pytest.raises(NonFiniteLoss):
        p.step()
    after = p.net.state_dict()
    assert all(torch.equal(before[k].nan_to_num(7.0), after[k].nan_to_num(7.0)) for k in after)
    assert p.steps_done == 0


def test_out_of_range_settings_and_options_are_refused_in_words() -> None:
    with pytest.raises(ParamError, match="sample_steps must be from 1 to timesteps"):
        setup_paradigm(sampler="ddim", timesteps=20, sample_steps=50)
    with pytest.raises(ParamError, match="guidance"):
        PARADIGM_SPECS.get("diffusion").hparams.validate({"guidance": 25.0})
    p = setup_paradigm(None, "ddpm-digits", timesteps=20, sample_steps=5)
    p.set_visual_option("guidance_scale", 50)
    p.set_visual_option("guidance_class", 2)
    snap = p.visualize({"diffusion_trajectory"})[0]
    assert snap.guidance == 3.0 and "between 0 and 20" in snap.note  # kept the last good one
    assert snap.guidance_class == 2 and list(snap.classes[:3]) == [2, 2, 2]
    p.set_visual_option("guidance_class", 10)
    snap = p.visualize({"diffusion_trajectory"})[0]
    assert snap.guidance_class == 2 and "no class 10" in snap.note and "0 to 9" in snap.note
    p.set_visual_option("guidance_scale", 0.0)
    snap = p.visualize({"diffusion_trajectory"})[0]
    assert snap.guidance == 0.0 and "no class 10" in snap.note  # that one still stands
    p.set_visual_option("guidance_class", 3)
    snap = p.visualize({"diffusion_trajectory"})[0]
    assert snap.guidance_class == 3 and snap.note == ""


def test_snapshots_of_a_fresh_2d_model() -> None:
    p = setup_paradigm(timesteps=30, sampler="ddim", sample_steps=10)
    assert p.visual_kinds == {"diffusion_forward", "diffusion_trajectory", "diffusion_samples"}
    snaps = {s.kind: s for s in p.visualize(set(p.visual_kinds))}
    forward = snaps["diffusion_forward"]
    assert forward.alpha_bar[0] == 1.0 and len(forward.alpha_bar) == 31
    assert forward.x0.shape == forward.noise.shape == (2400, 2)  # the whole training cloud
    trajectory = snaps["diffusion_trajectory"]
    assert trajectory.frames.shape == (8, 1000, 2) and trajectory.steps[0] == 30
    assert np.array_equal(snaps["diffusion_samples"].samples, trajectory.frames[-1])
    again = p.visualize({"diffusion_trajectory"})[0]  # fixed noise: the same samples
    assert np.array_equal(again.frames, trajectory.frames)
    assert "loss" in p.evaluate("val") and math.isfinite(p.evaluate("val")["loss"])


# --- metrics ---------------------------------------------------------------------------------

def test_mmd_is_near_zero_for_one_distribution_and_grows_with_a_shift() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    same = mmd_rbf(a, b)
    assert abs(same) < 0.005
    assert mmd_rbf(a, b + [1.0, 0.0]) > 10 * abs(same) + 0.02
    assert mmd_rbf(a, b) == pytest.approx(mmd_rbf(b, a))
    ring = make_dataset("ring", {})
    data = ring.train.x.numpy()
    held = ring.test.x.numpy()
    assert mmd_rbf(gaussian_like(data, 800, 0), held) > 5 * abs(mmd_rbf(data[:800], held))
    quality = ring_quality(data, ring.extras["centres"], ring.extras["spread"])
    assert quality["near_mode_share"] > 0.99 and quality["modes_found"] == 8


# --- figures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_figures_draw_every_case(kind: str, drawn, tmp_path: Path) -> None:
    file_name, drawer = FIGURES[kind]
    assert file_name.endswith(".png")
    for k, snap in enumerate(DIFFUSION_SNAPSHOTS[kind]()):
        fig = drawer(snap)
        assert isinstance(fig, Figure) and fig.axes
        fig.savefig(tmp_path / f"{k}.png")
        assert drawn.ink(tmp_path / f"{k}.png") > 0.005, k  # read back: not a blank page
    # a picture of the points on the plane: its data is what the figure draws
    if kind == "diffusion_forward":
        snap = DIFFUSION_SNAPSHOTS[kind]()[0]
        fig = drawer(snap)
        assert drawn.shows(fig, snap.x0)  # the data at t = 0, then noisier
        assert [t for t in drawn.texts(fig) if t.startswith("t = ")][:2] == ["t = 0", "t = 20"]
    elif kind == "diffusion_trajectory":
        snap = DIFFUSION_SNAPSHOTS[kind]()[1]
        fig = drawer(snap)
        assert drawn.shows(fig, snap.frames)  # a panel per step, from noise to samples
        assert {f"t = {t}" for t in snap.steps} <= set(drawn.texts(fig))
    else:
        snap = DIFFUSION_SNAPSHOTS[kind]()[0]
        fig = drawer(snap)
        assert drawn.shows(fig, snap.samples) and drawn.shows(fig, snap.data)
        assert {"samples", "held-out data"} <= set(drawn.texts(fig))


# --- presets to target (slow) ----------------------------------------------------------------

@pytest.mark.slow
def test_ddpm_2d_beats_the_gaussian_baseline() -> None:
    engine = Engine(load_preset("ddpm-2d"), threads=1)  # 6,000 steps, the whole lr schedule
    final = dict(engine.run_blocking().final)
    assert final["mmd"] <= 0.25 * final["mmd_baseline"]
    assert final["modes_found"] == 8 and final["near_mode_share"] > 0.8


@pytest.mark.slow
def test_ddpm_digits_draws_the_asked_class() -> None:
    engine = Engine(load_preset("ddpm-digits"), max_steps=1400, threads=1)
    final = dict(engine.run_blocking().final)
    assert final["judge_accuracy"] >= 0.9
    assert final["guided_class_accuracy"] >= 0.9


def test_final_note_says_what_went_wrong() -> None:
    p = setup_paradigm(timesteps=20)
    assert p.final_note({"mmd": 0.0, "mmd_baseline": 0.002, "modes_found": 8.0}) == ""
    note = p.final_note({"mmd": 0.01, "mmd_baseline": 0.002, "modes_found": 3.0})
    assert "no closer to the data than a plain Gaussian" in note and "3 of the 8 clouds" in note
    final = p.final_metrics()  # untrained: far from the ring
    assert final["mmd"] > final["mmd_baseline"] and final["modes_found"] < 8
    assert final["near_mode_share"] < 0.5 and "plain Gaussian" in p.final_note(final)


def test_a_changed_option_is_answered_by_the_engine() -> None:
    project = load_preset("ddpm-digits")
    project.hparams.update(timesteps=20, sample_steps=5)
    events: list = []
    engine = Engine(project, sink=events.append, threads=1)
    engine.start(running=False)
    try:
        engine.request_visuals({"diffusion_trajectory"})
        engine.set_visual_option("guidance_class", 4)
        deadline = time.monotonic() + 60
        while not any(isinstance(e, Answered) for e in events) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
        engine.join(10)
    answered = events.index(next(e for e in events if isinstance(e, Answered)))
    latest = [e for e in events[:answered] if getattr(e, "kind", "") == "diffusion_trajectory"]
    assert latest[-1].guidance_class == 4 and set(latest[-1].classes.tolist()) == {4}


def test_samples_are_redrawn_within_a_time_budget(monkeypatch) -> None:
    from mlsp_studio.paradigms.diffusion import train_visuals as diffusion_visuals
    p = setup_paradigm(timesteps=20, sampler="ddim", sample_steps=5)
    first = p.visualize({"diffusion_samples"})[0]
    p.step()
    monkeypatch.setattr(diffusion_visuals, "SAMPLE_BUDGET", 1e9)  # never due by time
    kept = {s.kind: s for s in p.visualize({"diffusion_samples", "diffusion_trajectory"})}
    assert all(s.step == 0 for s in kept.values())
    assert np.array_equal(kept["diffusion_samples"].samples, first.samples)
    p.set_visual_option("guidance_scale", 1.0)  # asked anew: answered at once
    assert p.visualize({"diffusion_samples"})[0].step == 1
    p.step()
    monkeypatch.setattr(diffusion_visuals, "SAMPLE_BUDGET", 0.0)
    fresh = p.visualize({"diffusion_samples"})[0]
    assert fresh.step == 2 and not np.array_equal(fresh.samples, first.samples)
