"""What a second process adds: digits-cnn's examples a second with 2 processes (one torch
thread each, gloo over loopback, started by torch.distributed.run) against 1 process of one
thread, each read from the run's own summary.json (training time only, not start-up).

At the preset's 32 examples a step the gradient exchange (a fixed cost a step, set by how
fast two processes can talk over loopback, and the wait for the slower one) outweighs the
computing; with 256 examples a step on each process the computing weighs more, as it does
for the larger runs that need several processes, so both are reported."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import StudioError

PRESET = "digits-cnn"


BIG_BATCH = 256


def examples_per_second(nproc: int, seconds: float, folder: Path, batch: int | None = None,
                        device: str = "cpu") -> float:
    """digits-cnn's examples a second (from its summary.json) on ``nproc`` processes of one
    torch thread each (one GPU each with ``device`` cuda), started by torch.distributed.run."""
    out = folder / f"run-{device}-{nproc}-{batch}"
    args = ["run", PRESET, "--device", device, "--threads", "1", "--seconds", str(seconds),
            "--set", "epochs=100000", "--no-figures", "--quiet", "--out", str(out)]
    if batch is not None:
        args += ["--set", f"batch_size={batch}"]
    if nproc > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   f"--nproc_per_node={nproc}", "-m", "mlsp_studio", *args]
    else:
        command = [sys.executable, "-m", "mlsp_studio", *args]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        raise StudioError(f"{PRESET} on {nproc} process(es) on {device} failed: "
                          f"{result.stderr[-400:]}")
    return float(json.loads((out / "summary.json").read_text())["examples_per_second"])


def processes_bench(seconds: float, rounds: int = 3) -> dict[str, float]:
    """The figures above, each the median over ``rounds`` of 1 process then 2, one after the
    other (a shared machine's speed drifts by more than the difference measured)."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for batch, suffix in ((None, ""), (BIG_BATCH, f"_batch{BIG_BATCH}")):
            pairs = [(examples_per_second(1, max(seconds, 4.0), Path(folder), batch),
                      examples_per_second(2, max(seconds, 4.0), Path(folder), batch))
                     for _ in range(rounds)]
            one, two = (statistics.median(p[k] for p in pairs) for k in (0, 1))
            ratio = statistics.median(b / a for a, b in pairs if a > 0) if one > 0 else 0.0
            print(f"{PRESET}{suffix}: 1 process {one:,.0f} examples/s, 2 processes "
                  f"{two:,.0f} examples/s: ratio {ratio:.3f} (median of {rounds})",
                  file=sys.stderr)
            figures |= {f"ddp_samples_per_s_digits_cnn{suffix}_1": round(one, 1),
                        f"ddp_samples_per_s_digits_cnn{suffix}_2": round(two, 1),
                        f"ddp_samples_per_s_ratio_digits_cnn{suffix}": round(ratio, 3)}
    return figures
