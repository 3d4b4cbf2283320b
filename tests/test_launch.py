"""``mlsp-studio run --nproc N``: what the person sees when torchrun is started for them. A bad
target is refused once, before any process starts; a refusal or a Ctrl-C on the processes
reads as the studio's own sentence, never as torchrun's traceback, and only the first process
writes the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

STUDIO = [sys.executable, "-m", "mlsp_studio", "run"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep \
        + env.get("PYTHONPATH", "")
    return env


def _said(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("mlsp-studio:")]


def test_a_bad_target_is_refused_once_before_any_process_starts(tmp_path) -> None:
    for args, words in ((["no-such-preset"], "unknown preset 'no-such-preset'"),
                        (["spiral", "--set", "lr=-1"], "lr must be"),
                        (["spiral", "--all-variants"], "one variant at a time")):
        result = subprocess.run([*STUDIO, *args, "--nproc", "2", "--out", str(tmp_path / "r")],
                                capture_output=True, text=True, timeout=120, env=_env())
        assert result.returncode == 2, result.stderr[-2000:]
        assert len(_said(result.stderr)) == 1 and words in result.stderr
        assert "Traceback" not in result.stderr and "torch" not in result.stderr
    assert not (tmp_path / "r").exists()


def test_a_refusal_in_the_processes_reads_as_one_sentence(tmp_path) -> None:
    result = subprocess.run([*STUDIO, "transfer-lora", "--nproc", "2", "--steps", "5",
                             "--out", str(tmp_path / "t")], capture_output=True, text=True,
                            timeout=600, env=_env())
    assert result.returncode == 2
    assert _said(result.stderr) == [
        "mlsp-studio: transfer cannot train on several processes: it changes its network "
        "between its two phases (a new head, frozen weights, adapters), which the averaging "
        "of gradients among processes cannot follow"]
    for noise in ("Traceback", "ChildFailedError", "OMP_NUM_THREADS"):
        assert noise not in result.stderr


def _second_process(out: Path) -> int | None:
    """The pid of process 1 of the run writing ``out``."""
    from test_distributed import _rank_of

    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(out).encode() in cmdline and _rank_of(pid) == 1:
            return pid
    return None


@pytest.mark.parametrize("who", ["every process", "one process"])
def test_ctrl_c_stops_every_process_and_the_first_writes_what_was_trained(tmp_path,
                                                                          who) -> None:
    out = tmp_path / "run"
    child = subprocess.Popen([*STUDIO, "spiral", "--nproc", "2", "--threads", "1",
                              "--seconds", "120", "--no-figures", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_env(), start_new_session=True)  # as a terminal's job
    try:
        deadline = time.monotonic() + 120
        while not (out / "recording" / "index.json").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)
        if who == "every process":
            os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches every process of the job
        else:  # the second alone: it tells the first, and both stop after the same step
            os.kill(_second_process(out), signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert child.returncode == 130, err[-2000:]
    assert len([line for line in _said(err) if "interrupted at step" in line]) == 1, err
    assert "Traceback" not in err and "death signal" not in err, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["world_size"] == 2 and summary["steps"] > 0
    assert "drifted" not in summary["message"]  # both stopped after the same step
    assert (out / "model.safetensors").exists()


pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(),
                                reason="POSIX process groups, processes found through /proc")
