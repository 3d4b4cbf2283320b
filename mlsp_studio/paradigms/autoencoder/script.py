"""The script of an autoencoder project: encoder and decoder as classes, the reconstruction
loss on clean targets (with the project's input noise), and the studio's final metrics."""

from __future__ import annotations

from ...errors import StudioError
from ...export.script_gen_common import (
    BATCHES,
    assemble,
    data_source,
    networks,
    optimizer_source,
    refuse_unwritten,
)
from ...export.script_paradigms import register_script
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

NOISES = {
    "gaussian": '''\
    # gaussian: N(0, NOISE_LEVEL²) jitter added to every value
    return x + NOISE_LEVEL * torch.randn(x.shape, generator=generator).to(x.device)''',
    "masking": '''\
    # masking: a NOISE_LEVEL share of the values set to 0
    picked = (torch.rand(x.shape, generator=generator) < NOISE_LEVEL).to(x.device)
    return torch.where(picked, torch.zeros_like(x), x)''',
    "salt_pepper": '''\
    # salt and pepper: a NOISE_LEVEL share of the values set to the lowest or the highest
    picked = (torch.rand(x.shape, generator=generator) < NOISE_LEVEL).to(x.device)
    salt = (torch.rand(x.shape, generator=generator) < 0.5).to(x.device)
    flipped = torch.where(salt, torch.full_like(x, high), torch.full_like(x, low))
    return torch.where(picked, flipped, x)''',
}

METRICS = '''\
@torch.no_grad()
def rebuild(encoder, decoder, x):
    """decoder(encoder(x)), in x's shape, with the networks in evaluation mode."""
    encoder.eval()
    decoder.eval()
    return decoder(encoder(x))


@torch.no_grad()
def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k=5):
    """Share of test codes whose k nearest training codes vote for the right class (a tie goes
    to the class of the nearer neighbours): how well the code keeps the classes apart."""
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    nearest = torch.cdist(test_codes, train_codes).topk(k, dim=1, largest=False).indices
    votes = F.one_hot(train_labels[nearest], classes).float()              # (T, k, classes)
    weight = 1.0 + 1e-3 * torch.arange(k, 0, -1, device=votes.device) / k  # breaks ties only
    predicted = (votes * weight[None, :, None]).sum(1).argmax(1)           # (T,)
    return (predicted == test_labels).float().mean().item()


def auroc(scores, anomalous):
    """The chance that a random anomaly scores above a random normal example (ties: half)."""
    a, b = scores[anomalous][:, None], scores[~anomalous][None, :]
    return float((a > b).mean() + 0.5 * (a == b).mean())
'''


def _train(normal: bool, noisy: bool, knn: bool, salt: bool) -> str:
    keep = ('''
    # anomaly detection: train (and validate) on the normal classes only
    normal = {part: torch.isin(y, torch.tensor(NORMAL_CLASSES, device=DEVICE))
              for part, (_, y) in data.items()}
    kept = {part: (x[normal[part]], y[normal[part]]) for part, (x, y) in data.items()}'''
            if normal else "\n    kept = data")
    bounds_args = ", low, high" if salt else ""
    noise_in = f"corrupt(clean, generator{bounds_args})" if noisy else "clean"
    bounds = "\n    low, high = x.min().item(), x.max().item()  # salt and pepper's values" \
        if salt else ""
    eval_noise = (f"corrupt(x, torch.Generator().manual_seed(SEED + 2){bounds_args})"
                  if noisy else "x")
    final = ['''\
    for part in ("val", "test"):
        x = kept[part][0]
        if len(x):  # the inputs get the training noise, from a seed fixed for every check
            noisy = ''' + eval_noise + '''
            print(f"{part}_mse {F.mse_loss(rebuild(encoder, decoder, noisy), x).item():.4f}")''']
    if noisy:
        final.append('''\
    x = kept["test"][0]
    noisy = ''' + eval_noise + '''
    print(f"noisy_input_mse {F.mse_loss(noisy, x).item():.4f}")''')
    if knn:
        final.append('''\
    with torch.no_grad():  # codes of the whole training split, every class
        codes = {part: encoder(data[part][0]) for part in ("train", "test")}
    knn = knn_accuracy(codes["train"], data["train"][1], codes["test"], data["test"][1])
    print(f"latent_knn_accuracy {knn:.4f}")''')
    if normal:
        final.append('''\
    x, y = data["test"]  # every test example, scored by how badly it is rebuilt
    scores = ((rebuild(encoder, decoder, x) - x) ** 2).reshape(len(x), -1).mean(1)
    scores, anomalous = scores.cpu().numpy(), (~normal["test"]).cpu().numpy()
    print(f"anomaly_mse {scores[anomalous].mean():.4f}")
    print(f"auroc {auroc(scores, anomalous):.4f}")''')
    return f'''\
def train():
    """Mini-batch training of encoder and decoder together on the reconstruction error."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights: the encoder's, then the decoder's
    encoder, decoder = Encoder().to(DEVICE), Decoder().to(DEVICE){keep}
    x = kept["train"][0]{bounds}
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = -(-n // batch_size)
    # one random stream for the order of the examples and the noise, as in the studio
    generator = torch.Generator().manual_seed(SEED)
    batches = epoch_batches(n, batch_size, generator)
    optimizer = make_optimizer([*encoder.parameters(), *decoder.parameters()], LR,
                               EPOCHS * steps_per_epoch)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        encoder.train()
        decoder.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            clean = x[next(batches)]                   # (B, *example)
            noisy = {noise_in}
            # the loss: mean squared error between the rebuilt example and the CLEAN one
            loss = F.mse_loss(decoder(encoder(noisy)), clean)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            print(f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}")
{chr(10).join(final)}
    return encoder, decoder
'''


@register_script("autoencoder")
def autoencoder_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                       script_name: str) -> str:
    """Encoder (x → code) and decoder (code → x) trained on the reconstruction error."""
    h = check.hparams
    refuse_unwritten(project, h)
    data, code = data_source(project, check, "encoder")
    if code.x_type != "float32":
        raise StudioError("An autoencoder rebuilds numbers, and this data gives token ids, so "
                          "it cannot be written into a script.")
    noisy = h["noise"] != "none" and h["noise_level"] > 0
    normal = tuple(sorted(set(h["normal_classes"])))
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    classify = context_task(ctx) == "classification"
    rows = [(f"LATENT = {h['latent']}", "numbers in the code between encoder and decoder")]
    if noisy:
        rows += [(f"NOISE = {h['noise']!r}", "the noise put on the encoder's input"),
                 (f"NOISE_LEVEL = {h['noise_level']!r}", "how much noise")]
    if normal:
        rows.append((f"NORMAL_CLASSES = {list(normal)!r}",
                     "anomaly detection: the classes counted as normal"))
    definitions = [data, *networks(project, check, registry,
                                   {"encoder": ("x",), "decoder": ("z",)})]
    if noisy:
        definitions.append(
            'def corrupt(x, generator, low=0.0, high=1.0):\n'
            '    """x with the noise on it; the target stays the clean x."""\n'
            + NOISES[h["noise"]] + "\n")
    definitions += [BATCHES, optimizer_source(h), METRICS,
                    _train(bool(normal), noisy, classify, h["noise"] == "salt_pepper")]
    return assemble(project, check, script_name, code, rows, definitions)
