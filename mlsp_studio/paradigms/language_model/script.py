"""The script of a next-token language model (GPT-style) on the built-in corpus: the text,
the network, and a training loop that predicts every next token of random windows."""

from __future__ import annotations

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

EVALUATE = '''\
@torch.no_grad()
def evaluate(model, ids, limit):
    """Next-token loss and accuracy over up to `limit` windows that tile the text without
    overlapping (spread evenly over it when there are more)."""
    model.eval()
    count = (len(ids) - 1) // SEQ_LEN
    starts = torch.arange(count, device=DEVICE) * SEQ_LEN
    if count > limit:
        starts = starts[torch.linspace(0, count - 1, limit).round().long()]
    total, correct, tokens = 0.0, 0, 0
    for i in range(0, len(starts), 128):
        x, y = windows(ids, starts[i:i + 128])
        scores = model(x)                                    # (n, L, V)
        total += F.cross_entropy(scores.flatten(0, 1), y.flatten(), reduction="sum").item()
        correct += (scores.argmax(-1) == y).sum().item()
        tokens += y.numel()
    return total / tokens, correct / tokens


def windows(ids, starts):
    """Inputs and targets of the windows beginning at `starts`: the target at position t
    is the token at t + 1, so every position learns to predict the next token."""
    w = ids[starts[:, None] + torch.arange(SEQ_LEN + 1, device=ids.device)]  # (n, L + 1)
    return w[:, :-1], w[:, 1:]


@torch.no_grad()
def write(model, ids, count, seen):
    """`count` new tokens after `ids`, each drawn from the softmax of the scores / TEMPERATURE
    (among the TOP_K likeliest when TOP_K > 0); tokens the text never holds are never drawn."""
    model.eval()
    generator = torch.Generator().manual_seed(0)
    seq = torch.tensor([ids], device=DEVICE)
    for _ in range(count):
        scores = model(seq[:, -SEQ_LEN:])[0, -1] / TEMPERATURE  # (V,) the last position
        scores = scores.masked_fill(~seen, float("-inf"))
        if TOP_K > 0:
            low = scores.topk(min(TOP_K, len(scores))).values[-1]
            scores = scores.masked_fill(scores < low, float("-inf"))
        token = torch.multinomial(scores.softmax(-1).cpu(), 1, generator=generator)
        seq = torch.cat([seq, token.to(DEVICE)[None]], dim=1)
    return seq[0, len(ids):].tolist()
'''


@register_script("language_model")
def language_model_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                          script_name: str) -> str:
    """A GPT-style script: random windows of the training text, next-token cross-entropy."""
    h, options = check.hparams, check.dataset_options
    level = options["level"]
    text = corpus_source(project.dataset, options)
    model = model_source("model", project.slots["model"], check.analyses["model"], registry,
                         True, vector_output=False)
    rows = [(f"SEQ_LEN = {options['seq_len']}", "tokens per window the model reads"),
            (f"TEMPERATURE = {h['temperature']!r}", "sampling: low is careful, high adventurous"),
            (f"TOP_K = {h['top_k']}", "sample among the k likeliest tokens; 0 = all"),
            (f"SAMPLE_LENGTH = {h['sample_length']}", "tokens written at the end")]
    top = script_top(project, h, options, script_name, rows,
                     imports=("import re",) if level == "word" else ())
    # an empty prompt: a new line, or at word level the text's first word
    start = '[ID["\\n"]]' if level == "char" else 'ids[:1].tolist()'
    glue = '""' if level == "char" else '" "'
    train = f'''\
def train():
    """Each step reads BATCH_SIZE windows from random places in the training text."""
    _, streams = make_text(DATA_SEED)
    streams = {{part: ids.to(DEVICE) for part, ids in streams.items()}}
    ids = streams["train"]
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = Model().to(DEVICE)
    # an epoch: as many windows as it takes to cover the training text once
    steps_per_epoch = max(1, math.ceil((len(ids) - 1) / (BATCH_SIZE * SEQ_LEN)))
    total_steps = EPOCHS * steps_per_epoch
{optimizer_source(h, "model.parameters()", "total_steps")}
    draw = torch.Generator().manual_seed(SEED)  # its own stream for where the windows start
    report_every = max(1, EPOCHS // 10)
    total = 0.0
    for step in range(1, total_steps + 1):
        model.train()
        starts = torch.randint(0, len(ids) - SEQ_LEN, (BATCH_SIZE,), generator=draw)
        x, y = windows(ids, starts.to(DEVICE))               # (B, L) each
        scores = model(x)                                    # (B, L, V) a score per token
        # next-token cross-entropy: every position of every window is one prediction
        loss = F.cross_entropy(scores.flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step(){scheduler_step(h, "        ")}
        total += loss.item()
        epoch = step // steps_per_epoch
        if step % steps_per_epoch == 0 and (epoch % report_every == 0 or epoch == EPOCHS):
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / steps_per_epoch:.4f}}"
            if len(streams["val"]) > SEQ_LEN:
                line += f"  val loss {{evaluate(model, streams['val'], 96)[0]:.4f}}"
            print(line)
        if step % steps_per_epoch == 0:
            total = 0.0
    seen = torch.bincount(ids, minlength=len(VOCAB)) > 0
    new = write(model, {start}, SAMPLE_LENGTH, seen)
    print("sample:", {glue}.join(VOCAB[i] for i in new).replace("\\n", " / "))
    loss, accuracy = evaluate(model, streams["test"], 512)
    print(f"test loss {{loss:.4f}}  accuracy {{accuracy:.3f}}")
    return model
'''
    return assemble(top, [text, model, schedule_source(h), EVALUATE, train])
