"""Export a project as one standalone PyTorch script a student can read and run.

The script holds the data (``make_data``), each network as plain ``nn.Module`` code with one
attribute per block named after its canvas label, and the training loop, and needs only numpy
and torch (and scikit-learn for the digits). Its layers are built in the studio's order with
the same seeds, so it starts from the same weights and trains on the same batches.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from ..errors import ProjectError, StudioError
from ..model.blocks import BlockRegistry, BlockSpec, Shape, format_shape
from ..model.catalog import BLOCKS
from ..model.catalog.merge import concat_axis
from ..model.catalog.reshape import resolve_reshape
from ..model.datasets import context_task, dataset_context
from ..model.graph import Analysis, Graph, Node
from ..model.project import Project, check_project
from .script_attention_blocks import attention_block_code, attention_helpers
from .script_data import SPLIT, make_data_source
from .script_generative_blocks import generative_block_code, generative_helpers
from .script_regularize import (
    augment_training,
    ensemble_source,
    input_kind,
    regularize_constants,
)
from .script_seq_blocks import seq_block_code, seq_helpers
from .script_skip_blocks import skip_block_code

WIDTH = 100  # longest line the script should have

ACTIVATIONS = {
    "ReLU": "torch.relu({})", "GELU": "F.gelu({})", "Tanh": "torch.tanh({})",
    "Sigmoid": "torch.sigmoid({})", "Softmax": "torch.softmax({}, dim=-1)",
}
POOLS = {"MaxPool1d": "nn.MaxPool1d", "AvgPool1d": "nn.AvgPool1d",
         "MaxPool2d": "nn.MaxPool2d", "AvgPool2d": "nn.AvgPool2d"}
OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}


def export_python(project: Project, out: str | os.PathLike, *,
                  registry: BlockRegistry = BLOCKS) -> Path:
    """Write the project as a script to ``out`` (a file, or a folder to put ``<name>.py`` in).

    Written atomically: to a temporary file beside the target, then renamed over it.
    Raises :class:`StudioError` with a sentence when the project cannot be written out.
    """
    out = Path(out)
    if out.is_dir():
        out = out / f"{_slug(project.name)}.py"
    text = python_source(project, registry=registry, script_name=out.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a temporary file starts private; a script is for sharing
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def python_source(project: Project, *, registry: BlockRegistry = BLOCKS,
                  script_name: str | None = None) -> str:
    """The text of the standalone script for ``project`` (checked, and compiled once)."""
    check = check_project(project, registry)
    if not check.ok:
        raise ProjectError(check.errors[0])
    if project.paradigm != "supervised":
        from .script_paradigms import paradigm_script  # its modules import this one

        return paradigm_script(project, check, registry, script_name or
                               f"{_slug(project.name)}.py")
    analysis = check.analyses["model"]
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    classify = context_task(ctx) == "classification"
    x_shape = format_shape(analysis.shapes[analysis.inputs[0]])
    # one class per token (tagging, counting…): the output is (L, classes), the labels (n, L)
    per_token = classify and len(analysis.shapes[analysis.outputs[0]]) == 2
    y_text = ("int64 class indices (n, L), one per token" if per_token
              else "int64 class indices (n,)" if classify
              else f"float32 targets (n, {ctx.num_targets})")
    data, code = make_data_source(project.dataset, check.dataset_options, context_task(ctx),
                                  x_shape, y_text)
    model = model_source("model", project.slots["model"], analysis, registry, classify,
                         vector_output=not per_token)
    script_name = script_name or f"{_slug(project.name)}.py"
    imports = [*(["import math"] if _scheduled(check.hparams) else []), "import os", "",
               "import numpy as np", "import torch",
               "import torch.nn.functional as F", *code.imports, "from torch import nn"]
    top = [_header(project, script_name, bool(code.imports)), "\n".join(imports),
           _constants(project, check.hparams, check.dataset_options, code.constants)]
    definitions = [SPLIT, data, model, _training(check.hparams, classify, per_token,
                                                 input_kind(project)),
                   'if __name__ == "__main__":\n    train()']
    source = ("\n\n".join(top) + "\n\n\n"
              + "\n\n\n".join(part.strip("\n") for part in definitions) + "\n")
    compile(source, script_name, "exec")  # a SyntaxError here is a bug in the exporter
    return source


# --- the network ---------------------------------------------------------------------------


def model_source(slot: str, graph: Graph, analysis: Analysis, registry: BlockRegistry,
                 classify: bool, *, vector_output: bool = True,
                 sources: tuple[str, ...] = ("x",)) -> str:
    """``class Model(nn.Module)`` for one network slot, blocks in the studio's order.

    ``sources`` are the Input sources the network may read (the data's ``x``; a generator's
    ``z``…); forward takes one argument per source it reads, in the order it first reads them,
    as the studio's compiled network does. ``vector_output`` asks for one row per example."""
    if len(analysis.outputs) != 1:
        raise StudioError(f"The network {slot!r} has {len(analysis.outputs)} outputs; a script "
                          "can train a network with exactly one.")
    out_shape = analysis.shapes[analysis.outputs[0]]
    if vector_output and len(out_shape) != 1:
        what = "class scores" if classify else "predicted values"
        raise StudioError(f"The network {slot!r} gives {format_shape(out_shape)}; a script "
                          f"needs one row of {what} per example, (N, k).")
    allowed, sources = sources, []  # sources read, in the order the network first reads them
    inits: list[tuple[str, str]] = []
    steps: list[tuple[str, str]] = []
    names: dict[int, str] = {}
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        spec = registry.get(node.type)
        params = analysis.params[node_id]
        feeding = {e.port: e.src for e in graph.inputs_of(node_id)}
        ports = spec.ports(params)
        ins = [names[feeding[p]] for p in ports]
        in_shapes = [analysis.shapes[feeding[p]] for p in ports]
        if spec.family == "input":
            source = params["source"]
            if source not in allowed:
                raise StudioError(f"{node.label} reads the input {source!r}, which "
                                  "the data does not give.")
            if source not in sources:
                sources.append(source)
            names[node_id] = source
            continue
        attr = _attr_name(node)
        module, expr, note = block_code(spec, node, params, f"self.{attr}", ins, in_shapes,
                                        analysis.shapes[node_id], analysis.counts[node_id])
        if expr is None:  # passes its input on unchanged
            names[node_id] = ins[0]
            continue
        if module is not None:
            inits.append((f"self.{attr} = {module}", node.label))
        if note:
            steps.append((f"# {note}", ""))
        names[node_id] = f"h{node_id}"
        steps.append((f"h{node_id} = {expr}", format_shape(analysis.shapes[node_id])))
    steps.append((f"return {names[analysis.outputs[0]]}", ""))
    arg_shapes = ", ".join(f"{src}: {format_shape(shape)}" for src, shape in _source_shapes(
        graph, analysis, registry).items())
    cls = "".join(part.title() for part in slot.split("_"))
    doc = (f'"""The network {slot!r} as drawn on the canvas: '
           f'{analysis.total_params:,} learned parameters."""')
    body = [f"class {cls}(nn.Module):", f"    {doc}", "",
            "    def __init__(self):", "        super().__init__()",
            *_aligned(inits, "        "), "",
            f"    def forward(self, {', '.join(sources)}):  # {arg_shapes}",
            *_aligned(steps, "        ")]
    blocks = [(graph.nodes[n].type, analysis.params[n]) for n in analysis.order]
    helpers = seq_helpers(blocks) + attention_helpers(blocks) + generative_helpers(blocks)
    return helpers + "\n".join(body) + "\n"


def _source_shapes(graph: Graph, analysis: Analysis, registry: BlockRegistry
                   ) -> dict[str, Shape]:
    """Each Input source's shape, in the order the network first reads them."""
    shapes: dict[str, Shape] = {}
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        if registry.get(node.type).family == "input":
            shapes.setdefault(analysis.params[node_id]["source"], analysis.shapes[node_id])
    return shapes


def block_code(spec: BlockSpec, node: Node, params: dict[str, Any], attr: str,
               ins: list[str], in_shapes: list[Shape], out_shape: Shape,
               count: int = 0) -> tuple[str | None, str | None, str]:
    """One block as (module for ``__init__`` or None, forward expression or None to pass the
    input on, a comment for above the line), with the layers ``nn.builders`` would build."""
    family, kind = spec.family, spec.type
    shape = in_shapes[0] if in_shapes else ()
    x = ins[0] if ins else "x"
    if family == "identity":
        return None, None, ""
    if family == "dense":
        return _call("nn.Linear", shape[-1], params["units"],
                     bias=_unless(params["bias"], True)), f"{attr}({x})", ""
    if family == "head" and kind in ("ClassifierHead", "RegressionHead"):
        # a size of 0 follows the dataset: the analysis has already filled it in
        return _call("nn.Linear", shape[-1], out_shape[-1]), f"{attr}({x})", ""
    if family == "activation" and kind in ACTIVATIONS:
        return None, ACTIVATIONS[kind].format(x), ""
    if family == "activation" and kind == "LeakyReLU":
        return None, f"F.leaky_relu({x}, {params['negative_slope']!r})", ""
    if family == "dropout":
        return _call("nn.Dropout", params["p"]), f"{attr}({x})", ""
    if family == "conv":
        dims = len(shape) - 1
        causal = dims == 1 and params.get("causal")
        module = _call(f"nn.Conv{dims}d", shape[0], params["out_channels"],
                       params["kernel_size"], stride=_unless(params["stride"], 1),
                       padding=None if causal else _unless(params["padding"], 0),
                       dilation=_unless(params["dilation"], 1),
                       groups=_unless(params["groups"], 1), bias=_unless(params["bias"], True))
        if causal:
            pad = params["dilation"] * (params["kernel_size"] - 1)
            return module, f"{attr}(F.pad({x}, ({pad}, 0)))", \
                f"causal: {pad} zeros on the left only, so step t sees no step after t"
        return module, f"{attr}({x})", ""
    if family == "conv_transpose":
        dims = len(shape) - 1
        return _call(f"nn.ConvTranspose{dims}d", shape[0], params["out_channels"],
                     params["kernel_size"], stride=_unless(params["stride"], 1),
                     padding=_unless(params["padding"], 0),
                     output_padding=_unless(params["output_padding"], 0),
                     bias=_unless(params["bias"], True)), f"{attr}({x})", ""
    if family == "pool" and kind in POOLS:
        k = params["kernel_size"]
        return _call(POOLS[kind], k, stride=_unless(params["stride"] or k, k),
                     padding=_unless(params["padding"], 0)), f"{attr}({x})", ""
    if family == "global_pool" and kind.startswith(("GlobalAvg", "GlobalMax")):
        axes = tuple(range(2, len(shape) + 1))
        dim = axes[0] if len(axes) == 1 else axes
        how = "mean" if kind.startswith("GlobalAvg") else "amax"
        return None, f"{x}.{how}(dim={dim})", ""
    if family == "norm" and kind == "BatchNorm":
        return _call("nn.BatchNorm2d" if len(shape) == 3 else "nn.BatchNorm1d", shape[0],
                     eps=_unless(params["eps"], 1e-5), momentum=_unless(params["momentum"], 0.1),
                     affine=_unless(params["affine"], True)), f"{attr}({x})", ""
    if family == "norm" and kind == "LayerNorm":
        return _call("nn.LayerNorm", shape[-1], eps=_unless(params["eps"], 1e-5),
                     elementwise_affine=_unless(params["elementwise_affine"], True)), \
            f"{attr}({x})", ""
    if family == "reshape" and kind == "Flatten":
        return None, f"{x}.flatten(1)", ""
    if family == "reshape" and kind == "Reshape":
        target = resolve_reshape(tuple(params["shape"]), math.prod(shape))
        return None, f"{x}.reshape(-1, {', '.join(map(str, target))})", ""
    if family == "upsample":
        mode = "bilinear" if params["mode"] == "linear" and len(shape) == 3 else params["mode"]
        scale = params["scale_factor"]
        return None, f'F.interpolate({x}, scale_factor={scale}, mode="{mode}")', ""
    if family == "merge" and kind in ("Add", "Multiply"):
        return None, (" + " if kind == "Add" else " * ").join(ins), ""
    if family == "merge" and kind == "Concat":
        dim = concat_axis(params["axis"], len(shape)) + 1  # + 1: the batch axis
        return None, f"torch.cat([{', '.join(ins)}], dim={dim})", ""
    sequence = seq_block_code(spec, params, attr, ins, in_shapes, out_shape, count)
    if sequence is not None:
        return sequence
    attention = attention_block_code(spec, params, attr, ins, in_shapes)
    if attention is not None:
        return attention
    generative = generative_block_code(spec, params, attr, ins, in_shapes, out_shape, count)
    if generative is not None:
        return generative
    skip = skip_block_code(spec, params, attr, ins, in_shapes)
    if skip is not None:
        return skip
    raise StudioError(f"{node.label}: a {kind} block cannot be written out as a script yet.")


def _unless(value: Any, default: Any) -> Any:
    """``value``, or None (left out of the call) when it is torch's default anyway."""
    return None if value == default else value


def _call(name: str, *args: Any, **kwargs: Any) -> str:
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"{name}({', '.join(words)})"


def _attr_name(node: Node) -> str:
    """``Dense 2`` → ``dense2``, ``MaxPool2d 4`` → ``max_pool2d_4`` (an ``_`` where the type
    has digits of its own)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", node.type).lower()
    words = re.sub(r"\W+", "_", words).strip("_") or "block"
    if words[0].isdigit():
        words = f"block_{words}"
    return f"{words}_{node.id}" if re.search(r"\d", words) else f"{words}{node.id}"


def _aligned(lines: list[tuple[str, str]], indent: str) -> list[str]:
    """Code lines with their comments lined up in one column; a comment that does not fit
    beside its line goes above it."""
    def fits(code: str, note: str) -> bool:
        return len(indent) + len(code) + len(note) + 4 <= WIDTH

    column = max((len(code) for code, note in lines if note and fits(code, note)),
                 default=0) + 2
    out = []
    for code, note in lines:
        if not note:
            out.append(indent + code)
        elif len(indent) + max(column, len(code) + 2) + len(note) + 2 <= WIDTH:
            out.append(f"{indent}{code.ljust(max(column, len(code) + 2))}# {note}")
        else:
            out += [f"{indent}# {note}", indent + code]
    return out


# --- the rest of the script ----------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "project"


def _header(project: Project, script_name: str, sklearn: bool) -> str:
    title = str(project.ui.get("title") or project.name)
    paragraphs = [title.rstrip(".") + "."]
    if project.description.strip():
        paragraphs.append(textwrap.fill(project.description.strip(), 88))
    needs = "numpy, torch and scikit-learn" if sklearn else "numpy and torch"
    paragraphs.append(textwrap.fill(
        f'The MLSP Studio project "{project.name}" as one PyTorch script: the data, the '
        f"network and the training loop. It needs {needs} only, and ends by printing the "
        "score on the test examples.", 88))
    paragraphs.append(f"Run it with\n\n    python {script_name}\n\n"
                      f"or, for a shorter run, EPOCHS=5 python {script_name}")
    text = "\n\n".join(paragraphs).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}\n"""'


def _constants(project: Project, hparams: dict[str, Any], options: dict[str, Any],
               data_constants: tuple[str, ...]) -> str:
    device = {"auto": 'torch.device("cuda" if torch.cuda.is_available() else "cpu")',
              "cpu": 'torch.device("cpu")', "cuda": 'torch.device("cuda")'}[project.device]
    rows = [
        (f"SEED = {project.seed}", "the starting weights and the order of the batches"),
        (f"DATA_SEED = {options['seed']}", "the data: the same seed gives the same examples"),
        (f'EPOCHS = int(os.environ.get("EPOCHS", {hparams["epochs"]}))',
         "passes over the training data"),
        (f"BATCH_SIZE = {hparams['batch_size']}", "examples per step"),
        (f"LR = {hparams['lr']!r}", "learning rate: the size of each step"),
    ]
    if hparams["optimizer"] == "sgd":
        rows.append((f"MOMENTUM = {hparams['momentum']!r}", "how much of the last step is kept"))
    if hparams["weight_decay"] or hparams["optimizer"] == "adamw":
        rows.append((f"WEIGHT_DECAY = {hparams['weight_decay']!r}",
                     "pulls the weights toward zero"))
    if _scheduled(hparams):
        rows.append((f"SCHEDULE = {hparams['schedule']!r}",
                     "constant, step (x0.1 at 1/2 and 3/4) or cosine"))
        rows.append((f"WARMUP_STEPS = {hparams['warmup_steps']!r}",
                     "steps over which the learning rate rises to LR"))
    if hparams.get("grad_clip"):
        rows.append((f"GRAD_CLIP = {hparams['grad_clip']!r}",
                     "the longest gradient allowed; longer ones are scaled down"))
    if project.paradigm == "supervised":  # other paradigms' scripts share these constants
        rows += regularize_constants(project, hparams)
    rows += [
        (f"VAL_FRACTION = {options['val_fraction']!r}", "share kept aside to check progress"),
        (f"TEST_FRACTION = {options['test_fraction']!r}", "share kept aside for the final score"),
        *((line, "") for line in data_constants),
        (f"DEVICE = {device}", ""),
    ]
    return "\n".join(_aligned(rows, ""))


SCHEDULE_SOURCE = '''

def lr_factor(step, total):
    """What LR is multiplied by after `step` steps: warm-up, then the schedule."""
    factor = min(1.0, (step + 1) / WARMUP_STEPS) if WARMUP_STEPS > 0 else 1.0
    if SCHEDULE == "step":
        factor *= 0.1 ** ((step >= total // 2) + (step >= 3 * total // 4))
    elif SCHEDULE == "cosine":
        factor *= 0.5 * (1.0 + math.cos(math.pi * min(step, total) / max(1, total)))
    return factor
'''


def _scheduled(hparams: dict[str, Any]) -> bool:
    return hparams.get("schedule", "constant") != "constant" or hparams.get("warmup_steps", 0) > 0


def _training(hparams: dict[str, Any], classify: bool, per_token: bool = False,
              kind: str = "") -> str:
    """The evaluation and training functions; ``kind`` is the data's input kind, for the
    augmentation written out when the ``augment`` setting is on."""
    name = OPTIMIZERS[hparams["optimizer"]]
    extra = ", momentum=MOMENTUM" if hparams["optimizer"] == "sgd" else ""
    if hparams["optimizer"] == "sgd" and hparams.get("nesterov"):
        extra += ", nesterov=True"
    if hparams["weight_decay"] or hparams["optimizer"] == "adamw":
        extra += ", weight_decay=WEIGHT_DECAY"
    if classify:
        metric, loss = "accuracy", "F.cross_entropy"
        evaluate = '''\
@torch.no_grad()
def evaluate(model, x, y):
    """The share of examples whose highest class score is the right class."""
    model.eval()
    out = torch.cat([model(x[i:i + 1024]) for i in range(0, len(x), 1024)])  # (n, classes)
    return (out.argmax(dim=-1) == y).float().mean().item()
'''
    else:
        metric, loss = "mse", "F.mse_loss"
        evaluate = '''\
@torch.no_grad()
def evaluate(model, x, y):
    """The mean squared error of the predictions."""
    model.eval()
    out = torch.cat([model(x[i:i + 1024]) for i in range(0, len(x), 1024)])  # (n, targets)
    return F.mse_loss(out, y).item()
'''
    digits = 3 if classify else 4
    ensemble = hparams.get("ensemble", 1) > 1
    net = "m" if ensemble else "model"
    xs, ys, before, measure = "x[batch]", "y[batch]", "", ""
    if hparams.get("augment") and not per_token:  # token data is refused before this
        source, stats, args = augment_training(kind)
        evaluate += "\n" + source
        measure = f"\n    {stats}"
        xs, ys = "xb", "yb"
        before = f"xb, yb = augment(x[batch], y[batch], {args})  # altered at random\n"
    expr = f"{loss}({net}({xs}), {ys})"
    if per_token:  # every token is one example of the loss: (B, L, classes) -> (B * L, classes)
        before += "# one class per token: score every position as an example of its own\n"
        expr = f"F.cross_entropy({net}({xs}).flatten(0, 1), {ys}.flatten())"
    if ensemble:
        evaluate += ensemble_source(classify)
        before += "# every member learns on its own: their losses are simply added up\n"
        expr = f"sum({expr} for m in model.members)"
    loss_line = (before + f"loss = {expr}").replace("\n", "\n            ")
    clip = ("\n            nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)"
            if hparams.get("grad_clip") else "")
    if clip and ensemble:
        clip = ("\n            for m in model.members:  # each member's gradient on its own"
                "\n                nn.utils.clip_grad_norm_(m.parameters(), GRAD_CLIP)")
    optimizer = f"torch.optim.{name}(model.parameters(), lr=LR{extra})"
    if len(optimizer) > WIDTH - 16:  # "    optimizer = " comes first
        optimizer = f"torch.optim.{name}(\n        model.parameters(), lr=LR{extra})"
    schedule = schedule_step = ""
    if _scheduled(hparams):
        evaluate += SCHEDULE_SOURCE
        schedule = ("\n    total_steps = EPOCHS * -(-len(data['train'][0]) // BATCH_SIZE)"
                    "\n    scheduler = torch.optim.lr_scheduler.LambdaLR("
                    "\n        optimizer, lambda step: lr_factor(step, total_steps))")
        schedule_step = "\n            scheduler.step()"
    return evaluate + f'''

def train():
    """Mini-batch training: every epoch visits the training examples once, in a new order."""
    data = {{part: (x.to(DEVICE), y.to(DEVICE)) for part, (x, y) in make_data(DATA_SEED).items()}}
    torch.manual_seed(SEED)  # the starting weights (and which values dropout drops)
    model = {"Ensemble" if ensemble else "Model"}().to(DEVICE)
    optimizer = {optimizer}{schedule}
    shuffle = torch.Generator().manual_seed(SEED)  # its own stream for the order of examples
    x, y = data["train"]{measure}
    n = len(x)
    batch_size = min(BATCH_SIZE, n)
    report_every = max(1, EPOCHS // 10)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        order = torch.randperm(n, generator=shuffle).to(DEVICE)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            {loss_line}
            optimizer.zero_grad(set_to_none=True)
            loss.backward(){clip}
            optimizer.step(){schedule_step}
            total += loss.item() * len(batch){" / ENSEMBLE" if ensemble else ""}
        if epoch % report_every == 0 or epoch == EPOCHS:
            line = f"epoch {{epoch:4d}}/{{EPOCHS}}  loss {{total / n:.4f}}"
            if len(data["val"][0]):
                line += f"  val {metric} {{evaluate(model, *data['val']):.{digits}f}}"
            print(line)
    print(f"test {metric} {{evaluate(model, *data['test']):.{digits}f}}")
    return model
'''
