"""What each training paradigm needs, without torch: its network slots and its settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ProjectError
from .blocks import Context, Shape, p_bool, p_choice, p_float, p_int
from .metric_units import LossMeaning
from .params import ParamSet
from .registry import SpecRegistry
from .step_work import StepWork, one_pass_each


@dataclass(frozen=True)
class ParadigmSpec:
    """A paradigm's name, what it is for, the networks it trains and its settings."""

    name: str
    title: str
    doc: str
    slots: tuple[str, ...]
    hparams: ParamSet
    tasks: tuple[str, ...] = ()   # dataset tasks it accepts; empty accepts any
    slot_inputs: Callable[[str, dict[str, Any], Context], Context] | None = None
    slot_output: Callable[[str, dict[str, Any], Context], tuple[Shape, str] | None] | None = None
    menu_order: int = 50          # where it stands in the paradigm list (lower first)
    # the snapshot kinds its runs give whatever the network: their panels show before the
    # first run (the run then says which pictures it has)
    pictures: tuple[str, ...] = ()
    # what its loss is, in words and unit (model/metric_units.py), fixed or from the settings,
    # the dataset's options and what the data gives; None: it does not say
    loss: LossMeaning | Callable[[dict[str, Any], dict[str, Any], Context],
                                 LossMeaning] | None = None
    # what one training step does with the networks (model/step_work.py), from the settings
    # and what each network is fed, for the time estimate; None: each runs once, forward and
    # backward, and its weights take one optimiser step
    step_work: Callable[[dict[str, Any], dict[str, Context]], StepWork] | None = None
    # what changing each of its own settings does to a run that has trained (view, live or
    # training, model/setting_kinds.py: ``own_settings(view=..., live=..., training=...)``)
    setting_kinds: tuple[tuple[str, str], ...] = ()

    def slot_context(self, slot: str, hparams: dict[str, Any], data: Context) -> Context:
        """What network ``slot`` is fed, from the data's context and the settings.

        Most paradigms feed every network the data (``x``); a generator is fed noise, a
        decoder a latent code, a denoiser the noisy data, a time step and a class.
        """
        return self.slot_inputs(slot, hparams, data) if self.slot_inputs else data

    def expected_output(self, slot: str, hparams: dict[str, Any],
                        data: Context) -> tuple[Shape, str] | None:
        """The output shape network ``slot`` must give and why in words, or None for any."""
        return self.slot_output(slot, hparams, data) if self.slot_output else None

    def describe_loss(self, hparams: dict[str, Any], data_options: dict[str, Any],
                      data: Context) -> LossMeaning | None:
        """What the loss is for these settings and data, or None when the paradigm does not
        say."""
        return self.loss(hparams, data_options, data) if callable(self.loss) else self.loss

    def work(self, hparams: dict[str, Any], contexts: dict[str, Context]) -> StepWork:
        """What one training step does with the networks, for these settings and networks
        fed ``contexts`` (by slot)."""
        return self.step_work(hparams, contexts) if self.step_work else one_pass_each(self.slots)


def shaped_like_data(data: Context, why: str) -> tuple[Shape, str] | None:
    """For a ``slot_output``: the data's own shape (``x``) and ``why`` in words, or None when
    the data has no ``x`` yet."""
    x = data.inputs.get("x")
    return (tuple(x), why) if x is not None else None


class ParadigmSpecRegistry(SpecRegistry[ParadigmSpec]):
    """Paradigm metadata by name, filled from the ``settings`` module of every paradigm
    folder on first use, listed in menu order; refuses a second registration under the same
    name."""

    taken = "a paradigm called {name!r} is already registered"

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False

    def _unknown(self, name: object) -> Exception:
        return ProjectError(f"unknown paradigm {name!r} (known: {self.known()})")

    def names(self) -> list[str]:
        return [spec.name for spec in self]

    def __iter__(self) -> Iterator[ParadigmSpec]:
        return iter(sorted(super().__iter__(), key=lambda spec: spec.menu_order))

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            from .plugins import load_role
            load_role("settings")


OPTIMIZER_PARAMS = (
    p_choice("optimizer", "adam", ("sgd", "rmsprop", "adam", "adamw"),
             "how the weights move: plain SGD (with momentum if set), RMSprop (steps scaled "
             "by each weight's recent gradient size), Adam or AdamW"),
    p_float("lr", 0.01, 1e-6, 10.0, "learning rate: the step size", log_scale=True),
    p_float("momentum", 0.9, 0.0, 0.999, "SGD momentum: how much of the last step is kept"),
    p_bool("nesterov", False, "SGD: take the gradient where the momentum is about to carry "
           "the weights (Nesterov momentum); needs a momentum above 0"),
    p_choice("schedule", "constant", ("constant", "step", "cosine"),
             "how the learning rate changes over the planned steps: constant; step (×0.1 at "
             "half and again at three quarters); cosine (eases down to 0)"),
    p_int("warmup_steps", 0, 0, 1_000_000, "steps over which the learning rate first rises "
          "in a straight line from near 0 to lr; 0 = none"),
    p_float("weight_decay", 0.0, 0.0, 1.0, "pulls weights toward zero (L2 penalty)"),
    p_int("batch_size", 64, 1, 65536, "examples per step"),
    p_int("epochs", 50, 1, 1_000_000, "passes over the training data"),
    p_int("eval_every", 0, 0, 1_000_000, "steps between validation checks, kept exactly (so "
          "best_val_loss and early stopping repeat from run to run); 0 = about once an epoch, "
          "less often when checks would take over 5 % of the time"),
    p_int("patience", 0, 0, 100_000, "early stopping: stop after this many validation checks "
          "without a better validation loss, and go back to the best weights; 0 = off"),
)

# Settings a running run takes at its next step (see ``paradigms/live.py``); "dropout" is a
# Dropout block's rate. Every setting's kind is in ``setting_kinds.py``.
LIVE_SETTINGS = ("lr", "weight_decay", "grad_clip", "batch_size", "augment", "augment_strength",
                 "dropout")


def augment_refusal(input_kind: str) -> str | None:
    """Why supervised data augmentation cannot alter ``input_kind`` data, or None when it can
    (``paradigms/augment.py`` alters points, tables, images and signals)."""
    if input_kind in ("tokens", "sequence"):
        return ("Data augmentation is not available for token or sequence data (changing a "
                "token or a time step would change what the example means); it works for "
                "points, tables, images and signals, so turn augment off for this dataset.")
    return None


PARADIGM_SPECS = ParadigmSpecRegistry()
