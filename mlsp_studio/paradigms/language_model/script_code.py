"""Plain code copied into a language-model project's exported script, never imported.

The names in capitals (``SEQ_LEN``, ``TEMPERATURE``, ``EPOCHS``, ``DEVICE``, ...) are the
settings the script defines at its top. The steps the studio runs too (``windows``,
``random_windows``, ``tiling``, ``window_scores``, ``next_token_loss``, ``next_token``,
``sample_next``) are copied from ``train.py`` and ``text_common.py``; this file holds the
script's own loop and prints.
"""


@torch.no_grad()
def evaluate(model, ids, limit):
    """Next-token loss and accuracy over up to `limit` windows that tile the text without
    overlapping (spread evenly over it when there are more)."""
    model.eval()
    return window_scores(model, ids, tiling(len(ids), SEQ_LEN, limit, DEVICE), SEQ_LEN)


@torch.no_grad()
def write(model, ids, count, unseen):
    """`count` new tokens after `ids`, each drawn from the softmax of the scores / TEMPERATURE
    (among the TOP_K likeliest when TOP_K > 0); the tokens marked in `unseen` (never in the
    training text) are never drawn."""
    model.eval()
    generator = torch.Generator().manual_seed(0)
    seq = torch.tensor([ids], device=DEVICE)                    # (1, T)
    for _ in range(count):
        token = next_token(model, seq, SEQ_LEN, unseen, TEMPERATURE, TOP_K, generator)  # (1,)
        seq = torch.cat([seq, token[:, None]], dim=1)
    return seq[0, len(ids):].tolist()


def train():
    """Each step reads BATCH_SIZE windows from random places in the training text."""
    _, streams = make_text(DATA_SEED)
    streams = {part: ids.to(DEVICE) for part, ids in streams.items()}
    ids = streams["train"]
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    # an epoch: as many windows as it takes to cover the training text once
    steps_per_epoch = max(1, math.ceil((len(ids) - 1) / (BATCH_SIZE * SEQ_LEN)))
    total_steps = EPOCHS * steps_per_epoch
    optimizer = make_optimizer(model.parameters(), LR, total_steps)
    draw = torch.Generator().manual_seed(SEED)  # its own stream for where the windows start

    def val_score():  # the next-token loss on the validation text
        return f"val loss {evaluate(model, streams['val'], 96)[0]:.4f}"

    total = 0.0
    for step in range(1, total_steps + 1):
        model.train()
        x, y = random_windows(ids, SEQ_LEN, BATCH_SIZE, draw)  # (B, L) each
        scores = model(x)                                       # (B, L, V) a score per token
        # next-token cross-entropy: every position of every window is one prediction
        total += learn(optimizer, next_token_loss(scores, y), [model.parameters()])
        if step % steps_per_epoch == 0:  # the end of an epoch
            report_epoch(step // steps_per_epoch, total / steps_per_epoch,
                         val_score if len(streams["val"]) > SEQ_LEN else None)
            total = 0.0
    unseen = torch.bincount(ids, minlength=len(VOCAB)) == 0    # (V,) never in the text
    # an empty prompt: a new line where the vocabulary has one, else the text's first token
    start = [ID["\n"]] if "\n" in ID else ids[:1].tolist()
    new = write(model, start, SAMPLE_LENGTH, unseen)
    print("sample:", GAP.join(VOCAB[i] for i in new).replace("\n", " / "))
    loss, accuracy = evaluate(model, streams["test"], 512)
    print(f"test loss {loss:.4f}  accuracy {accuracy:.3f}")
    return model
