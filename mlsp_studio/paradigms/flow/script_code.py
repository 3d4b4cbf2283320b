"""Plain code copied into the exported script of a normalizing-flow project, never imported
by the studio.

The names in capitals (``EPOCHS``, ``LR``, ``DEVICE``, ``NOISE``, ...) are the settings the
script defines at its top. What the studio itself runs (the coupling layer, the flow, the
NLL, the jitter, the ring's entropy) is copied from ``train_parts.py`` next to it; this file
holds only the script's own loop and its final prints.
"""


def train():
    """Maximum likelihood: every step lowers the batch's negative log-likelihood."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    rows = {part: x.reshape(len(x), -1).float() for part, (x, _) in data.items()}
    x = rows["train"]                                              # (n, dim)
    dim = x.shape[1]
    torch.manual_seed(SEED)  # the starting weights: one conditioner per coupling, in order
    couplings = [Coupling(Conditioner(), dim, kept, last, SCALE_BOUND, SHIFT_BOUND)
                 for kept, last in coupling_masks(dim, LAYERS)]
    flow = Flow(couplings, *standardiser(x)).to(DEVICE)
    generator = torch.Generator().manual_seed(SEED)  # the order of the batches, as the studio
    batches = EpochBatches(len(x), min(BATCH_SIZE, len(x)), generator, DEVICE)
    steps_per_epoch = batches.steps_per_epoch
    optimizer = make_optimizer(flow.parameters(), LR, EPOCHS * steps_per_epoch)
    for epoch in range(1, EPOCHS + 1):
        flow.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            # a batch of rows (B, dim), jittered by NOISE from the batches' stream as the studio
            batch = jittered(x[batches.next()], NOISE, generator)
            # nats per example; the gradient clipped to GRAD_CLIP, as the studio
            total += learn(optimizer, nll(flow, batch), [flow.parameters()])
        report_epoch(epoch, total / steps_per_epoch)
    flow.eval()
    with torch.no_grad():
        losses = {part: nll(flow, part_x).item() for part, part_x in rows.items() if len(part_x)}
    for part, value in losses.items():
        print(f"{part}_loss {value:.4f}")
    return flow, losses


def report_entropy(losses):
    """The best NLL any model can reach on the ring: the entropy of the mixture its points
    are drawn from, and how far the test NLL lies above it."""
    entropy = mixture_entropy(ring_centres().astype(np.float32), RING_SPREAD, ENTROPY_SAMPLES,
                              ENTROPY_SEED)
    print(f"entropy {entropy:.4f}")
    print(f"nll_gap {losses['test'] - entropy:.4f}")
