"""Plain code copied into a masked-language-model project's exported script, never imported.

The names in capitals (``SEQ_LEN``, ``MASK_FRACTION``, ``VOCAB``, ``EPOCHS``, ``DEVICE``, ...)
are the settings and the vocabulary the script defines at its top. The steps the studio runs
too (``choose_positions``, ``corrupt``, ``mask_tokens``, ``masked_prediction``,
``masked_accuracy``) are copied from ``train.py`` and ``text_common.py``; this file holds the
script's rows, its loop and its prints.
"""

MASK = 1    # how corrupt() marks a chosen position: hidden behind <mask>,
RANDOM = 2  # replaced by a random token,
KEEP = 3    # or kept as it is
SPECIAL = torch.tensor([len(t) > 2 and t[0] == "<" and t[-1] == ">" for t in VOCAB])  # (V,)
ORDINARY = torch.nonzero(~SPECIAL)[:, 0]  # the ids a "random token" is drawn from


def sentence_rows(sentences):
    """One sentence per row (n, SEQ_LEN), padded with 0 and cut to fit; with CLS_FIRST each
    row starts with the class token <cls>."""
    rows = torch.zeros(len(sentences), SEQ_LEN, dtype=torch.long)
    for r, sentence in enumerate(sentences):
        ids = ([ID["<cls>"]] + sentence if CLS_FIRST else sentence)[:SEQ_LEN]
        rows[r, :len(ids)] = torch.tensor(ids)
    return rows


def mask(x, generator):
    """BERT's corruption of the rows x (N, L) with MASK_FRACTION: the corrupted rows and the
    chosen positions (N, L)."""
    return mask_tokens(x, MASK_FRACTION, SPECIAL, ID["<mask>"], ORDINARY, generator)


@torch.no_grad()
def evaluate(model, batch):
    """Loss and accuracy on the hidden tokens of a batch masked once, so every check scores
    the same positions."""
    model.eval()
    x, inputs, chosen = batch
    hidden, loss = masked_prediction(model(inputs), x, chosen)  # (hidden tokens, V)
    return loss.item(), masked_accuracy(hidden, x, chosen)


def fixed_batch(rows, seed):
    """Up to 512 rows of a part, masked once with their own random stream."""
    generator = torch.Generator().manual_seed(seed)
    x = rows[torch.randperm(len(rows), generator=generator)[:512]]
    inputs, chosen = mask(x, generator)
    return x.to(DEVICE), inputs.to(DEVICE), chosen.to(DEVICE)


def train():
    """Each step hides tokens of BATCH_SIZE sentence rows and learns to fill them in."""
    sentences, _ = make_text(DATA_SEED)
    rows = {part: sentence_rows(s) for part, s in sentences.items()}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    x_train = rows["train"]
    n = len(x_train)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = math.ceil(n / batch_size)
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    draw = torch.Generator().manual_seed(SEED)  # the order of rows and what gets hidden
    checks = {part: fixed_batch(rows[part], SEED + 11 + i)
              for i, part in enumerate(("train", "val", "test")) if len(rows[part])}
    batches = EpochBatches(n, batch_size, draw)

    def val_score():  # the share of hidden validation tokens filled in right
        return f"val masked accuracy {evaluate(model, checks['val'])[1]:.3f}"

    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            x = x_train[batches.next()]
            inputs, chosen = mask(x, draw)                      # (B, L) corrupted rows
            x, inputs, chosen = x.to(DEVICE), inputs.to(DEVICE), chosen.to(DEVICE)
            scores = model(inputs)                              # (B, L, V)
            # cross-entropy on the hidden positions only: the rest are given, not predicted
            _, loss = masked_prediction(scores, x, chosen)
            total += learn(optimizer, loss, [model.parameters()])
        report_epoch(epoch, total / steps_per_epoch, val_score if "val" in checks else None)
    loss, accuracy = evaluate(model, checks["test"])
    print(f"test masked loss {loss:.4f}  masked accuracy {accuracy:.3f}")
    return model
