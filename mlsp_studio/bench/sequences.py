"""What the sequence and training-lab pictures cost under the window: the attention maps,
the gradients-and-weights panel and the hidden units' pictures on the blocks shown against
hidden, and a new prompt's answer time."""

from __future__ import annotations

import sys

from .loops import ROUNDS

ATTENTION_PRESET = "transformer-reverse"
GENERATION_PRESET = "gpt-chars"
LAB_PRESET = "deep-gradients"
UNITS_PRESET = "spiral"
PROMPTS = ("the cat ", "a dog eats", "abc>abcq;kfm>kfmq;tuv>", "the red bird ", "xyz>",
           "the cow drinks ", "qrs>qrsk;lmn>lmnk;abd>", "the fish ", "a ", "the")


def sequence_bench(seconds: float) -> dict[str, float]:
    """The attention-map panel's cost to training, and how fast a new prompt is answered."""
    from ..gui.measure import answer_latency, panel_cost

    out: dict[str, float] = {}
    cost = panel_cost(ATTENTION_PRESET, "attention", seconds, ROUNDS)
    out["attention_panel_ratio"] = round(cost["ratio"], 3)
    print(f"{ATTENTION_PRESET}: attention-map panel shown {cost['shown_steps_per_s']:.0f} "
          f"steps/s, hidden {cost['hidden_steps_per_s']:.0f} steps/s: ratio "
          f"{cost['ratio']:.3f}", file=sys.stderr)
    latencies = sorted(answer_latency(GENERATION_PRESET, "generation", "prompt",
                                      list(PROMPTS)))
    out["prompt_answer_ms_p50"] = round(latencies[len(latencies) // 2], 1)
    out["prompt_answer_ms_max"] = round(latencies[-1], 1)
    print(f"{GENERATION_PRESET}: a new prompt answered in {out['prompt_answer_ms_p50']:.0f} ms "
          f"(median of {len(latencies)}, slowest {out['prompt_answer_ms_max']:.0f} ms) while "
          "training", file=sys.stderr)
    return out


def lab_bench(seconds: float) -> dict[str, float]:
    """What the gradients-and-weights panel costs training while it is shown."""
    from ..gui.measure import panel_cost

    cost = panel_cost(LAB_PRESET, "layer_stats", seconds, ROUNDS)
    print(f"{LAB_PRESET}: gradients-and-weights panel shown {cost['shown_steps_per_s']:.0f} "
          f"steps/s, hidden {cost['hidden_steps_per_s']:.0f} steps/s: ratio "
          f"{cost['ratio']:.3f}", file=sys.stderr)
    return {"layer_stats_panel_ratio": round(cost["ratio"], 3)}


def unit_pictures_bench(seconds: float) -> dict[str, float]:
    """What each hidden unit's picture on its block costs training (spiral)."""
    from ..gui.measure import unit_pictures_cost

    cost = unit_pictures_cost(UNITS_PRESET, seconds, ROUNDS)
    print(f"{UNITS_PRESET}: unit pictures on the blocks shown {cost['shown_steps_per_s']:.0f} "
          f"steps/s, hidden {cost['hidden_steps_per_s']:.0f} steps/s: ratio "
          f"{cost['ratio']:.3f}", file=sys.stderr)
    return {"unit_pictures_ratio_spiral": round(cost["ratio"], 3)}
