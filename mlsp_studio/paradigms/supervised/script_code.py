"""Plain code copied into the exported script of a supervised project, never imported.

The names in capitals (``EPOCHS``, ``LR``, ``CLASSIFY``, ``DEVICE``, ...) are the settings the
script defines at its top, and ``Model``, ``make_data`` and the pieces copied beside this code
(``supervised_loss``, ``make_optimizer``, ``EpochBatches``, ...) are defined in the script too,
so ruff is told not to look for them here (``pyproject.toml``). What the studio itself runs
(the loss, the accuracy, the chunked predictions) is copied from ``train_parts.py``.

The augmentations draw from torch's global random stream, one alteration of every batch for
all the members of an ensemble; the studio keeps a stream of its own for them.
"""


class Ensemble(nn.Module):
    """ENSEMBLE networks, each from its own random start, trained side by side. The output is
    their average: for classes the log of their averaged class probabilities (cross-entropy
    and argmax read it as scores), for numbers the mean of their outputs."""

    def __init__(self):
        super().__init__()
        self.members = nn.ModuleList(Model() for _ in range(ENSEMBLE))

    def forward(self, x):
        outs = torch.stack([m(x) for m in self.members])  # (K, B, ...)
        if not CLASSIFY:
            return outs.mean(0)
        return torch.logsumexp(torch.log_softmax(outs, -1), 0) - np.log(ENSEMBLE)


class PointAugmentation:
    """Data augmentation for points and tables: every value of a training batch nudged at
    random, by noise of JITTER times its feature's spread; the labels stay as they are."""

    def __init__(self, x):
        self.spread = x.std(dim=0)  # each feature's spread over the training examples

    def __call__(self, x, y):
        return x + JITTER * self.spread * torch.randn_like(x), y


class PictureAugmentation:
    """Data augmentation for pictures: each picture of a training batch moved by up to
    MAX_SHIFT pixels (zeros come in), with light noise; no flips (a mirrored digit is another
    shape). A target picture (a clean version of the input) moves with its input."""

    def __init__(self, x):
        self.low, self.high = x.min().item(), x.max().item()  # the value range

    def __call__(self, x, y):
        pictures = _as_pictures(x)  # (B, C, H, W), or None when x holds no pictures
        if pictures is not None:
            moves = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (len(x), 2), device=x.device)
            target = _as_pictures(y) if y.dim() > 1 and y[0].numel() == x[0].numel() else None
            if target is not None:
                y = _shifted(target, moves, MAX_SHIFT).reshape(y.shape)
            x = _shifted(pictures, moves, MAX_SHIFT).reshape(x.shape)
        x = x + NOISE * (self.high - self.low) * torch.randn_like(x)
        return x.clamp(self.low, self.high), y


class SignalAugmentation:
    """Data augmentation for signals: each signal of a training batch delayed (going round)
    by a random amount, made louder or softer and lightly noised."""

    def __init__(self, x):
        self.spread = x.std().item()  # how large the signals are

    def __call__(self, x, y):
        n, length = len(x), x.shape[-1]
        most = max(1, int(MAX_DELAY * length))
        delays = torch.randint(-most, most + 1, (n, 1), device=x.device)
        idx = (torch.arange(length, device=x.device) - delays) % length  # (B, L)
        x = torch.gather(x, -1, idx.view(n, *[1] * (x.dim() - 2), length).expand_as(x))
        gain = 1 + GAIN * (2 * torch.rand(n, *[1] * (x.dim() - 1), device=x.device) - 1)
        return x * gain + NOISE * self.spread * torch.randn_like(x), y


@torch.no_grad()
def evaluate(model, x, y):
    """The model's score on (x, y): the share of examples whose highest class score is the
    right class, or for numbers the mean squared error of its predictions."""
    model.eval()
    out = predict(model, x)  # (n, classes), (n, L, classes) or (n, targets)
    return accuracy(out, y) if CLASSIFY else supervised_loss(out, y, False).item()


def train(network=Model, augmentation=None):
    """Mini-batch training: every epoch visits the training examples once, in a new order.

    network is what learns: Model, or an Ensemble of them whose members each learn on their
    own. augmentation, when given, alters every training batch at random (it measures the
    training examples once, at the start)."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = network().to(DEVICE)
    members = getattr(model, "members", [model])  # an ensemble's networks, or the one network
    x, y = data["train"]
    augment = augmentation(x) if augmentation is not None else None
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = -(-n // batch_size)  # the last batch of an epoch may be smaller
    optimizer = make_optimizer(model.parameters(), LR, EPOCHS * steps_per_epoch)
    shuffle = torch.Generator().manual_seed(SEED)  # its own stream for the order of examples
    batches = EpochBatches(n, batch_size, shuffle, DEVICE)
    metric, digits = ("accuracy", 3) if CLASSIFY else ("mse", 4)

    def val_score():  # the score on the validation examples
        return f"val {metric} {evaluate(model, *data['val']):.{digits}f}"

    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            batch = batches.next()  # (B,) row indices
            xb, yb = x[batch], y[batch]
            if augment is not None:
                xb, yb = augment(xb, yb)  # altered at random: new examples every epoch
            # every member learns on its own: their losses are simply added up
            loss = sum(supervised_loss(m(xb), yb, CLASSIFY) for m in members)
            # each member's gradient clipped on its own
            clipped = [m.parameters() for m in members]
            total += learn(optimizer, loss, clipped) * len(batch) / len(members)
        report_epoch(epoch, total / n, val_score if len(data["val"][0]) else None)
    print(f"test {metric} {evaluate(model, *data['test']):.{digits}f}")
    return model
