"""The script of a cross-modal project (CLIP-style): digit images and keypad sounds of the
same digit, one encoder each into a shared space, the symmetric InfoNCE loss."""

from __future__ import annotations

from ..spec.blocks import BlockRegistry
from ..spec.errors import StudioError
from ..spec.paired_datasets import digit_tones
from ..spec.project import Project, ProjectCheck
from .python_script import model_source
from .script_common import (
    assemble,
    optimizer_source,
    schedule_source,
    scheduler_step,
    script_top,
)
from .script_contrastive import augment_source
from .script_paradigms import register_script

DATA = '''\
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

LOSS = '''\
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
    return assemble(top, [table, DATA, *models, schedule_source(h), augment_source({4, 3}), LOSS,
                          train])
