"""Plain code copied into the exported script of a GAN project, never imported by the studio.

The names in capitals (``EPOCHS``, ``LR``, ``D_STEPS``, ``BETA1``, ``DEVICE``, ...) are the
settings the script defines at its top. What the studio itself runs (the noise, both losses,
the discriminator's logits, the game's figures, the mode metrics) is copied from
``train.py`` next to it; this file holds only the script's own loop and its final prints.
"""


def train():
    """Rounds of the game: D_STEPS discriminator steps, then one generator step."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights: the generator's, then the discriminator's
    G, D = Generator().to(DEVICE), Discriminator().to(DEVICE)
    x = data["train"][0]
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    # an epoch is a pass over the data; a round shows the discriminator D_STEPS batches
    rounds_per_epoch = max(1, -(-n // (batch_size * D_STEPS)))
    betas = (BETA1, 0.999)  # Adam's decay rates (sgd and rmsprop have none)
    g_optimizer = make_optimizer(G.parameters(), LR, EPOCHS * rounds_per_epoch, betas)
    d_optimizer = make_optimizer(D.parameters(), D_LR, EPOCHS * rounds_per_epoch * D_STEPS,
                                 betas)
    # one random stream for the order of the examples and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = EpochBatches(n, batch_size, generator, DEVICE)
    fixed = torch.Generator().manual_seed(METRIC_SEED)  # the same noise at every check
    metric_z = draw_noise(2000, LATENT, fixed, DEVICE)  # the samples the final measures count
    eval_z = draw_noise(1024, LATENT, fixed, DEVICE)
    reversal = GENERATOR_LOSS == "reversal"
    for epoch in range(1, EPOCHS + 1):
        sums = {"d_loss": 0.0, "g_loss": 0.0}
        for _ in range(rounds_per_epoch):
            G.train()
            D.train()
            for _ in range(D_STEPS):  # the discriminator learns, the generator held still
                real_logit, fake_logit = discriminator_logits(G, D, x[batches.next()], LATENT,
                                                              generator)   # (B,) each
                sums["d_loss"] += learn(d_optimizer, d_loss_of(real_logit, fake_logit)) / D_STEPS
            # the generator learns through the discriminator; only its own weights move
            z = draw_noise(batch_size, LATENT, generator, DEVICE)        # (B, LATENT)
            g_loss = g_loss_of(D(G(z).reshape(batch_size, *x.shape[1:])).reshape(-1), reversal)
            sums["g_loss"] += learn(g_optimizer, g_loss)
        if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
            print(f"epoch {epoch:4d}/{EPOCHS}  d_loss {sums['d_loss'] / rounds_per_epoch:.4f}"
                  f"  g_loss {sums['g_loss'] / rounds_per_epoch:.4f}")
    G.eval()
    D.eval()
    for part in ("val", "test"):
        if len(data[part][0]):  # up to 1,024 examples, against generated ones from eval_z
            with torch.no_grad():
                scores = game_scores(G, D, data[part][0][:1024], eval_z, reversal)
            for name, value in scores.items():
                print(f"{part}_{name} {value:.4f}")
    return G, D, metric_z


def report_modes(G, metric_z):
    """How many of the ring's clouds the generator draws, and the share of its points that
    lie near a cloud, of 2,000 points from the fixed noise metric_z."""
    G.eval()
    with torch.no_grad():
        samples = G(metric_z).reshape(len(metric_z), -1).cpu().numpy()       # (2000, 2)
    covered, quality = mode_metrics(samples, ring_centres().astype(np.float32), RING_SPREAD)
    print(f"high_quality_fraction {quality:.4f}")
    print(f"modes_covered {covered:.4f}")
