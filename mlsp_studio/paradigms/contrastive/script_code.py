"""Plain code copied into the scripts of the contrastive projects, never imported by the studio.

The names in capitals (``EPOCHS``, ``LR``, ``DEVICE``, ``TEMPERATURE``, ``AUGMENT``, ...) are
the settings the script defines at its top, so ruff is told not to look for them here
(``pyproject.toml``). What the studio itself runs (the alterations, the InfoNCE losses, the
linear probe, the retrieval score) is copied from ``train_augment.py`` and
``train_info_nce.py`` beside this file; here is only what the script alone needs: the
settings passed on, the codes a probe scores, the paired data and the training loops.
"""


def augment(x, generator):
    """One randomly altered copy of the batch x (the settings above); x itself is left as it
    is."""
    if not AUGMENT:
        return x
    return alter(x, generator, CROP, SHIFT, TIME_SHIFT, SCALE, ERASE, ADD_NOISE)


@torch.no_grad()
def codes(model, x):
    """The representation a probe scores, (n, D): what goes into the layer PROBED (the
    projection head: SimCLR found the codes before it carry more), or the encoder's output
    when PROBED is None."""
    model.eval()
    if PROBED is None:
        return torch.cat([model(x[i:i + 1024]).flatten(1) for i in range(0, len(x), 1024)])
    seen = []  # what the projection head is given, caught on its way in
    hook = getattr(model, PROBED).register_forward_pre_hook(
        lambda module, args: seen.append(args[0]))
    for i in range(0, len(x), 1024):
        model(x[i:i + 1024])
    hook.remove()
    return torch.cat(seen).flatten(1)


def train_views():
    """Each step: two altered views of BATCH_SIZE examples, pulled together by NT-Xent."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Encoder().to(DEVICE)
    initial = {k: v.clone() for k, v in model.state_dict().items()}  # the untrained baseline
    x_train, y_train = data["train"]
    n = len(x_train)
    batch_size = max(2, min(BATCH_SIZE, n))
    shuffle = torch.Generator().manual_seed(SEED)     # the order of examples
    # full batches only: every step has as many negatives
    batches = EpochBatches(n, batch_size, shuffle, DEVICE, drop_last=True)
    steps_per_epoch = batches.steps_per_epoch
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    views = torch.Generator().manual_seed(SEED + 2)   # the random alterations
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            x = x_train[batches.next()]
            both = torch.cat([augment(x, views), augment(x, views)])    # (2B, ...) two views
            z = model(both).flatten(1)                                  # (2B, D)
            # no labels: each view's partner view is its target
            total += learn(optimizer, nt_xent(z[:len(x)], z[len(x):], TEMPERATURE))
        report_epoch(epoch, total / steps_per_epoch)
    classes = int(y_train.max()) + 1
    x_test, y_test = data["test"]
    scores = {}
    for name, weights in (("random encoder", initial), ("trained encoder", None)):
        encoder = model
        if weights is not None:
            encoder = Encoder().to(DEVICE)
            encoder.load_state_dict(weights)
        scores[name] = probe_accuracy(codes(encoder, x_train), y_train, codes(encoder, x_test),
                                      y_test, classes, seed=SEED)
    print(f"the same probe on the untrained encoder: {scores['random encoder']:.3f}")
    print(f"test probe accuracy {scores['trained encoder']:.3f}")
    return model


# --- cross-modal (CLIP-style): two kinds of data, one encoder each ---------------------------

def make_data(seed):
    """scikit-learn's digit images (n, 1, 8, 8) in [0, 1], each with a keypad sound of its
    digit (n, 1, LENGTH): the key's row tone plus its column tone, slightly detuned, with a
    random phase and loudness, and noise.

    Returns the parts "train", "val" and "test", each (images, sounds, digits)."""
    # two random streams from one seed: changing the split never changes the examples
    rng, split_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    digits = load_digits()
    images = (digits.data / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    y = digits.target                                            # (n,) the digit
    n = len(y)
    t = np.arange(LENGTH) / 64.0                                 # time, in 64-sample units
    tones = TONES[y] * rng.uniform(0.97, 1.03, (n, 2))           # (n, 2) cycles, detuned
    phase = rng.uniform(0.0, 2 * np.pi, (n, 2, 1))
    loud = rng.uniform(0.5, 1.0, (n, 2, 1))
    waves = loud * np.sin(2 * np.pi * tones[:, :, None] * t + phase)   # (n, 2, L)
    sounds = (waves.sum(axis=1) + rng.normal(0.0, NOISE, (n, LENGTH)))[:, None, :]
    sounds = sounds.astype(np.float32)                           # (n, 1, L)
    # every digit dealt out evenly: the key (random rank in its class + 0.5) / class size
    key = np.empty(n)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        key[members] = (split_rng.permutation(len(members)) + 0.5) / len(members)
    order = np.lexsort((split_rng.permutation(n), key))
    n_test = max(1, round(n * TEST_FRACTION))
    n_val = max(1, round(n * VAL_FRACTION)) if VAL_FRACTION > 0 else 0
    parts = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    test, val, train = (split_rng.permutation(part) for part in parts)
    return {name: (torch.from_numpy(images[rows]), torch.from_numpy(sounds[rows]),
                   torch.from_numpy(y[rows].astype(np.int64)))
            for name, rows in (("train", train), ("val", val), ("test", test))}


@torch.no_grad()
def retrieval_top1(encoder_a, encoder_b, images, sounds, y):
    """The share of images whose most similar sound, among all the part's sounds, says the
    same digit (not necessarily its own partner: nothing in an image tells which)."""
    encoder_a.eval()
    encoder_b.eval()
    a = torch.cat([encoder_a(images[i:i + 1024]).flatten(1) for i in range(0, len(y), 1024)])
    b = torch.cat([encoder_b(sounds[i:i + 1024]).flatten(1) for i in range(0, len(y), 1024)])
    return class_top1(cosine_matrix(a, b), y, y)                 # (images, sounds) similarity


def train_pairs():
    """Each step: BATCH_SIZE pairs; each image is pulled to its own sound, and back."""
    data = {part: tuple(t.to(DEVICE) for t in ts) for part, ts in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights
    encoder_a, encoder_b = EncoderA().to(DEVICE), EncoderB().to(DEVICE)
    images, sounds, _ = data["train"]
    n = len(images)
    batch_size = max(2, min(BATCH_SIZE, n))
    shuffle = torch.Generator().manual_seed(SEED)     # the order of the pairs
    # full batches only: every step has as many negatives
    batches = EpochBatches(n, batch_size, shuffle, DEVICE, drop_last=True)
    steps_per_epoch = batches.steps_per_epoch
    optimizer = make_optimizer([*encoder_a.parameters(), *encoder_b.parameters()], LR,
                               EPOCHS * steps_per_epoch)
    alterations = torch.Generator().manual_seed(SEED + 2)   # the random alterations

    def val_score():  # how often a validation image finds a sound of its digit
        return f"val retrieval {retrieval_top1(encoder_a, encoder_b, *data['val']):.3f}"

    for epoch in range(1, EPOCHS + 1):
        encoder_a.train()
        encoder_b.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            batch = batches.next()
            a = encoder_a(augment(images[batch], alterations)).flatten(1)  # (B, D) image codes
            b = encoder_b(augment(sounds[batch], alterations)).flatten(1)  # (B, D) sound codes
            total += learn(optimizer, symmetric_info_nce(a, b, TEMPERATURE))
        report_epoch(epoch, total / steps_per_epoch,
                     val_score if len(data["val"][0]) > 1 else None)
    y = data["test"][2]
    chance = ((torch.bincount(y) / len(y)) ** 2).sum().item()  # a random sound's odds
    top1 = retrieval_top1(encoder_a, encoder_b, *data["test"])
    print(f"test retrieval top-1 {top1:.3f}  (chance {chance:.3f})")
    return encoder_a, encoder_b
