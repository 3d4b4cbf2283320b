"""What changing a setting does to a run that has trained: nothing to its training (it only
changes what is drawn or sampled), something the run takes at its next step, or a new run.

Every setting of every paradigm has one of three kinds:

- ``VIEW``: does not change training at all (how text or samples are drawn from the model:
  a sampling temperature, a sample's length). The running run takes it for its pictures;
  it never restarts or ends the run.
- ``LIVE``: changes training, and the running run takes it at its next step (the names in
  ``LIVE_SETTINGS``: learning rate, weight decay, batch size, ...).
- ``TRAINING``: changes training in a way only a new run can (the network, the dataset, the
  paradigm, its other settings). A run that has trained is kept, finished, before a new one
  starts, and the window asks first.

The shared optimiser settings are classified here; a paradigm classifies its own settings
in its ``ParadigmSpec`` (``setting_kinds=own_settings(...)``). A setting left unclassified
counts as ``TRAINING`` (a new run: never wrong, only slower), and the test over every
paradigm's settings fails until it is classified.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import ProjectError

if TYPE_CHECKING:
    from .paradigms import ParadigmSpec

VIEW, LIVE, TRAINING = "view", "live", "training"
SETTING_KINDS = (VIEW, LIVE, TRAINING)

KIND_WORDS = {
    VIEW: "changes only what is drawn or sampled: the run goes on",
    LIVE: "the running run takes it at its next step",
    TRAINING: "changes training: a run that has trained is kept and a new one starts",
}

# the optimiser settings every paradigm shares (``OPTIMIZER_PARAMS``)
COMMON_KINDS: dict[str, str] = {
    "lr": LIVE, "weight_decay": LIVE, "batch_size": LIVE,
    "optimizer": TRAINING, "momentum": TRAINING, "nesterov": TRAINING, "schedule": TRAINING,
    "warmup_steps": TRAINING, "epochs": TRAINING, "eval_every": TRAINING,
    "patience": TRAINING,
}

# the project's own fields besides the paradigm's settings: what a run is made of changes
# training; its name, words and layout do not
PROJECT_KINDS: dict[str, str] = {
    "paradigm": TRAINING, "dataset": TRAINING, "dataset_options": TRAINING,
    "slots": TRAINING, "seed": TRAINING, "device": TRAINING,
    "name": VIEW, "description": VIEW, "ui": VIEW, "variants": VIEW,
}


def own_settings(view: Iterable[str] = (), live: Iterable[str] = (),
                 training: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
    """A paradigm's own settings by kind, for ``ParadigmSpec.setting_kinds``."""
    pairs = [*((n, VIEW) for n in view), *((n, LIVE) for n in live),
             *((n, TRAINING) for n in training)]
    names = [name for name, _ in pairs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"settings classified twice: {', '.join(twice)}")
    return tuple(pairs)


def classified(spec: ParadigmSpec) -> dict[str, str]:
    """Every setting of ``spec`` that has a kind, by name (its own over the shared ones)."""
    own = dict(spec.setting_kinds)
    return {name: own.get(name, COMMON_KINDS.get(name, ""))
            for name in spec.hparams.names() if name in own or name in COMMON_KINDS}


def unclassified(spec: ParadigmSpec) -> list[str]:
    """The settings of ``spec`` that have no kind yet."""
    kinds = classified(spec)
    return [name for name in spec.hparams.names() if name not in kinds]


def setting_kind(paradigm: str, name: str) -> str:
    """The kind of setting ``name`` of ``paradigm``; ``TRAINING`` when unknown."""
    from .paradigms import PARADIGM_SPECS

    try:
        spec = PARADIGM_SPECS.get(paradigm)
    except ProjectError:
        return TRAINING
    return classified(spec).get(name, TRAINING)
