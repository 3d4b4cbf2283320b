"""Does the project's network fit the data being imported? Plain Python (no Qt): the import
dialog shows the answer in colour, with the fix in words and, where it is one of the dialog's
settings, the setting to change.

The data's representation (a table, a signal, a spectrogram, pictures, tokens) is compared
with what the network's first blocks read: Conv1d reads a signal, Conv2d pictures, a
Conformer, LSTM or Transformer a sequence of frames, Embedding tokens, Dense a table. Then
the head: a ClassifierHead needs classes, a RegressionHead numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model.blocks import BlockRegistry, Context, Shape
from ..model.graph import Graph
from ..model.project import Project, ProjectCheck

FORMS = {
    "table": "a table of numbers (one row per example)",
    "signal": "signals (channels × samples)",
    "sequence": "sequences of frames (frames × features)",
    "spectrogram": "spectrograms (frames × bins)",
    "image": "pictures (channels × height × width)",
    "tokens": "text as tokens",
    "array2d": "2-D arrays",
    "array": "arrays",
}
ACCEPTS = {  # what a network reading each form takes
    "table": {"table"}, "signal": {"signal", "array2d"},
    "sequence": {"sequence", "spectrogram", "array2d"}, "image": {"image"},
    "tokens": {"tokens"},
}
WHERE = {  # which data gives a form, in the dialog's words
    "table": "a CSV or NPZ table", "signal": "a folder of WAV sounds as signals",
    "sequence": "a folder of WAV sounds as spectrograms",
    "image": "a folder of pictures or MNIST-format files", "tokens": "a text file",
}
FIRST_BLOCKS = {  # what a network should start with for a form of data
    "table": "Dense", "signal": "Conv1d", "spectrogram": "Dense and a Conformer or LSTM",
    "image": "Conv2d (or Flatten, then Dense)", "tokens": "Embedding",
}
PASS_THROUGH = {"activation", "dropout", "norm", "posenc", "attention_part", "grad_reverse"}
SEQUENCE_FAMILIES = {"recurrent", "attention", "attention_pool"}
GREEN, AMBER, RED = "fits", "needs changes", "does not fit"


@dataclass(frozen=True)
class Fit:
    """The verdict: ``level`` (GREEN, AMBER or RED), the sentence, and where one click fixes
    it, the dialog setting and value with the button's words."""

    level: str
    text: str
    fix: tuple[str, Any] | None = None
    fix_text: str = ""


def data_form(kind: str, options: dict[str, Any], x_shape: Shape) -> str:
    """The representation a dataset of ``kind`` gives with ``options`` (a key of FORMS)."""
    if kind == "wav_folder":
        return "spectrogram" if options.get("representation") == "spectrogram" else "signal"
    if kind in ("image_folder", "idx"):
        return "image"
    if kind == "text_file":
        return "tokens"
    return {1: "table", 2: "array2d", 3: "image"}.get(len(x_shape), "array")


def _decide(graph: Graph, registry: BlockRegistry, node: int, dense: str,
            seen: set[int]) -> tuple[str, str] | None:
    """What the blocks from ``node`` on read, with the block that says so; ``dense`` names a
    Dense block met on the way (it works frame by frame, so the next block decides)."""
    if node in seen:
        return None
    seen.add(node)
    name = graph.nodes[node].type
    if name not in registry:  # a block the catalogue does not have: the check names it
        return None
    family = registry.get(name).family
    if family in ("conv", "conv_transpose", "pool", "global_pool") and name[-2:] in ("1d", "2d"):
        return ("signal" if name.endswith("1d") else "image"), name
    if family in SEQUENCE_FAMILIES:
        return "sequence", (f"{dense} and {name}" if dense else name)
    if family == "embedding":
        return "tokens", name
    if family == "patch_embed":
        return "image", name
    if family == "head":
        return "table", dense or name
    if family == "identity":  # the network's output: Dense layers alone read a table
        return ("table", dense) if dense else None
    if family in PASS_THROUGH or family == "dense":
        dense = dense or (name if family == "dense" else "")
        for edge in graph.consumers_of(node):
            found = _decide(graph, registry, edge.dst, dense, seen)
            if found:
                return found
    return None


def network_reads(graph: Graph, registry: BlockRegistry) -> tuple[str, str] | None:
    """What the network's first blocks read from the data (``table``, ``signal``,
    ``sequence``, ``image`` or ``tokens``) and which block says so; None when the network
    shapes the data itself first (Flatten, Reshape, Transpose, a merge) or does not say."""
    for node in graph.nodes.values():
        if node.type == "Input" and node.params.get("source", "x") == "x":
            for edge in graph.consumers_of(node.id):
                found = _decide(graph, registry, edge.dst, "", set())
                if found:
                    return found
    return None


def _form_fit(form: str, kind: str, reads: str, block: str) -> Fit:
    """The verdict when the network reads ``reads`` and the data is ``form``."""
    if kind == "wav_folder" and reads == "sequence":
        return Fit(RED, f"This network reads spectrograms (frames × bins): {block} work frame "
                        "by frame, so a raw signal would reach them as one frame. Choose "
                        "Representation: spectrogram.",
                   ("representation", "spectrogram"), "Use spectrogram")
    if kind == "wav_folder" and reads == "signal":
        return Fit(RED, f"This network reads signals (channels × samples) with {block}; a "
                        "spectrogram would reach it with its frames as channels. Choose "
                        "Representation: signal.", ("representation", "signal"), "Use signal")
    return Fit(RED, f"This network reads {FORMS[reads]} ({block}), but this data is "
                    f"{FORMS[form]}. Import {WHERE[reads]}, or start the network with "
                    f"{FIRST_BLOCKS.get(form, 'blocks for this data')}.")


def _head_fit(graph: Graph, task: str, kind: str, label: str,
              other_label: str | None) -> Fit | None:
    """A ClassifierHead with numbers to predict, or a RegressionHead with classes, in words."""
    heads = {graph.nodes[n].type for n in graph.nodes if not graph.consumers_of(n)}
    where = (f"the label column '{label}'" if kind == "csv" else
             f"the labels array '{label}'" if kind == "npz" else "this data")
    thing, setting = ("column", "Label column") if kind == "csv" else ("array", "Labels array")
    if "ClassifierHead" in heads and task == "regression":
        text = (f"The network ends in a ClassifierHead, which sorts examples into classes, but "
                f"{where} holds numbers to predict. ")
        if kind in ("csv", "npz"):
            text += (f"Choose the {thing} that holds the classes as {setting}, or "
                     "set Task: classification if these numbers are class numbers.")
        fix = ("label_column", other_label) if kind == "csv" and other_label else None
        return Fit(RED, text, fix, f"Use column '{other_label}' as the label" if fix else "")
    if "RegressionHead" in heads and task == "classification":
        text = (f"The network ends in a RegressionHead, which predicts numbers, but {where} "
                "holds classes. ")
        text += (f"Choose the {thing} that holds the numbers as {setting}, or "
                 "set Task: regression." if kind in ("csv", "npz") else
                 "Put a ClassifierHead in its place.")
        return Fit(RED, text)
    return None


def _dims(shape: Shape) -> str:
    return " x ".join(map(str, shape))


def judge(kind: str, options: dict[str, Any], data: Context, trial: Project,
          check: ProjectCheck, registry: BlockRegistry, other_label: str | None = None) -> Fit:
    """Whether ``trial`` (the project with this data) trains on it, in words.

    ``data`` is the dataset's context; ``other_label`` a column that could hold the classes
    when the label column does not (offered as a one-click fix)."""
    x_shape = tuple(data.inputs["x"])
    form = data_form(kind, options, x_shape)
    readers = [s for s, c in check.contexts.items() if tuple(c.inputs.get("x", ())) == x_shape]
    for slot in readers[:1]:
        graph = trial.slots[slot]
        for node in graph.nodes.values():
            given = tuple(node.params.get("shape") or ())
            if (node.type == "Input" and node.params.get("source", "x") == "x" and given
                    and given != x_shape):
                return Fit(RED, f"The network's Input block is set to {_dims(given)}, but "
                                f"each input of this data is {_dims(x_shape)}. Clear the "
                                "Input block's shape so that it follows the data.")
        found = network_reads(graph, registry)
        if found and form not in ACCEPTS[found[0]]:
            return _form_fit(form, kind, *found)
        label = options.get("label_column") or options.get("y_key") or ""
        task = "classification" if data.num_classes > 0 else "regression"
        head = _head_fit(graph, task, kind, label, other_label)
        if head:
            return head
        if check.ok:
            reads = (f" reads {FORMS[found[0]]}, and this data is {FORMS[form]}: it" if found
                     else "")
            return Fit(GREEN, f"The project's network{reads} takes this data as it is.")
    if check.ok:
        return Fit(GREEN, "The project's network takes this data as it is.")
    return Fit(AMBER, "With this data the network needs changes before it can train: "
                      f"{check.errors[0].rstrip('.')}. You can import the data and then edit "
                      "the network.")
