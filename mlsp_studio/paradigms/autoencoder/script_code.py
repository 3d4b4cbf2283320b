"""Plain code copied into the exported script of an autoencoder project, never imported by the
studio.

The names in capitals (``EPOCHS``, ``LR``, ``NOISE``, ``NORMAL_CLASSES``, ``DEVICE``, ...) are
the settings the script defines at its top. What the studio itself runs (the noise, the loss,
the k-nearest-neighbour probe, the anomaly scores and their AUROC) is copied from
``train.py`` and ``snapshots.py`` next to it; this file holds only the script's own loop and
its final prints.
"""


@torch.no_grad()
def rebuild(encoder, decoder, x):
    """decoder(encoder(x)), in x's shape, with the networks in evaluation mode."""
    encoder.eval()
    decoder.eval()
    return decoder(encoder(x))


def train():
    """Mini-batch training of encoder and decoder together on the reconstruction error."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights: the encoder's, then the decoder's
    encoder, decoder = Encoder().to(DEVICE), Decoder().to(DEVICE)
    kept = data
    if NORMAL_CLASSES:  # anomaly detection: train (and validate) on the normal classes only
        normal = {part: is_normal(y, NORMAL_CLASSES) for part, (_, y) in data.items()}
        kept = {part: (x[normal[part]], y[normal[part]]) for part, (x, y) in data.items()}
    x = kept["train"][0]
    low, high = x.min().item(), x.max().item()  # the values salt and pepper noise sets
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    # one random stream for the order of the examples and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = EpochBatches(n, batch_size, generator, DEVICE)
    steps_per_epoch = batches.steps_per_epoch
    optimizer = make_optimizer([*encoder.parameters(), *decoder.parameters()], LR,
                               EPOCHS * steps_per_epoch)
    for epoch in range(1, EPOCHS + 1):
        encoder.train()
        decoder.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            clean = x[batches.next()]                  # (B, *example)
            noisy = corrupt(clean, NOISE, NOISE_LEVEL, generator, low, high)
            total += learn(optimizer, reconstruction_loss(encoder, decoder, noisy, clean))
        report_epoch(epoch, total / steps_per_epoch)

    def noisy_input(x):  # the training noise, from a seed fixed for every check
        return corrupt(x, NOISE, NOISE_LEVEL, torch.Generator().manual_seed(SEED + 2), low, high)

    encoder.eval()
    decoder.eval()
    for part in ("val", "test"):
        x = kept[part][0]
        if len(x):
            rebuilt = rebuild(encoder, decoder, noisy_input(x))
            print(f"{part}_mse {F.mse_loss(rebuilt, x).item():.4f}")
    if NOISE != "none" and NOISE_LEVEL > 0:  # the error of the noisy input itself
        x = kept["test"][0]
        print(f"noisy_input_mse {F.mse_loss(noisy_input(x), x).item():.4f}")
    if LABELLED:
        with torch.no_grad():  # codes of the whole training split, every class
            codes = {part: encoder(data[part][0]) for part in ("train", "test")}
        knn = knn_accuracy(codes["train"], data["train"][1], codes["test"], data["test"][1])
        print(f"latent_knn_accuracy {knn:.4f}")
    if NORMAL_CLASSES:
        x, y = data["test"]  # every test example, scored by how badly it is rebuilt
        scores = reconstruction_errors(rebuild(encoder, decoder, x), x).cpu().numpy()
        anomalous = (~is_normal(y, NORMAL_CLASSES)).cpu().numpy()
        print(f"anomaly_mse {scores[anomalous].mean():.4f}")
        print(f"auroc {auroc(scores, anomalous):.4f}")
    return encoder, decoder
