"""Settings of supervised learning: classes by cross-entropy, numbers by squared error."""

from __future__ import annotations

from ...model.blocks import p_bool, p_float, p_int
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet

PARADIGM_SPECS.register(ParadigmSpec(
    "supervised", "Supervised learning",
    "Learn a mapping from inputs to labels: cross-entropy for classes, mean squared error "
    "for numbers.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_float("grad_clip", 0.0, 0.0, 1000.0,
                      "largest allowed gradient norm; a longer gradient is scaled down to it "
                      "(keeps recurrent networks from jumping); 0 = off"),
              p_bool("augment", False,
                     "alter every training batch at random in ways that keep the labels true "
                     "(points jittered, pictures moved by a pixel or two, signals delayed and "
                     "made louder or softer, table values nudged; never the validation or test "
                     "examples); not for token or sequence data"),
              p_float("augment_strength", 1.0, 0.1, 4.0,
                      "how strongly augmentation alters the examples: 1 = the usual amount "
                      "(pictures move by up to 1 pixel; 2 = up to 2)"),
              p_int("ensemble", 1, 1, 10,
                    "how many copies of the network train side by side, each from its own "
                    "random start; their predictions are averaged; 1 = a single network"))),
    ("classification", "regression"), menu_order=0))
