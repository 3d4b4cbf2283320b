"""Parts shared by the scripts of the sequence, text and transfer paradigms: the top of the
script (header, imports, settings), the optimiser lines and the assembly of the parts."""

from __future__ import annotations

from typing import Any

from ..model.project import Project
from .python_script import SCHEDULE_SOURCE, _aligned, _constants, _header, _scheduled

OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}


def script_top(project: Project, hparams: dict[str, Any], options: dict[str, Any],
               script_name: str, rows: list[tuple[str, str]], *, sklearn: bool = False,
               imports: tuple[str, ...] = ()) -> str:
    """Header, imports and the settings block: the studio's training settings, then ``rows``
    (the paradigm's own settings as (code, comment))."""
    lines = ["import math", "import os", *imports, "", "import numpy as np", "import torch",
             "import torch.nn.functional as F",
             *(["from sklearn.datasets import load_digits"] if sklearn else []),
             "from torch import nn"]
    extra = tuple(_aligned(rows, ""))
    return "\n\n".join([_header(project, script_name, sklearn), "\n".join(lines),
                        _constants(project, hparams, options, extra)])


def optimizer_source(hparams: dict[str, Any], params: str, total: str,
                     indent: str = "    ") -> str:
    """``optimizer = ...`` (and the learning-rate schedule) as the studio's ``make_optimizer``
    builds it for ``params``, with ``total`` the planned number of steps."""
    name = OPTIMIZERS[hparams["optimizer"]]
    extra = ""
    if hparams["optimizer"] == "sgd":
        extra += ", momentum=MOMENTUM" + (", nesterov=True" if hparams.get("nesterov") else "")
    if hparams["weight_decay"] or hparams["optimizer"] == "adamw":
        extra += ", weight_decay=WEIGHT_DECAY"
    lines = [f"optimizer = torch.optim.{name}({params}, lr=LR{extra})"]
    if _scheduled(hparams):
        lines += ["scheduler = torch.optim.lr_scheduler.LambdaLR(",
                  f"    optimizer, lambda step: lr_factor(step, {total}))"]
    return "\n".join(indent + line for line in lines)


def schedule_source(hparams: dict[str, Any]) -> str:
    """``lr_factor`` when the settings ask for a schedule or a warm-up, else nothing."""
    return SCHEDULE_SOURCE.strip("\n") if _scheduled(hparams) else ""


def scheduler_step(hparams: dict[str, Any], indent: str) -> str:
    """The line that advances the schedule after an optimiser step, on a line of its own
    after ``optimizer.step()`` (empty without a schedule)."""
    return f"\n{indent}scheduler.step()" if _scheduled(hparams) else ""


def assemble(top: str, parts: list[str]) -> str:
    """The whole script: the top, then its definitions two blank lines apart, then the call
    that runs it."""
    parts = [p.strip("\n") for p in parts if p.strip()]
    parts.append('if __name__ == "__main__":\n    train()')
    body = "\n\n\n".join(parts)
    if "math." not in body:  # the settings block never uses it
        top = top.replace("import math\n", "", 1)
    return top + "\n\n\n" + body + "\n"
