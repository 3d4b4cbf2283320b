"""The script of a diffusion project: the denoiser as a class, the forward noising and the
noise-prediction loss, the sampler with the studio's schedule and classifier-free guidance,
and the studio's sample-quality measures."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _source_shapes
from ...export.script_gen_common import (
    BATCHES,
    assemble,
    data_source,
    networks,
    optimizer_source,
    refuse_unwritten,
)
from ...export.script_paradigms import register_script
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck
from .script_parts import JUDGE, MMD, RING, SAMPLER, SCHEDULE

IMAGE_DATA = ("digits", "noisy_digits", "paired_digits")


def _final(points2d: bool, ring: bool, judged: bool) -> str:
    lines = ['''\
    for k, part in ((1, "val"), (2, "test")):  # each with its own fixed examples, steps, noise
        x_part, y_part = data[part]
        if len(x_part):
            g = torch.Generator().manual_seed(SEED + 101 + k)
            pick = torch.randperm(len(x_part), generator=g)[:1024].to(DEVICE)
            x0 = to_model(x_part[pick])
            t = torch.randint(TIMESTEPS, (len(x0),), generator=g).to(DEVICE)
            noise = torch.randn(x0.shape, generator=g).to(DEVICE)
            c = y_part[pick] if CONDITIONAL else torch.full_like(t, -1)
            model.eval()
            with torch.no_grad():
                loss = F.mse_loss(predict_noise(model, noise_to(x0, t, noise), t, c), noise)
            print(f"{part}_loss {loss.item():.4f}")''']
    if points2d:
        lines.append('''\
    # how close 1,000 samples come to held-out data, against a Gaussian fitted to the data
    held = torch.cat([data["test"][0], data["val"][0]])[:1000].cpu().numpy()
    g = torch.Generator().manual_seed(SEED + 7)
    noise = torch.randn(1000, 2, generator=g).to(DEVICE)
    model.eval()
    none = torch.full((1000,), -1, device=DEVICE)
    samples = to_data(sample(guided_noise(model, none, 0.0), noise, SAMPLER, SAMPLE_STEPS,
                             generator=g)).cpu().numpy()
    train_x = data["train"][0].cpu().numpy().astype(np.float64)
    baseline = np.random.default_rng(SEED + 8).multivariate_normal(
        train_x.mean(0), np.atleast_2d(np.cov(train_x.T)), 1000)
    print(f"mmd {mmd_rbf(samples, held):.4f}")
    print(f"mmd_baseline {mmd_rbf(baseline, held):.4f}")''')
    if ring:
        lines.append('''\
    share, found = ring_quality(samples, ring_centres().astype(np.float32), RING_SPREAD)
    print(f"near_mode_share {share:.4f}")
    print(f"modes_found {found:.4f}")''')
    if judged:
        lines.append('''\
    # ask for every class 20 times at guidance 3 (DDIM, 50 steps); a judge reads the samples
    judge = train_judge(x, y, CLASSES, SEED + 9)
    print(f"judge_accuracy {accuracy(judge, to_model(data['test'][0]), data['test'][1]):.4f}")
    g = torch.Generator().manual_seed(SEED + 10)
    asked = torch.arange(CLASSES, device=DEVICE).repeat_interleave(20)
    noise = torch.randn((len(asked), *x.shape[1:]), generator=g).to(DEVICE)
    model.eval()
    drawn = sample(guided_noise(model, asked, 3.0), noise, "ddim", min(50, TIMESTEPS))
    print(f"guided_class_accuracy {accuracy(judge, drawn, asked):.4f}")''')
    return "\n".join(lines)


def _train(image: bool, final: str) -> str:
    scale = ('''
    def to_model(v):  # pictures from [0, 1] to [-1, 1]: the size of the noise
        return (v.float() - 0.5) / 0.5

    def to_data(v):
        return v * 0.5 + 0.5''' if image else '''
    center = data["train"][0].float().mean(0)      # centred, divided by the overall spread:
    spread = data["train"][0].float().std().clamp_min(1e-6)  # the size of the noise

    def to_model(v):
        return (v.float() - center) / spread

    def to_data(v):
        return v * spread + center''')
    return f'''\
def train():
    """The denoiser learns to predict the noise put on an example at a random step."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights
    model = Denoiser().to(DEVICE){scale}

    x = to_model(data["train"][0])                 # (n, *example) in the model's scale
    y = data["train"][1] if CONDITIONAL else None
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = -(-n // batch_size)
    # one random stream for the order of the examples, the steps and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = epoch_batches(n, batch_size, generator)
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            idx = next(batches)
            x0 = x[idx]                                                    # (B, *example)
            t = torch.randint(TIMESTEPS, (len(x0),), generator=generator).to(DEVICE)  # (B,)
            noise = torch.randn(x0.shape, generator=generator).to(DEVICE)  # ε ~ N(0, I)
            c = y[idx] if CONDITIONAL else torch.full_like(t, -1)         # -1: no class
            if CONDITIONAL and LABEL_DROPOUT > 0:  # hide the class of some: ε(x, ∅) too
                hide = torch.rand(len(c), generator=generator).to(DEVICE) < LABEL_DROPOUT
                c = torch.where(hide, torch.full_like(c, -1), c)
            # the loss: how far the predicted noise is from the noise put on x_0 at step t
            loss = F.mse_loss(predict_noise(model, noise_to(x0, t, noise), t, c), noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}")
{final}
    return model
'''


@register_script("diffusion")
def diffusion_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                     script_name: str) -> str:
    """A DDPM denoiser (x_t, t, c → ε̂), its loss, its sampler and the studio's measures."""
    h = check.hparams
    refuse_unwritten(project, h)
    if h["sampler"] == "ddim" and h["sample_steps"] > h["timesteps"]:
        raise StudioError(f"The setting sample_steps={h['sample_steps']} is more than "
                          f"timesteps={h['timesteps']}, which a DDIM sampler cannot take.")
    analysis = check.analyses["denoiser"]
    data, code = data_source(project, check, "denoiser")
    if code.x_type != "float32":
        raise StudioError("A diffusion model draws numbers, and this data gives token ids, so "
                          "it cannot be written into a script.")
    shapes = _source_shapes(project.slots["denoiser"], analysis, registry)
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    classes = ctx.num_classes if context_task(ctx) == "classification" else 0
    conditional = classes > 0 and "c" in shapes
    example = shapes.get("x", ())
    image = project.dataset in IMAGE_DATA or (project.dataset == "npz" and len(example) == 3)
    points2d = not image and tuple(example) == (2,)
    fed = {"x": "x", "t": "t.float()[:, None]", "c": "c.float()[:, None]"}
    rows = [(f"TIMESTEPS = {h['timesteps']}", "T: the number of noising steps"),
            (f"NOISE_SCHEDULE = {h['noise_schedule']!r}", "how fast the noise grows"),
            (f"SAMPLER = {h['sampler']!r}", "ddpm: all T steps; ddim: SAMPLE_STEPS, no noise"),
            (f"SAMPLE_STEPS = {h['sample_steps']}", "the steps a DDIM sampler takes"),
            (f"CONDITIONAL = {conditional}", "the denoiser is told the class"),
            (f"LABEL_DROPOUT = {h['label_dropout']!r}", "share of examples whose class is hidden"),
            (f"CLIP = {1.0 if image else None}",
             "bound on the predicted x_0 (pictures: [-1, 1])")]
    if conditional:
        rows.append((f"CLASSES = {classes}", "classes of the data"))
    predict = (
        "def predict_noise(model, x, t, c):\n"
        '    """The denoiser\'s ε̂ for x_t at steps t (B,) asked for classes c (B,), -1: none."""\n'
        f"    return model({', '.join(fed[s] for s in shapes)})\n")
    judged = image and conditional
    definitions = [data, *networks(project, check, registry, {"denoiser": ("x", "t", "c")}),
                   predict, BATCHES, optimizer_source(h), SCHEDULE, SAMPLER,
                   MMD + (RING if project.dataset == "ring" else "") if points2d else "",
                   JUDGE if judged else "",
                   _train(image, _final(points2d, project.dataset == "ring", judged))]
    return assemble(project, check, script_name, code, rows,
                    [d for d in definitions if d], imports=("math",))
