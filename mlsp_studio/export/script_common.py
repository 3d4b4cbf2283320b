"""Parts shared by the scripts of the sequence, text and transfer paradigms: the top of the
script (header, imports, settings), the optimiser and the batches as the studio makes them,
and the assembly of the parts."""

from __future__ import annotations

from typing import Any

from ..model.project import Project
from .python_script import _aligned, _constants, _header
from .source_copy import source_of


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


def optimizer_code(report: bool = True) -> str:
    """``make_optimizer(params, lr, total_steps, betas=None)`` and what it calls, copied from
    the studio's ``paradigms/optim.py``: the optimiser ``OPTIMIZER`` with its settings and the
    learning-rate schedule, exactly as the studio builds them; then what a training loop does
    with it: ``learn`` (one step down a loss) and, unless ``report`` is False (a loop that
    prints its own line), ``report_epoch`` (the epoch's line)."""
    names = ("make_optimizer", "learn", *(("report_epoch",) if report else ()))
    return (source_of("mlsp_studio.paradigms.optim", "lr_factor", "new_optimizer",
                      "attach_schedule")
            + "\n\n" + source_of("mlsp_studio.export.script_code", *names))


def batches_code() -> str:
    """``EpochBatches``, copied from the studio's ``paradigms/batching.py``: row indices a
    batch at a time, in a new random order every epoch, drawn as the studio draws them."""
    return source_of("mlsp_studio.paradigms.batching", "EpochBatches")


def assemble(top: str, parts: list[str]) -> str:
    """The whole script: the top, then its definitions two blank lines apart, then the call
    that runs it."""
    parts = [p.strip("\n") for p in parts if p.strip()]
    parts.append('if __name__ == "__main__":\n    train()')
    body = "\n\n\n".join(parts)
    if "math." not in body:  # the settings block never uses it
        top = top.replace("import math\n", "", 1)
    return top + "\n\n\n" + body + "\n"
