"""Settings of the transfer paradigm: pre-train a network on one task, then adapt it to
another by full fine-tuning, a linear probe or LoRA, and see what each costs and keeps."""

from __future__ import annotations

from ...model.blocks import p_choice, p_float, p_int, p_ints
from ...model.metric_units import CROSS_ENTROPY
from ...model.paradigms import OPTIMIZER_PARAMS, PARADIGM_SPECS, ParadigmSpec
from ...model.params import ParamSet
from ...model.setting_kinds import own_settings

TRANSFER_MODES = ("finetune", "probe", "lora")
LORA_TARGETS = ("dense", "conv", "dense_conv")

PARADIGM_SPECS.register(ParadigmSpec(
    "transfer", "Transfer learning",
    "First the network learns a source task (some of the classes). Then its output layer is "
    "started afresh and it learns a target task (other classes, perhaps with noise added) in "
    "one of three ways: fine-tuning every weight, a linear probe that trains only the new "
    "output layer on the frozen body, or LoRA, which freezes the body and trains a small "
    "low-rank correction beside chosen layers.",
    ("model",),
    ParamSet((*OPTIMIZER_PARAMS,
              p_choice("mode", "finetune", TRANSFER_MODES,
                       "how the target task is learned: finetune (every weight trains), probe "
                       "(only the new output layer trains) or lora (the output layer and "
                       "low-rank corrections beside the chosen layers train)"),
              p_int("pretrain_steps", 600, 0, 1_000_000,
                    "steps of pre-training on the source classes before adapting; 0 starts "
                    "from random weights"),
              p_ints("source_classes", (0, 1, 2, 3, 4), 0, 1000, max_length=64,
                     doc="the classes pre-training learns"),
              p_ints("target_classes", (5, 6, 7, 8, 9), 0, 1000, max_length=64,
                     doc="the classes the network is adapted to"),
              p_int("target_examples", 0, 0, 1_000_000,
                    "training examples of the target task; 0 uses all of them"),
              p_float("target_noise", 0.0, 0.0, 5.0,
                      "domain shift: the standard deviation of noise added to the target "
                      "task's inputs"),
              p_int("lora_rank", 4, 1, 1024, "LoRA: the rank r of each correction B·A"),
              p_float("lora_alpha", 8.0, 0.01, 1000.0,
                      "LoRA: the correction is scaled by alpha / r"),
              p_choice("lora_layers", "dense", LORA_TARGETS,
                       "LoRA: which layers of the body get a correction (the output layer is "
                       "trained in full)"),
              )),
    ("classification",), menu_order=90, loss=CROSS_ENTROPY,
    setting_kinds=own_settings(training=("mode", "pretrain_steps", "source_classes",
                                         "target_classes", "target_examples", "target_noise",
                                         "lora_rank", "lora_alpha", "lora_layers"))))
