"""Started by ``test_distributed.py`` under torchrun: one preset of every paradigm trains a
few steps in one process group, and the first process prints, as one JSON line, how each
ended (its state, steps, message and the last mean training loss) or the sentence refusing
it. The engine compares the processes' weights at the end of each run and says so in its
message when they drifted apart."""

from __future__ import annotations

import json
import math

import torch.distributed as dist

from mlsp_studio.engine import Engine
from mlsp_studio.engine.distributed import join, world_from_env
from mlsp_studio.errors import StudioError
from mlsp_studio.model.presets import load_preset

ONE_PER_PARADIGM = ("spiral", "rnn-vs-lstm", "seq2seq-attention", "gpt-chars", "bert-mlm",
                    "word2vec", "autoencoder-digits", "gan-ring", "ddpm-2d", "flow-2d",
                    "contrastive-digits", "cross-modal", "transfer-lora")
SETTINGS = {"spiral ensemble": ("spiral", {"ensemble": "3"})}  # members it copies itself


def main() -> None:
    world = world_from_env()
    join(world, "cpu")
    ended = {}
    runs = {name: (name, {}) for name in ONE_PER_PARADIGM} | SETTINGS
    for name, (preset, settings) in runs.items():
        project = load_preset(preset)
        for setting, value in {"device": "cpu", **settings}.items():
            project.apply_setting(setting, value)
        engine = Engine(project, max_steps=6, threads=1)
        try:
            engine.build()
        except StudioError as err:
            ended[name] = {"refused": str(err)}
            continue
        engine.run_blocking()
        losses = [v for _, split, metric, v in engine.history.records()
                  if split == "train" and metric == "loss"]
        ended[name] = {"state": engine.state.value, "steps": engine.step_count,
                       "message": engine.message,
                       "loss": losses[-1] if losses and math.isfinite(losses[-1]) else None}
    if world.leader:
        print(json.dumps(ended))
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
