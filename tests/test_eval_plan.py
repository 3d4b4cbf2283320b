"""A headless run validates at least 20 times over its length, so its curves have points:
over its steps (--steps, or the epochs), or over its time budget (--seconds)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mlsp_studio.cli import main
from mlsp_studio.engine.eval_plan import EVAL_POINTS, EvalPlan


def _val_steps(out: Path) -> list[int]:
    with open(out / "metrics.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sorted({int(r["step"]) for r in rows if r["split"] == "val" and r["metric"] == "loss"})


@pytest.mark.parametrize("args", [
    ("gpt-chars", "--steps", "40", "--set", "epochs=1"),   # one epoch: once an epoch is 1 check
    ("spiral", "--steps", "120"),                          # faster than the clock's cadence
    ("bidirectional-tagging", "--set", "epochs=2"),        # the length from few epochs
    ("spiral", "--seconds", "1.5"),                        # the length from the time budget
])
def test_a_headless_run_validates_at_least_20_times(tmp_path: Path, args: tuple) -> None:
    out = tmp_path / "run"
    assert main(["run", *args, "--no-figures", "--quiet", "--out", str(out)]) == 0
    steps = _val_steps(out)
    assert len(steps) >= 20, steps
    last = max(steps)
    # spread over the whole run, not bunched at its start
    assert sum(1 for s in steps if s > last / 2) >= 9, steps


def test_a_project_that_sets_eval_every_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "spiral", "--steps", "100", "--set", "eval_every=50", "--no-figures",
                 "--quiet", "--out", str(out)]) == 0
    assert _val_steps(out) == [50, 100]  # the check at 50, and the final numbers at the end


def test_the_plan_is_due_a_share_of_the_run_after_the_last_check() -> None:
    plan = EvalPlan(total_steps=1000, max_seconds=None)
    assert plan.step_gap == 1000 // EVAL_POINTS
    assert not plan.due(plan.step_gap - 1, 1e6) and plan.due(plan.step_gap, 0.0)
    plan.checked(30, 0.0)  # a check on the usual cadence moves the next one on
    assert not plan.due(30 + plan.step_gap - 1, 0.0) and plan.due(30 + plan.step_gap, 0.0)
    timed = EvalPlan(total_steps=10**9, max_seconds=5.0)
    assert timed.due(1, 5.0 / EVAL_POINTS) and not timed.due(1, 0.9 * 5.0 / EVAL_POINTS)
