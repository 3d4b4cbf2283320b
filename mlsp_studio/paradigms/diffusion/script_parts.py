"""The fixed parts of a diffusion project's script: the noise schedule, the forward noising,
the samplers and the studio's sample-quality measures, each written as the studio computes it
(``train_schedule.py`` and ``train_metrics.py`` of this folder)."""

from ...export.source_copy import source_of

SCHEDULE = '''\
def make_schedule():
    """Every per-step number of the forward process and the samplers, float64 (T,).

    linear: β from 1e-4 to 0.02 over 1000 steps, scaled by 1000 / T (Ho et al. 2020);
    cosine: ᾱ_t = f(t) / f(0), f(t) = cos²((t/T + 0.008) / 1.008 · π/2) (Nichol & Dhariwal
    2021). β is clipped at 0.999 so the last steps never divide by zero."""
    T = TIMESTEPS
    if NOISE_SCHEDULE == "linear":
        betas = np.clip(np.linspace(1000.0 / T * 1e-4, 1000.0 / T * 0.02, T), 0.0, 0.999)
    else:
        f = np.cos((np.arange(T + 1) / T + 0.008) / (1 + 0.008) * np.pi / 2) ** 2
        bar = f / f[0]
        betas = np.clip(1.0 - bar[1:] / bar[:-1], 0.0, 0.999)
    alphas = 1.0 - betas
    alpha_bar = np.cumprod(alphas)
    prev = np.concatenate([[1.0], alpha_bar[:-1]])                # ᾱ_{t−1}, ᾱ_{−1} = 1
    return {"alpha_bar": alpha_bar,
            "coef_x0": betas * np.sqrt(prev) / (1.0 - alpha_bar),      # posterior mean on x̂_0
            "coef_xt": np.sqrt(alphas) * (1.0 - prev) / (1.0 - alpha_bar),  # ... and on x_t
            "variance": betas * (1.0 - prev) / (1.0 - alpha_bar)}      # β̃_t


SCHEDULE_VALUES = make_schedule()


def at(name, t, like):
    """The schedule's values at steps t (B,), shaped to broadcast over a batch like `like`."""
    picked = torch.as_tensor(SCHEDULE_VALUES[name], dtype=like.dtype, device=like.device)[t]
    return picked.reshape(-1, *([1] * (like.dim() - 1)))


def noise_to(x0, t, noise):
    """The forward process in one go: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
    bar = at("alpha_bar", t, x0)
    return bar.sqrt() * x0 + (1.0 - bar).sqrt() * noise
'''

SAMPLER = '''\
def guided_noise(model, classes, scale):
    """ε(x, t) for the sampler. Classifier-free guidance (Ho & Salimans 2022):
    ε = ε(x, ∅) + scale · (ε(x, c) − ε(x, ∅)), one pass of a doubled batch."""
    none = torch.full_like(classes, -1)
    if not CONDITIONAL or scale == 0.0:
        return lambda x, t: predict_noise(model, x, t, none)
    if scale == 1.0:
        return lambda x, t: predict_noise(model, x, t, classes)

    def eps(x, t):
        both = predict_noise(model, torch.cat([x, x]), torch.cat([t, t]),
                             torch.cat([classes, none]))
        cond, uncond = both.chunk(2)
        return uncond + scale * (cond - uncond)
    return eps


@torch.no_grad()
def sample(eps_fn, x, sampler, steps, generator=None):
    """Walk from pure noise x = x_T back to x_0.

    ddpm takes all T steps: x_{t−1} = μ̃(x_t, x̂_0) + √β̃_t z with fresh noise z;
    ddim takes `steps` evenly spread steps and adds no noise: x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s) ε̂.
    """
    T = TIMESTEPS
    if sampler == "ddpm":
        order = np.arange(T - 1, -1, -1)
    else:
        order = np.unique(np.round(np.linspace(0, T - 1, steps)).astype(np.int64))[::-1]
    for i, step in enumerate(order):
        t = torch.full((len(x),), int(step), dtype=torch.long, device=x.device)
        eps = eps_fn(x, t)
        bar = at("alpha_bar", t, x)
        x0 = (x - (1.0 - bar).sqrt() * eps) / bar.sqrt()           # the predicted x_0
        if CLIP is not None:
            x0 = x0.clamp(-CLIP, CLIP)
        if sampler == "ddpm":
            mean = at("coef_x0", t, x) * x0 + at("coef_xt", t, x) * x
            if step > 0:
                z = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
                x = mean + at("variance", t, x).sqrt() * z
            else:
                x = mean
        else:
            nxt = int(order[i + 1]) if i + 1 < len(order) else -1
            bar_next = 1.0 if nxt < 0 else float(SCHEDULE_VALUES["alpha_bar"][nxt])
            if CLIP is not None:  # the ε that agrees with the clipped x̂_0
                eps = (x - bar.sqrt() * x0) / (1.0 - bar).sqrt()
            x = math.sqrt(bar_next) * x0 + math.sqrt(1.0 - bar_next) * eps
    return x
'''

MMD = source_of("mlsp_studio.paradigms.diffusion.train_metrics", "mmd_rbf")

RING = '''

def ring_quality(samples, centres, spread):
    """Share of samples within 4 spreads of a cloud's centre, and the clouds that got at
    least 2 % of the samples."""
    d = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)   # (n, k)
    near = d.min(1) <= 4.0 * spread
    counts = np.bincount(d.argmin(1)[near], minlength=len(centres))
    return float(near.mean()), int((counts >= 0.02 * len(samples)).sum())
'''

JUDGE = '''\
def train_judge(x, y, classes, seed):
    """A small classifier (→ 256 → 256 → classes) trained briefly on the training split, to
    judge whether a generated example shows the class it was asked for."""
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Flatten(), nn.Linear(x[0].numel(), 256), nn.ReLU(),
                            nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, classes)).to(x.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(400):
        idx = torch.randint(len(x), (min(128, len(x)),), generator=g).to(x.device)
        # a little noise on the inputs: generated examples are never quite clean
        noisy = x[idx] + 0.1 * torch.randn(x[idx].shape, generator=g).to(x.device)
        loss = F.cross_entropy(net(noisy), y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return net.eval()


@torch.no_grad()
def accuracy(net, x, y):
    return float((net(x).argmax(-1) == y).float().mean())
'''
