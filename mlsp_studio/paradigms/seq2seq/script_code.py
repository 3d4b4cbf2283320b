"""Plain code copied into a sequence-to-sequence project's exported script, never imported.

The names in capitals (``SOURCES``, ``BOS``, ``EPOCHS``, ``DEVICE``, ...) are the settings the
script defines at its top. The steps the studio runs too (``shift_right``, ``greedy_decode``,
``teacher_forced``, ``decoder_input``, ``sequence_loss``, the scores) are copied from
``train.py`` next to it; this file holds the script's own loop and prints.
"""


def scorer(model):
    """The network as a function run(x, dec): the scores (n, Lt, V) for sources x (n, Ls)
    and decoder inputs dec (n, Lt), handed to it in the order its forward takes them."""
    def run(x, dec):
        given = {"x": x, "dec": dec}
        return model(*[given[source] for source in SOURCES])
    return run


@torch.no_grad()
def evaluate(model, x, y):
    """Token accuracy and exact match (every token of the row right), decoding greedily:
    the target is never shown."""
    model.eval()
    run, reads_dec = scorer(model), "dec" in SOURCES
    pred = torch.cat([greedy_decode(run, x[i:i + 1024], y.shape[1], BOS, PAD, reads_dec)[0]
                      for i in range(0, len(x), 1024)])              # (n, Lt)
    return token_accuracy(pred, y), exact_match(pred, y)


def train():
    """Mini-batches of source/target pairs; the loss scores every target position."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    run = scorer(model)
    x_train, y_train = data["train"]
    n = len(x_train)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = math.ceil(n / batch_size)
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    draw = torch.Generator().manual_seed(SEED)  # the order of the pairs (and forcing coins)
    batches = EpochBatches(n, batch_size, draw, DEVICE)

    def val_score():  # the share of validation tokens decoded right
        return f"val token accuracy {evaluate(model, *data['val'])[0]:.3f}"

    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            batch = batches.next()
            x, y = x_train[batch], y_train[batch]
            # teacher forcing: on TEACHER_FORCING of the steps the decoder reads the true
            # previous tokens, on the others its own greedy guesses
            forced = teacher_forced(TEACHER_FORCING, draw)
            dec = decoder_input(run, x, y, forced, BOS, PAD, "dec" in SOURCES)
            scores = run(x, dec)                                 # (B, Lt, V)
            total += learn(optimizer, sequence_loss(scores, y), [model.parameters()]) * len(batch)
        report_epoch(epoch, total / n, val_score if len(data["val"][0]) else None)
    accuracy, exact = evaluate(model, *data["test"])
    print(f"test token accuracy {accuracy:.3f}  exact match {exact:.3f}")
    return model
