"""Plain code copied into a word2vec project's exported script, never imported.

The names in capitals (``WINDOW``, ``NEGATIVES``, ``DIM``, ``VOCAB``, ``EPOCHS``, ...) are the
settings and the corpus the script defines at its top. The steps the studio runs too
(``skipgram_pairs``, ``center_vectors``, ``context_table``, ``negative_samples``,
``skipgram_loss``, ``noise_distribution``, ``neighbour_precision``) are copied from
``train.py`` and ``text_common.py``; this file holds the script's loop and prints.
"""

SPECIAL = {i for i, t in enumerate(VOCAB) if len(t) > 2 and t[0] == "<" and t[-1] == ">"}
GROUP = {word: name for name, words in (("animals", ANIMALS), ("colours", COLOURS),
                                        ("foods", FOODS), ("verbs", VERBS), ("places", PLACES),
                                        ("drinks", DRINKS)) for word in words}


@torch.no_grad()
def precision(model, words):
    """Mean, over the grouped words, of the share of a word's 5 nearest neighbours (by
    cosine, among `words`) that are of its own kind (all foods, all places...)."""
    model.eval()
    vectors = center_vectors(model, torch.arange(len(VOCAB), device=DEVICE)).float()  # (V, D)
    grouped = [(ID[word], kind) for word, kind in GROUP.items() if word in ID]
    if not grouped:  # characters as tokens: no word of the corpus has a kind
        return float("nan")
    ids, kinds = zip(*grouped, strict=True)
    return neighbour_precision(vectors, ids, kinds, words, 5)


def train():
    """Each step: BATCH_SIZE (center, context) pairs, each with NEGATIVES random words."""
    sentences, _ = make_text(DATA_SEED)
    pairs = skipgram_pairs(sentences["train"], WINDOW, SPECIAL).to(DEVICE)  # (P, 2)
    torch.manual_seed(SEED)  # the starting weights
    model = Model().to(DEVICE)
    # a second table, one context vector u per word, trained alongside the network
    context = context_table(len(VOCAB), DIM).to(DEVICE)
    # how often each word occurs in the training text (V,); special tokens never drawn
    counts = np.bincount([t for row in sentences["train"] for t in row], minlength=len(VOCAB))
    counts = counts.astype(np.float64)
    counts[sorted(SPECIAL)] = 0
    noise = noise_distribution(counts, 0.75).to(DEVICE)       # (V,) unigram^0.75
    words = [i for i in range(len(VOCAB)) if i not in SPECIAL and counts[i] > 0]
    n = len(pairs)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = math.ceil(n / batch_size)
    optimizer = make_optimizer([*model.parameters(), *context.parameters()], LR,
                               EPOCHS * steps_per_epoch)
    draw = torch.Generator().manual_seed(SEED)  # the order of the pairs and the negatives
    batches = EpochBatches(n, batch_size, draw, DEVICE)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            batch = pairs[batches.next()]                       # (B, 2) center, context
            negatives = negative_samples(noise, len(batch), NEGATIVES, draw)  # (B, K)
            loss = skipgram_loss(model, context, batch, negatives)
            weights = [*model.parameters(), *context.parameters()]  # clipped as one
            total += learn(optimizer, loss, [weights]) * len(batch)
        report_epoch(epoch, total / n)
    vectors = F.normalize(center_vectors(model, torch.arange(len(VOCAB), device=DEVICE)), dim=-1)
    for word in ("cat", "red", "fish"):
        if word in ID:
            near = (vectors @ vectors[ID[word]]).argsort(descending=True)[1:6].tolist()
            print(f"nearest to {word}:", ", ".join(VOCAB[i] for i in near))
    print(f"neighbour precision {precision(model, words):.3f}")
    return model
