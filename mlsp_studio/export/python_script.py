"""Export a project as one standalone PyTorch script a student can read and run.

The script holds the data (``make_data``), each network as plain ``nn.Module`` code with one
attribute per block named after its canvas label, and the training loop, and needs only numpy
and torch (and scikit-learn for the digits). Its layers are built in the studio's order with
the same seeds, so it starts from the same weights and trains on the same batches.

This module is the entry point (:func:`export_python`, :func:`python_source`) and holds what
every paradigm's writer shares: the networks (:func:`model_source`), the header and the
settings block. Each paradigm's own writer is its folder's ``script.py``.
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
from ..model.graph import Analysis, Graph, Node
from ..model.project import Project, check_project
from .script_attention_blocks import attention_block_code, attention_helpers
from .script_generative_blocks import generative_block_code, generative_helpers
from .script_regularize import regularize_constants
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
    """The text of the standalone script for ``project`` (checked, and compiled once), written
    by its paradigm's script writer (``paradigms/<name>/script.py``)."""
    check = check_project(project, registry)
    if not check.ok:
        raise ProjectError(check.errors[0])
    from .script_paradigms import paradigm_script  # its writers import this module

    return paradigm_script(project, check, registry, script_name or
                           f"{_slug(project.name)}.py")


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
    # the other families' writers, each asked in turn (None: not one of its blocks)
    written = (seq_block_code(spec, params, attr, ins, in_shapes, out_shape, count)
               or attention_block_code(spec, params, attr, ins, in_shapes)
               or generative_block_code(spec, params, attr, ins, in_shapes, out_shape, count)
               or skip_block_code(spec, params, attr, ins, in_shapes))
    if written is not None:
        return written
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


def _header(project: Project, script_name: str, sklearn: bool | tuple[str, ...],
            networks: str = "the network", ends: str = "the score on the test examples") -> str:
    """The script's docstring: the project's title and description, what the script holds
    (the data, ``networks`` and the loop) and needs (``sklearn``: whether it reads
    scikit-learn's digits, or the data's import lines), what it ends by printing (``ends``),
    and how to run it."""
    title = str(project.ui.get("title") or project.name)
    paragraphs = [title.rstrip(".") + "."]
    if project.description.strip():
        paragraphs.append(textwrap.fill(project.description.strip(), 88))
    said = " ".join(sklearn) if isinstance(sklearn, tuple) else ("sklearn" if sklearn else "")
    names = ["numpy", "torch", *(name for key, name in (("sklearn", "scikit-learn"),
                                                          ("PIL", "Pillow")) if key in said)]
    needs = ", ".join(names[:-1]) + " and " + names[-1]
    paragraphs.append(textwrap.fill(
        f'The MLSP Studio project "{project.name}" as one PyTorch script: the data, '
        f"{networks} and the training loop. It needs {needs} only, and ends by printing "
        f"{ends}.", 88))
    paragraphs.append(f"Run it with\n\n    python {script_name}\n\n"
                      f"or, for a shorter run, EPOCHS=5 python {script_name}")
    text = "\n\n".join(paragraphs).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}\n"""'


def _constants(project: Project, hparams: dict[str, Any], options: dict[str, Any],
               data_constants: tuple[str, ...],
               own_rows: tuple[tuple[str, str], ...] = ()) -> str:
    """The settings block: the training settings every script shares, then ``own_rows`` (a
    paradigm's own settings as (code, comment), lined up with the rest), the data's."""
    device = {"auto": 'torch.device("cuda" if torch.cuda.is_available() else "cpu")',
              "cpu": 'torch.device("cpu")', "cuda": 'torch.device("cuda")'}[project.device]
    rows = [
        (f"SEED = {project.seed}", "the starting weights and the order of the batches"),
        (f"DATA_SEED = {options.get('data_seed', options.get('split_seed', 0))}",
         "the data: the same seed gives the same examples and split"),
        (f'EPOCHS = int(os.environ.get("EPOCHS", {hparams["epochs"]}))',
         "passes over the training data"),
        (f"BATCH_SIZE = {hparams['batch_size']}", "examples per step"),
        (f"LR = {hparams['lr']!r}", "learning rate: the size of each step"),
        (f"OPTIMIZER = {hparams['optimizer']!r}", "sgd, rmsprop, adam or adamw"),
        (f"MOMENTUM = {hparams.get('momentum', 0.0)!r}",
         "sgd: how much of the last step is kept"),
        (f"NESTEROV = {bool(hparams.get('nesterov'))!r}", "sgd: look ahead before each step"),
        (f"WEIGHT_DECAY = {hparams['weight_decay']!r}", "pulls the weights toward zero"),
        (f"SCHEDULE = {hparams.get('schedule', 'constant')!r}",
         "constant, step (x0.1 at 1/2 and 3/4) or cosine"),
        (f"WARMUP_STEPS = {hparams.get('warmup_steps', 0)!r}",
         "steps over which the learning rate rises to LR"),
        (f"GRAD_CLIP = {hparams.get('grad_clip', 0.0)!r}",
         "the longest gradient allowed; 0: no limit"),
    ]
    if project.paradigm == "supervised":  # other paradigms' scripts share these constants
        rows += regularize_constants(project, hparams)
    rows += [
        *own_rows,
        (f"VAL_FRACTION = {options['val_fraction']!r}", "share kept aside to check progress"),
        (f"TEST_FRACTION = {options['test_fraction']!r}", "share kept aside for the final score"),
        *((line, "") for line in data_constants),
        (f"DEVICE = {device}", ""),
    ]
    return "\n".join(_aligned(rows, ""))
