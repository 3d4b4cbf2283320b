"""What a second process adds: digits-cnn's examples a second with 2 processes (one torch
thread each, gloo over loopback, started by torch.distributed.run) against 1 process of one
thread, each read from the run's own summary.json (training time only, not start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PRESET = "digits-cnn"


def _examples_per_second(nproc: int, seconds: float, folder: Path) -> float:
    out = folder / f"run-{nproc}"
    args = ["run", PRESET, "--threads", "1", "--seconds", str(seconds), "--set",
            "epochs=100000", "--no-figures", "--quiet", "--out", str(out)]
    if nproc > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   f"--nproc_per_node={nproc}", "-m", "mlsp_studio", *args]
    else:
        command = [sys.executable, "-m", "mlsp_studio", *args]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{PRESET} on {nproc} process(es) failed: {result.stderr[-400:]}")
    return float(json.loads((out / "summary.json").read_text())["examples_per_second"])


def processes_bench(seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        one = _examples_per_second(1, max(seconds, 4.0), Path(folder))
        two = _examples_per_second(2, max(seconds, 4.0), Path(folder))
    ratio = two / one if one > 0 else 0.0
    print(f"{PRESET}: 1 process {one:,.0f} examples/s, 2 processes {two:,.0f} examples/s: "
          f"ratio {ratio:.3f}", file=sys.stderr)
    return {"ddp_samples_per_s_digits_cnn_1": round(one, 1),
            "ddp_samples_per_s_digits_cnn_2": round(two, 1),
            "ddp_samples_per_s_ratio_digits_cnn": round(ratio, 3)}
