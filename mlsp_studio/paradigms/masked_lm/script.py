"""The script of a masked language model (BERT-style) on the built-in corpus: sentence rows,
15 % of their tokens hidden by BERT's rule, and the network learning to fill them in."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import model_source
from ...export.script_common import (
    assemble,
    optimizer_source,
    schedule_source,
    scheduler_step,
    script_top,
)
from ...export.script_paradigms import register_script
from ...export.script_text_data import corpus_source
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

MASKING = '''\
def sentence_rows(sentences, word_level):
    """One sentence per row (n, SEQ_LEN), padded with 0 and cut to fit; at word level each
    row starts with the class token <cls>."""
    rows = torch.zeros(len(sentences), SEQ_LEN, dtype=torch.long)
    for r, sentence in enumerate(sentences):
        ids = ([ID["<cls>"]] + sentence if word_level else sentence)[:SEQ_LEN]
        rows[r, :len(ids)] = torch.tensor(ids)
    return rows


SPECIAL = torch.tensor([len(t) > 2 and t[0] == "<" and t[-1] == ">" for t in VOCAB])  # (V,)
ORDINARY = torch.nonzero(~SPECIAL)[:, 0]  # the ids a "random token" is drawn from


def mask(x, generator):
    """BERT's corruption. Choose MASK_FRACTION of each row's ordinary tokens (at least one;
    never padding or special tokens); of those, 80 % become <mask>, 10 % a random token and
    10 % stay as they are. Returns the corrupted rows and the chosen positions (N, L)."""
    eligible = ~SPECIAL[x]                                   # (N, L)
    n_ok = eligible.sum(1)
    k = torch.minimum(torch.clamp(torch.round(n_ok.float() * MASK_FRACTION).long(), min=1),
                      n_ok)                                  # (N,) tokens to choose per row
    scores = torch.rand(x.shape, generator=generator).masked_fill(~eligible, 2.0)
    chosen = scores.argsort(1).argsort(1) < k[:, None]       # the k lowest random scores
    u = torch.rand(x.shape, generator=generator)
    pick = torch.randint(len(ORDINARY), x.shape, generator=generator)
    inputs = x.clone()
    inputs[chosen & (u < 0.8)] = ID["<mask>"]
    random = chosen & (u >= 0.8) & (u < 0.9)
    inputs[random] = ORDINARY[pick][random]
    return inputs, chosen


@torch.no_grad()
def evaluate(model, batch):
    """Loss and accuracy on the hidden tokens of a batch masked once, so every check scores
    the same positions."""
    model.eval()
    x, inputs, chosen = batch
    scores = model(inputs)[chosen]                           # (hidden tokens, V)
    loss = F.cross_entropy(scores, x[chosen]).item()
    return loss, (scores.argmax(-1) == x[chosen]).float().mean().item()


def fixed_batch(rows, seed):
    """Up to 512 rows of a part, masked once with their own random stream."""
    generator = torch.Generator().manual_seed(seed)
    x = rows[torch.randperm(len(rows), generator=generator)[:512]]
    inputs, chosen = mask(x, generator)
    return x.to(DEVICE), inputs.to(DEVICE), chosen.to(DEVICE)
'''


@register_script("masked_lm")
def masked_lm_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                     script_name: str) -> str:
    """A BERT-style script: masked-token prediction on one sentence per row."""
    h, options = check.hparams, check.dataset_options
    if h["next_sentence"]:
        raise StudioError("The next_sentence setting cannot be written out as a script yet; "
                          "turn it off to export masked-token prediction alone.")
    word = options["level"] == "word"
    text = corpus_source(project.dataset, options)
    model = model_source("model", project.slots["model"], check.analyses["model"], registry,
                         True, vector_output=False)
    rows = [(f"SEQ_LEN = {options['seq_len']}", "tokens per row (one sentence)"),
            (f"MASK_FRACTION = {h['mask_fraction']!r}", "share of tokens hidden in each row")]
    top = script_top(project, h, options, script_name, rows,
                     imports=("import re",) if word else ())
    total = "\n    total_steps = EPOCHS * steps_per_epoch" if schedule_source(h) else ""
    train = f'''\
def train():
    """Each step hides tokens of BATCH_SIZE sentence rows and learns to fill them in."""
    sentences, _ = make_text(DATA_SEED)
    rows = {{part: sentence_rows(s, {word}) for part, s in sentences.items()}}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    x_train = rows["train"]
    n = len(x_train)
    batch_size = min(BATCH_SIZE, n)
    steps_per_epoch = math.ceil(n / batch_size){total}
{optimizer_source(h, "model.parameters()", "total_steps")}
    draw = torch.Generator().manual_seed(SEED)  # the order of rows and what gets hidden
    checks = {{part: fixed_batch(rows[part], SEED + 11 + i)
              for i, part in enumerate(("train", "val", "test")) if len(rows[part])}}
    order = torch.randperm(n, generator=draw)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            if start + batch_size >= n:  # the next epoch's order is drawn now, as the studio
                order = torch.randperm(n, generator=draw)  # does, so the masks match it too
            x = x_train[batch]
            inputs, chosen = mask(x, draw)                   # (B, L) corrupted rows
            x, inputs, chosen = x.to(DEVICE), inputs.to(DEVICE), chosen.to(DEVICE)
            scores = model(inputs)                           # (B, L, V)
            # cross-entropy on the hidden positions only: the rest are given, not predicted
            loss = F.cross_entropy(scores[chosen], x[chosen])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(){scheduler_step(h, "            ")}
            total += loss.item()
        if epoch % report_every == 0 or epoch == EPOCHS:
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}"
            if "val" in checks:
                line += f"  val masked accuracy {{evaluate(model, checks['val'])[1]:.3f}}"
            print(line)
    loss, accuracy = evaluate(model, checks["test"])
    print(f"test masked loss {{loss:.4f}}  masked accuracy {{accuracy:.3f}}")
    return model
'''
    return assemble(top, [text, model, schedule_source(h), MASKING, train])
