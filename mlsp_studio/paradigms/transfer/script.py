"""The script of a transfer-learning project: pre-train the network on the source classes,
start its output layer afresh, then adapt to the target classes by fine-tuning every weight,
a linear probe (the body frozen) or LoRA (the body frozen, low-rank corrections beside it)."""

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
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck

LORA_TYPES = {"dense": ("Dense",), "conv": ("Conv1d", "Conv2d"),
              "dense_conv": ("Dense", "Conv1d", "Conv2d")}

LORA = source_of("mlsp_studio.nn.lora", "LowRankAdapter")

TASKS = '''\
def task(data, classes, noise, generator, limit=0):
    """The examples of `classes` only, labels renumbered 0..k-1; with `noise`, a fixed
    random shift of the inputs (another domain); with `limit`, that many training rows."""
    lookup = torch.full((max(max(classes), int(data["train"][1].max())) + 1,), -1)
    lookup[list(classes)] = torch.arange(len(classes))
    out = {}
    for part, (x, y) in data.items():
        keep = torch.isin(y, torch.tensor(classes))
        x, y = x[keep], lookup[y[keep]]
        if part == "train" and limit:
            x, y = x[:limit], y[:limit]
        if noise > 0:
            x = x + noise * torch.randn(x.shape, generator=generator)
        out[part] = (x.to(DEVICE), y.to(DEVICE))
    return out


@torch.no_grad()
def accuracy(model, x, y, k):
    """The share of examples whose highest score among the task's k outputs is right."""
    model.eval()
    return (model(x)[:, :k].argmax(-1) == y).float().mean().item()
'''


@register_script("transfer")
def transfer_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """Pre-train, then fine-tune / probe / LoRA, printing what trains and what is forgotten."""
    h, options = check.hparams, check.dataset_options
    graph, analysis = project.slots["model"], check.analyses["model"]
    ctx = dataset_context(project.dataset, options)[1]
    if context_task(ctx) != "classification":
        raise StudioError("Transfer learning needs a classification dataset.")
    data, code = make_data_source(project.dataset, options, "classification",
                                  "(N, " + ", ".join(map(str, ctx.inputs["x"])) + ")",
                                  "int64 class indices (n,)")
    model = model_source("model", graph, analysis, registry, True)
    heads = [n for n in analysis.order if graph.nodes[n].type == "ClassifierHead"]
    if len(heads) != 1:
        raise StudioError("Transfer learning needs a network with exactly one ClassifierHead.")
    head = _attr_name(graph.nodes[heads[0]])
    adapted = [_attr_name(graph.nodes[n]) for n in analysis.order
               if graph.nodes[n].type in LORA_TYPES[h["lora_layers"]]]
    rows = [(f"PRETRAIN_STEPS = {h['pretrain_steps']}", "steps on the source classes first"),
            (f"SOURCE_CLASSES = {tuple(h['source_classes'])!r}", "the task learned first"),
            (f"TARGET_CLASSES = {tuple(h['target_classes'])!r}", "the task adapted to"),
            (f"TARGET_EXAMPLES = {h['target_examples']}", "target training rows; 0 = all"),
            (f"TARGET_NOISE = {h['target_noise']!r}", "a fixed shift of the target inputs"),
            (f'MODE = "{h["mode"]}"', "finetune, probe or lora"),
            (f"RANK = {h['lora_rank']}", "LoRA: the rank r of each correction B A"),
            (f"ALPHA = {h['lora_alpha']!r}", "LoRA: the update is scaled by ALPHA / RANK"),
            (f"ADAPTED = {adapted!r}", "LoRA: the layers that get a correction")]
    top = script_top(project, h, options, script_name, rows, sklearn=bool(code.imports))
    train = f'''\
def train():
    """Pre-train on the source classes, then adapt to the target classes in MODE."""
    data = make_data(DATA_SEED)
    noise = torch.Generator().manual_seed(SEED)  # the target's shift, fixed once
    source = task(data, SOURCE_CLASSES, 0.0, noise)
    target = task(data, TARGET_CLASSES, TARGET_NOISE, noise, TARGET_EXAMPLES)
    torch.manual_seed(SEED)  # the starting weights
    model = Model().to(DEVICE)
    n = len(target["train"][0])
    batch_size = min(BATCH_SIZE, n)
    draw = torch.Generator().manual_seed(SEED + 1)  # which examples each step reads

    # 1. pre-training: random batches of the source task, every weight trains
{optimizer_source(h, "model.parameters()", "max(1, PRETRAIN_STEPS)")}
    x, y = source["train"]
    k = len(SOURCE_CLASSES)
    model.train()
    for _ in range(PRETRAIN_STEPS):
        batch = torch.randint(len(x), (min(batch_size, len(x)),), generator=draw).to(DEVICE)
        loss = F.cross_entropy(model(x[batch])[:, :k], y[batch])  # only the task's outputs
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step(){scheduler_step(h, "        ")}
    before = accuracy(model, *source["test"], k) if PRETRAIN_STEPS else float("nan")
    print(f"after pre-training: source test accuracy {{before:.3f}}")
    old_head = {{name: p.clone() for name, p in model.{head}.state_dict().items()}}

    # 2. adaptation: a fresh output layer; MODE decides what else trains
    model.{head}.reset_parameters()
    if MODE == "lora":
        for name in ADAPTED:  # freezes the layer, adds A and B beside it
            setattr(model, name, LowRankAdapter(getattr(model, name), RANK, ALPHA).to(DEVICE))
    if MODE in ("lora", "probe"):  # the body is frozen
        for name, p in model.named_parameters():
            p.requires_grad_("lora_" in name)
    for p in model.{head}.parameters():
        p.requires_grad_(True)
    params = [p for p in model.parameters() if p.requires_grad]
    trainable, total = sum(p.numel() for p in params), sum(p.numel() for p in model.parameters())
    print(f"{{MODE}}: {{trainable:,}} of {{total:,}} parameters train")
{optimizer_source(h, "params", "EPOCHS * math.ceil(n / batch_size)")}
    x, y = target["train"]
    k = len(TARGET_CLASSES)
    order = torch.randperm(n, generator=draw)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        loss_sum = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size].to(DEVICE)
            if start + batch_size >= n:  # the next epoch's order is drawn now, as the studio
                order = torch.randperm(n, generator=draw)  # does
            loss = F.cross_entropy(model(x[batch])[:, :k], y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step(){scheduler_step(h, "            ")}
            loss_sum += loss.item() * len(batch)
        if epoch % report_every == 0 or epoch == EPOCHS:
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{loss_sum / n:.4f}}"
            if len(target["val"][0]):
                line += f"  val accuracy {{accuracy(model, *target['val'], k):.3f}}"
            print(line)
    if PRETRAIN_STEPS:  # forgetting: the adapted body with the old output layer
        new_head = {{name: p.clone() for name, p in model.{head}.state_dict().items()}}
        model.{head}.load_state_dict(old_head)
        after = accuracy(model, *source["test"], len(SOURCE_CLASSES))
        model.{head}.load_state_dict(new_head)
        print(f"source test accuracy {{before:.3f}} before, {{after:.3f}} after adapting")
    print(f"test accuracy {{accuracy(model, *target['test'], k):.3f}}")
    return model
'''
    return assemble(top, [SPLIT, data, model, LORA,
                          schedule_source(h), TASKS, train])
