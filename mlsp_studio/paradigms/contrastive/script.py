"""The scripts of the contrastive projects. SimCLR: two randomly altered views of each
example, one encoder, the NT-Xent (InfoNCE) loss; the labels are only used afterwards, by a
linear probe. Cross-modal (CLIP-style): digit images and keypad sounds of the same digit, one
encoder each into a shared space, the symmetric InfoNCE loss."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _attr_name, model_source
from ...export.script_common import (
    assemble,
    optimizer_source,
    schedule_source,
    scheduler_step,
    script_top,
)
from ...export.script_data import SPLIT, make_data_source
from ...export.script_paradigms import register_script
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.paired_datasets import digit_tones
from ...model.project import Project, ProjectCheck

CROP = '''\
    # a random square of 1 - CROP to 1 of the side, stretched back, moved by up to SHIFT pixels
    b, _, h, w = x.shape
    side = 1 - CROP * torch.rand(b, generator=generator)                # (B,) zoom
    cx = (1 - side) * (2 * torch.rand(b, generator=generator) - 1)      # where the crop sits
    cy = (1 - side) * (2 * torch.rand(b, generator=generator) - 1)
    if SHIFT > 0:
        steps = torch.randint(-SHIFT, SHIFT + 1, (2, b), generator=generator)
        cx, cy = cx - steps[0] * 2.0 / w, cy - steps[1] * 2.0 / h
    zero = torch.zeros_like(side)
    theta = torch.stack([torch.stack([side, zero, cx], -1),
                         torch.stack([zero, side, cy], -1)], 1).to(x.device)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
'''

TIME_SHIFT = '''\
    # each signal moved by up to TIME_SHIFT of its length either way, filled with 0
    b, c, length = x.shape
    most = int(round(TIME_SHIFT * length))
    if most > 0:
        moves = torch.randint(-most, most + 1, (b,), generator=generator).to(x.device)
        source = torch.arange(length, device=x.device)[None, :] - moves[:, None]  # (B, L)
        inside = (source >= 0) & (source < length)
        x = torch.gather(x, 2, source.clamp(0, length - 1)[:, None, :].expand(b, c, length))
        x = x * inside[:, None, :]
'''

REST = '''\
    b = len(x)
    if SCALE > 0:  # brightness or loudness: every value times one factor in 1 +- SCALE
        factor = 1 + SCALE * (2 * torch.rand(b, generator=generator) - 1)     # (B,)
        x = x * factor.to(x.device).view(b, *[1] * (x.dim() - 1))
    if ERASE > 0 and x.dim() >= 3:  # with chance ERASE, a blanked rectangle or stretch
        hit = torch.rand(b, generator=generator).to(x.device) < ERASE
        region = torch.ones((b,) + (1,) * (x.dim() - 1), dtype=torch.bool, device=x.device)
        for axis in range(2, x.dim()):
            size = x.shape[axis]
            span = 1 + (torch.rand(b, generator=generator) * 0.375 * size).long()
            start = (torch.rand(b, generator=generator) * (size - span + 1)).long()
            pos = torch.arange(size)
            inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < (start + span)[:, None])
            shape = [b] + [1] * (x.dim() - 1)
            shape[axis] = size
            region = region & inside.view(shape).to(x.device)
        x = x.masked_fill(region & hit.view(b, *[1] * (x.dim() - 1)), 0.0)
    if ADD_NOISE > 0:
        x = x + ADD_NOISE * torch.randn(x.shape, generator=generator).to(x.device)
    return x
'''

LOSS = '''\
def nt_xent(z1, z2):
    """SimCLR's loss over the 2B views: each view must pick its partner among the other
    2B - 1 by cosine similarity / TEMPERATURE (cross-entropy over the batch)."""
    z = F.normalize(torch.cat([z1, z2]), dim=-1)                         # (2B, D)
    n = len(z1)
    logits = z @ z.T / TEMPERATURE                                       # (2B, 2B)
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device),
                                float("-inf"))  # a view is not its own negative
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(logits, partner)


def probe(train_x, train_y, test_x, test_y, classes):
    """A logistic regression on frozen codes (standardised), 300 full-batch Adam steps;
    its test accuracy says how much of the classes the codes hold."""
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    layer = nn.Linear(train_x.shape[1], classes)
    with torch.no_grad():
        layer.weight.normal_(0.0, 0.01, generator=torch.Generator().manual_seed(SEED))
        layer.bias.zero_()
    layer = layer.to(train_x.device)
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.05, weight_decay=1e-3)
    for _ in range(300):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(layer(train_x), train_y).backward()
        optimizer.step()
    with torch.no_grad():
        return (layer(test_x).argmax(-1) == test_y).float().mean().item()
'''


def augment_source(dims: set[int]) -> str:
    """``augment(x, generator)`` with the alterations of batches of ``dims`` dimensions
    (4: images, 3: signals, 2: vectors), drawing as the studio's ``contrastive_augment``."""
    shaped = [(4, CROP), (3, TIME_SHIFT)]
    branches = [(d, body) for d, body in shaped if d in dims]
    text = ('def augment(x, generator):\n    """One randomly altered copy of the batch x '
            '(the settings above); x itself is left as it is."""\n'
            "    if not AUGMENT:\n        return x\n")
    if len(branches) == 1:
        text += branches[0][1]
    elif branches:
        for i, (d, body) in enumerate(branches):
            text += f"    {'if' if i == 0 else 'elif'} x.dim() == {d}:\n"
            text += "".join(f"    {line}\n" if line else "\n" for line in body.splitlines())
    return text + REST


@register_script("contrastive")
def contrastive_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """SimCLR on the project's data, scored by a linear probe on the learned codes."""
    h, options = check.hparams, check.dataset_options
    graph, analysis = project.slots["encoder"], check.analyses["encoder"]
    ctx = dataset_context(project.dataset, options)[1]
    if context_task(ctx) != "classification":
        raise StudioError("A contrastive script needs a classification dataset: its labels "
                          "score the learned codes.")
    x_shape = tuple(ctx.inputs["x"])
    data, code = make_data_source(project.dataset, options, "classification",
                                  "(N, " + ", ".join(map(str, x_shape)) + ")",
                                  "int64 class indices (n,)")
    model = model_source("encoder", graph, analysis, registry, True)
    heads = [n for n in analysis.order if graph.nodes[n].type == "ProjectionHead"]
    names = ("SHIFT", "CROP", "TIME_SHIFT", "SCALE", "ADD_NOISE", "ERASE")
    rows = [(f"TEMPERATURE = {h['temperature']!r}", "of the similarities in the loss"),
            (f"AUGMENT = {h['augment']!r}", "alter the views at random (off: both the same)"),
            *((f"{k} = {h[k.lower()]!r}", "") for k in names)]
    top = script_top(project, h, options, script_name, rows, sklearn=bool(code.imports))
    augment = augment_source({len(x_shape) + 1})
    if heads:
        head = _attr_name(graph.nodes[max(heads)])
        codes = f'''\
@torch.no_grad()
def codes(model, x):
    """The representation a probe scores: the input of the projection head (SimCLR found
    the codes before it carry more)."""
    model.eval()
    seen = []  # what the projection head is given, caught on its way in
    hook = model.{head}.register_forward_pre_hook(
        lambda module, args: seen.append(args[0]))
    for i in range(0, len(x), 1024):
        model(x[i:i + 1024])
    hook.remove()
    return torch.cat(seen).flatten(1)
'''
    else:
        codes = '''\
@torch.no_grad()
def codes(model, x):
    """The representation a probe scores: the encoder's output."""
    model.eval()
    return torch.cat([model(x[i:i + 1024]).flatten(1) for i in range(0, len(x), 1024)])
'''
    total = "\n    total_steps = EPOCHS * steps_per_epoch" if schedule_source(h) else ""
    train = f'''\
def train():
    """Each step: two altered views of BATCH_SIZE examples, pulled together by NT-Xent."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Encoder().to(DEVICE)
    initial = {{k: v.clone() for k, v in model.state_dict().items()}}  # the untrained baseline
    x_train, y_train = data["train"]
    n = len(x_train)
    batch_size = max(2, min(BATCH_SIZE, n))
    steps_per_epoch = max(1, n // batch_size)  # full batches only: as many negatives each{total}
{optimizer_source(h, "model.parameters()", "total_steps")}
    shuffle = torch.Generator().manual_seed(SEED)     # the order of examples
    views = torch.Generator().manual_seed(SEED + 2)   # the random alterations
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        order = torch.randperm(n, generator=shuffle).to(DEVICE)
        total = 0.0
        for step in range(steps_per_epoch):
            x = x_train[order[step * batch_size:(step + 1) * batch_size]]
            both = torch.cat([augment(x, views), augment(x, views)])    # (2B, ...) two views
            z = model(both).flatten(1)                                  # (2B, D)
            loss = nt_xent(z[:len(x)], z[len(x):])  # no labels: the partner view is the target
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(){scheduler_step(h, "            ")}
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}")
    classes = int(y_train.max()) + 1
    x_test, y_test = data["test"]
    scores = {{}}
    for name, weights in (("random encoder", initial), ("trained encoder", None)):
        encoder = model
        if weights is not None:
            encoder = Encoder().to(DEVICE)
            encoder.load_state_dict(weights)
        scores[name] = probe(codes(encoder, x_train), y_train, codes(encoder, x_test), y_test,
                             classes)
    print(f"the same probe on the untrained encoder: {{scores['random encoder']:.3f}}")
    print(f"test probe accuracy {{scores['trained encoder']:.3f}}")
    return model
'''
    return assemble(top, [SPLIT, data, model, schedule_source(h), augment, LOSS, codes,
                          train])


# --- cross-modal (CLIP-style): two kinds of data, one encoder each ---------------------------

PAIR_DATA = '''\
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
'''

PAIR_LOSS = '''\
def symmetric_info_nce(a, b):
    """CLIP's loss: each image must pick its own sound among the batch's, and each sound its
    image, by cosine similarity / TEMPERATURE; the mean of the two cross-entropies."""
    logits = F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T / TEMPERATURE   # (B, B)
    target = torch.arange(len(a), device=a.device)  # the partners are on the diagonal
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@torch.no_grad()
def retrieval_top1(encoder_a, encoder_b, images, sounds, y):
    """The share of images whose most similar sound, among all the part's sounds, says the
    same digit (not necessarily its own partner: nothing in an image tells which)."""
    encoder_a.eval()
    encoder_b.eval()
    a = torch.cat([encoder_a(images[i:i + 1024]).flatten(1) for i in range(0, len(y), 1024)])
    b = torch.cat([encoder_b(sounds[i:i + 1024]).flatten(1) for i in range(0, len(y), 1024)])
    best = (F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T).argmax(-1)
    return (y[best] == y).float().mean().item()
'''


@register_script("cross_modal")
def cross_modal_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """Images and sounds of digits, two encoders, the symmetric InfoNCE loss."""
    h, options = check.hparams, check.dataset_options
    if project.dataset != "paired_digits":
        raise StudioError(f"The {project.dataset!r} dataset cannot be written out as a "
                          "cross-modal script yet; the paired digits can.")
    models = [model_source(slot, project.slots[slot], check.analyses[slot], registry, True,
                           sources=("x", "pair")) for slot in ("encoder_a", "encoder_b")]
    for slot, text in zip(("encoder_a", "encoder_b"), models, strict=True):
        if text.count("def forward(self, ") != 1 or "forward(self, x, pair)" in text:
            raise StudioError(f"The network {slot!r} reads both kinds of data; a script "
                              "gives each encoder one.")
    reads = ["pair" if "forward(self, pair)" in text else "x" for text in models]
    if reads != ["x", "pair"]:
        raise StudioError("A script needs encoder_a to read the images (source 'x') and "
                          "encoder_b the sounds (source 'pair').")
    tones = [list(digit_tones(d)) for d in range(10)]
    names = ("SHIFT", "CROP", "TIME_SHIFT", "SCALE", "ADD_NOISE", "ERASE")
    rows = [(f"LENGTH = {options['length']}", "samples per sound"),
            (f"NOISE = {options['noise']!r}", "noise added to the sounds"),
            (f"TEMPERATURE = {h['temperature']!r}", "of the similarities in the loss"),
            (f"AUGMENT = {h['augment']!r}", "alter the pairs at random"),
            *((f"{k} = {h[k.lower()]!r}", "") for k in names)]
    top = script_top(project, h, options, script_name, rows, sklearn=True)
    total = ("\n    total_steps = EPOCHS * steps_per_epoch" if schedule_source(h) else "")
    train = f'''\
def train():
    """Each step: BATCH_SIZE pairs; each image is pulled to its own sound, and back."""
    data = {{part: tuple(t.to(DEVICE) for t in ts) for part, ts in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights
    encoder_a, encoder_b = EncoderA().to(DEVICE), EncoderB().to(DEVICE)
    images, sounds, _ = data["train"]
    n = len(images)
    batch_size = max(2, min(BATCH_SIZE, n))
    steps_per_epoch = max(1, n // batch_size)  # full batches only: as many negatives each{total}
{optimizer_source(h, "[*encoder_a.parameters(), *encoder_b.parameters()]", "total_steps")}
    shuffle = torch.Generator().manual_seed(SEED)     # the order of the pairs
    alter = torch.Generator().manual_seed(SEED + 2)   # the random alterations
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        encoder_a.train()
        encoder_b.train()
        order = torch.randperm(n, generator=shuffle).to(DEVICE)
        total = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * batch_size:(step + 1) * batch_size]
            a = encoder_a(augment(images[batch], alter)).flatten(1)   # (B, D) image codes
            b = encoder_b(augment(sounds[batch], alter)).flatten(1)   # (B, D) sound codes
            loss = symmetric_info_nce(a, b)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(){scheduler_step(h, "            ")}
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}"
            if len(data["val"][0]) > 1:
                top1 = retrieval_top1(encoder_a, encoder_b, *data["val"])
                line += f"  val retrieval {{top1:.3f}}"
            print(line)
    y = data["test"][2]
    chance = ((torch.bincount(y) / len(y)) ** 2).sum().item()  # a random sound's odds
    top1 = retrieval_top1(encoder_a, encoder_b, *data["test"])
    print(f"test retrieval top-1 {{top1:.3f}}  (chance {{chance:.3f}})")
    return encoder_a, encoder_b
'''
    table = "TONES = np.array([  # (row, column) tone of each digit's key, cycles per 64\n"
    table += "".join(f"    {pair!r},  # {d}\n" for d, pair in enumerate(tones)) + "])"
    return assemble(top, [table, PAIR_DATA, *models, schedule_source(h), augment_source({4, 3}),
                          PAIR_LOSS, train])
