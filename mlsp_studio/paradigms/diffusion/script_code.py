"""Plain code copied into the exported script of a diffusion project, never imported by the
studio.

The names in capitals (``EPOCHS``, ``TIMESTEPS``, ``SAMPLER``, ``CONDITIONAL``, ``DEVICE``,
...) are the settings the script defines at its top. What the studio itself runs (the noise
schedule, the batch of steps and noise, the loss, guidance, the samplers and the sample
measures) is copied from ``train_schedule.py``, ``train_steps.py`` and ``train_metrics.py``
next to it; this file holds only the script's own loop and its final prints.
"""


def noise_schedule():
    """The schedule NOISE_SCHEDULE over TIMESTEPS steps, as the studio makes it: every
    per-step number of the noising and of the samplers."""
    if NOISE_SCHEDULE == "linear":
        return Schedule("linear", linear_betas(TIMESTEPS))
    return Schedule("cosine", cosine_betas(TIMESTEPS))


NOISE_STEPS = noise_schedule()


def train():
    """The denoiser learns to predict the noise put on an example at a random step."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights
    model = Denoiser().to(DEVICE)
    scale = data_scale(data["train"][0], IMAGE)    # (centre, spread): the size of the noise
    x = to_model(data["train"][0], *scale)         # (n, *example) in the model's scale
    y = data["train"][1] if CONDITIONAL else None
    n = len(x)
    # one random stream for the order of the examples, the steps and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = EpochBatches(n, min(BATCH_SIZE, n), generator, DEVICE)
    steps_per_epoch = batches.steps_per_epoch
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            # x_0 (B, *example), steps t (B,), noise ε like x_0 and classes c (B,), -1: none
            x0, t, noise, c = training_batch(x, y, batches.next(), TIMESTEPS, LABEL_DROPOUT,
                                             generator, DEVICE)
            total += learn(optimizer,
                           noise_loss(model, DENOISER_INPUTS, NOISE_STEPS, x0, t, noise, c))
        report_epoch(epoch, total / steps_per_epoch)
    model.eval()
    for k, part in ((1, "val"), (2, "test")):  # each with its own fixed examples, steps, noise
        x_part, y_part = data[part]
        if len(x_part):
            x0, t, noise, c = held_out_batch(to_model(x_part, *scale),
                                             y_part if CONDITIONAL else None, TIMESTEPS,
                                             SEED + 101 + k, DEVICE, 1024)
            with torch.no_grad():
                loss = noise_loss(model, DENOISER_INPUTS, NOISE_STEPS, x0, t, noise, c)
            print(f"{part}_loss {loss.item():.4f}")
    return model, data, scale


def report_samples(model, data, scale):
    """How close 1,000 samples come to held-out data (MMD), against a Gaussian fitted to the
    training data; returns the samples (1000, 2)."""
    held = torch.cat([data["test"][0], data["val"][0]])[:1000].cpu().numpy()
    g = torch.Generator().manual_seed(SEED + 7)
    noise = torch.randn(1000, 2, generator=g).to(DEVICE)           # x_T
    none = torch.full((1000,), -1, device=DEVICE)
    model.eval()
    with torch.no_grad():
        eps = guidance_eps(model, DENOISER_INPUTS, none, 0.0, CONDITIONAL)
        drawn, _ = denoise(NOISE_STEPS, eps, noise, step_order(TIMESTEPS, SAMPLER, SAMPLE_STEPS),
                           SAMPLER, g, CLIP)
    samples = to_data(drawn, *scale).cpu().numpy()
    baseline = gaussian_like(data["train"][0].cpu().numpy(), 1000, SEED + 8)
    print(f"mmd {mmd_rbf(samples, held):.4f}")
    print(f"mmd_baseline {mmd_rbf(baseline, held):.4f}")
    return samples


def report_ring(samples):
    """The share of the samples near one of the ring's clouds, and the clouds they reach."""
    found = ring_quality(samples, ring_centres().astype(np.float32), RING_SPREAD)
    for name, value in found.items():
        print(f"{name} {value:.4f}")


def report_guidance(model, data, scale):
    """Ask for every class 20 times at guidance 3 (DDIM, 50 steps); a judge trained on the
    training split reads the samples."""
    x, y = to_model(data["train"][0], *scale), data["train"][1]
    judge = train_judge(x, y, CLASSES, SEED + 9)
    test_x, test_y = to_model(data["test"][0], *scale), data["test"][1]
    print(f"judge_accuracy {accuracy(judge, test_x, test_y):.4f}")
    g = torch.Generator().manual_seed(SEED + 10)
    asked = torch.arange(CLASSES, device=DEVICE).repeat_interleave(20)
    noise = torch.randn((len(asked), *x.shape[1:]), generator=g).to(DEVICE)
    steps = min(50, TIMESTEPS)
    model.eval()
    with torch.no_grad():
        eps = guidance_eps(model, DENOISER_INPUTS, asked, 3.0, CONDITIONAL)
        drawn, _ = denoise(NOISE_STEPS, eps, noise, step_order(TIMESTEPS, "ddim", steps), "ddim",
                           clip=CLIP)
    print(f"guided_class_accuracy {accuracy(judge, drawn, asked):.4f}")
