"""Plain code copied into the script of a transfer-learning project, never imported by the
studio.

The names in capitals (``EPOCHS``, ``LR``, ``DEVICE``, ``MODE``, ``HEAD``, ...) are the
settings the script defines at its top, so ruff is told not to look for them here
(``pyproject.toml``). What the studio itself runs (a task's examples, the pre-training
batches, the loss on the task's outputs, the accuracy, what trains in each mode) is copied
from ``train.py`` beside this file; here is only the script's training loop.
"""


def train():
    """Pre-train on the source classes, then adapt to the target classes in MODE."""
    data = {part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}
    num_classes = max(*SOURCE_CLASSES, *TARGET_CLASSES, int(data["train"][1].max())) + 1
    noise = torch.Generator().manual_seed(SEED)  # the target's shift, fixed once
    source = task_splits(data, SOURCE_CLASSES, num_classes, 0.0, noise)
    target = task_splits(data, TARGET_CLASSES, num_classes, TARGET_NOISE, noise,
                         TARGET_EXAMPLES)
    torch.manual_seed(SEED)  # the starting weights
    model = Model().to(DEVICE)
    head = getattr(model, HEAD)
    n = len(target["train"][0])
    batch_size = min(BATCH_SIZE, n)
    draw = torch.Generator().manual_seed(SEED + 1)  # which examples each step reads

    # 1. pre-training: random batches of the source task, every weight trains
    optimizer = make_optimizer(model.parameters(), LR, max(1, PRETRAIN_STEPS))
    x, y = source["train"]
    k = len(SOURCE_CLASSES)
    model.train()
    for _ in range(PRETRAIN_STEPS):
        batch = pretrain_rows(len(x), batch_size, draw).to(DEVICE)
        learn(optimizer, task_loss(model(x[batch]), y[batch], k))  # only the task's outputs
    before = accuracy(model, *source["test"], k) if PRETRAIN_STEPS else float("nan")
    print(f"after pre-training: source test accuracy {before:.3f}")
    old_head = {name: p.clone() for name, p in head.state_dict().items()}

    # 2. adaptation: a fresh output layer; MODE decides what else trains
    head.reset_parameters()
    if MODE == "lora":
        for name in ADAPTED:  # freezes the layer, adds A and B beside it
            setattr(model, name, LowRankAdapter(getattr(model, name), RANK, ALPHA).to(DEVICE))
    params = adapted_params(model, head, MODE)  # probe and lora: the body is frozen
    trainable, total = sum(p.numel() for p in params), sum(p.numel() for p in model.parameters())
    print(f"{MODE}: {trainable:,} of {total:,} parameters train")
    x, y = target["train"]
    k = len(TARGET_CLASSES)
    batches = EpochBatches(n, batch_size, draw, DEVICE)  # a new order every epoch
    optimizer = make_optimizer(params, LR, EPOCHS * batches.steps_per_epoch)

    def val_score():  # the share of validation examples of the target classes told right
        return f"val accuracy {accuracy(model, *target['val'], k):.3f}"

    for epoch in range(1, EPOCHS + 1):
        model.train()
        loss_sum = 0.0
        for _ in range(batches.steps_per_epoch):
            batch = batches.next()
            loss_sum += learn(optimizer, task_loss(model(x[batch]), y[batch], k)) * len(batch)
        report_epoch(epoch, loss_sum / n, val_score if len(target["val"][0]) else None)
    if PRETRAIN_STEPS:  # forgetting: the adapted body with the old output layer
        new_head = {name: p.clone() for name, p in head.state_dict().items()}
        head.load_state_dict(old_head)
        after = accuracy(model, *source["test"], len(SOURCE_CLASSES))
        head.load_state_dict(new_head)
        print(f"source test accuracy {before:.3f} before, {after:.3f} after adapting")
    print(f"test accuracy {accuracy(model, *target['test'], k):.3f}")
    return model
