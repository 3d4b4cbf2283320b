"""The script of a sequence-to-sequence project: an encoder reads the source digits, a decoder
writes the target one token at a time; teacher forcing while training, greedy decoding to
score."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _source_shapes, model_source
from ...export.script_common import (
    assemble,
    optimizer_source,
    schedule_source,
    scheduler_step,
    script_top,
)
from ...export.script_data import SPLIT, make_data_source
from ...export.script_paradigms import register_script
from ...model import seq_datasets as sd
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

DECODING = '''\
def shift_right(y):
    """The decoder input for targets y (n, Lt): <bos>, then the target without its last
    token, so position i sees the tokens before target token i and never token i itself."""
    return torch.cat([torch.full_like(y[:, :1], BOS), y[:, :-1]], dim=1)


@torch.no_grad()
def greedy(model, x, length):
    """Greedy decoding: the decoder input starts as <bos> and padding; after each run the
    guess at position i is written in at i + 1, so the network only reads its own guesses.
    Returns the guesses (n, length) and the last decoder input."""
    dec = torch.zeros((len(x), length), dtype=torch.long, device=x.device)
    dec[:, 0] = BOS
    pred = torch.empty_like(dec)
    for i in range(length):
        pred[:, i] = run(model, x, dec)[:, i].argmax(-1)
        if i + 1 < length:
            dec[:, i + 1] = pred[:, i]
    return pred, dec


@torch.no_grad()
def evaluate(model, x, y):
    """Token accuracy and exact match (every token of the row right), decoding greedily:
    the target is never shown."""
    model.eval()
    pred = torch.cat([greedy(model, x[i:i + 1024], y.shape[1])[0]
                      for i in range(0, len(x), 1024)])              # (n, Lt)
    return (pred == y).float().mean().item(), (pred == y).all(dim=1).float().mean().item()
'''

ONE_PASS = '''\
@torch.no_grad()
def evaluate(model, x, y):
    """Token accuracy and exact match (every token of the row right); this network has no
    decoder input and writes the whole target in one pass."""
    model.eval()
    pred = torch.cat([model(x[i:i + 1024]).argmax(-1) for i in range(0, len(x), 1024)])
    return (pred == y).float().mean().item(), (pred == y).all(dim=1).float().mean().item()
'''


@register_script("seq2seq")
def seq2seq_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                   script_name: str) -> str:
    """An encoder-decoder script on source/target token pairs."""
    h, options = check.hparams, check.dataset_options
    if project.dataset != "seq_pairs":
        raise StudioError(f"The {project.dataset!r} dataset cannot be written out as a "
                          "sequence-to-sequence script yet; the copy, reverse, sort, add pairs "
                          "can.")
    analysis = check.analyses["model"]
    graph = project.slots["model"]
    order = list(_source_shapes(graph, analysis, registry))
    ctx = dataset_context(project.dataset, options)[1]
    data, _ = make_data_source(project.dataset, options, context_task(ctx),
                               f"(N, {ctx.inputs['x'][0]})", "int64 target ids (n, Lt)")
    model = model_source("model", graph, analysis, registry, True, vector_output=False,
                         sources=("x", "dec"))
    bos = sd.seq_pairs_tokenizer(options["operation"]).vocab.index(sd.BOS)
    rows = [(f"BOS = {bos}", "the start token's id: the decoder's first input"),
            (f"TEACHER_FORCING = {h['teacher_forcing']!r}",
             "share of steps the decoder reads the true previous tokens")]
    if h.get("grad_clip"):
        rows.append((f"GRAD_CLIP = {h['grad_clip']!r}", "the longest gradient allowed"))
    top = script_top(project, h, options, script_name, rows)
    decoder = "dec" in order
    call = f"model({', '.join(order)})"
    runner = f'''\
def run(model, x, dec):
    """The network's scores (n, Lt, V) for sources x (n, Ls) and decoder inputs dec (n, Lt)."""
    return {call}
'''
    if not decoder:
        forcing = "            scores = model(x)                      # (B, Lt, V) in one pass"
    elif h["teacher_forcing"] >= 1.0:
        forcing = ("            # teacher forcing: the decoder reads the true previous tokens\n"
                   "            scores = run(model, x, shift_right(y))  # (B, Lt, V)")
    else:
        forcing = (
            "            # teacher forcing on a share of the steps; on the others the decoder\n"
            "            # reads the network's own greedy guesses, made without gradients\n"
            "            forced = torch.rand((), generator=draw).item() < TEACHER_FORCING\n"
            "            dec = shift_right(y) if forced else greedy(model, x, y.shape[1])[1]\n"
            "            model.train()\n"
            "            scores = run(model, x, dec)                # (B, Lt, V)")
    clip = ("\n            nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)"
            if h.get("grad_clip") else "")
    total = "\n    total_steps = EPOCHS * -(-n // batch_size)" if schedule_source(h) else ""
    train = f'''\
def train():
    """Mini-batches of source/target pairs; the loss scores every target position."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    x_train, y_train = data["train"]
    n = len(x_train)
    batch_size = min(BATCH_SIZE, n){total}
{optimizer_source(h, "model.parameters()", "total_steps")}
    draw = torch.Generator().manual_seed(SEED)  # the order of the pairs (and forcing coins)
    order = torch.randperm(n, generator=draw).to(DEVICE)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            if start + batch_size >= n:  # the next epoch's order is drawn now, as the studio
                order = torch.randperm(n, generator=draw).to(DEVICE)  # does
            x, y = x_train[batch], y_train[batch]
{forcing}
            # cross-entropy of every target position: (B * Lt, V) scores against (B * Lt,)
            loss = F.cross_entropy(scores.flatten(0, 1), y.flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward(){clip}
            optimizer.step(){scheduler_step(h, "            ")}
            total += loss.item() * len(batch)
        if epoch % report_every == 0 or epoch == EPOCHS:
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / n:.4f}}"
            if len(data["val"][0]):
                line += f"  val token accuracy {{evaluate(model, *data['val'])[0]:.3f}}"
            print(line)
    accuracy, exact = evaluate(model, *data["test"])
    print(f"test token accuracy {{accuracy:.3f}}  exact match {{exact:.3f}}")
    return model
'''
    parts = [SPLIT, data, model, schedule_source(h), runner if decoder else "",
             DECODING if decoder else ONE_PASS, train]
    return assemble(top, parts)
