"""One run on several processes: torchrun with gloo over loopback, each process on its shard,
gradients averaged, only the first process writing; refusals in a sentence; a process that
dies mid-run stops the others, with nothing written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from mlsp_studio.engine.distributed import (
    ALONE,
    World,
    launch_command,
    threads_each,
    world_from_env,
)
from mlsp_studio.errors import StudioError
from mlsp_studio.paradigms.batching import EpochBatches, ShardBatches

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc_per_node=2", "-m", "mlsp_studio", "run"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WORLD_SIZE", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep \
        + env.get("PYTHONPATH", "")
    return env


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_the_world_comes_from_torchruns_environment() -> None:
    assert world_from_env({}) is ALONE and not ALONE.several and ALONE.leader
    world = world_from_env({"WORLD_SIZE": "4", "RANK": "2", "LOCAL_RANK": "0"})
    assert world == World(2, 4, 0) and world.several and not world.leader
    for bad in ({"WORLD_SIZE": "two"}, {"WORLD_SIZE": "2", "RANK": "2"},
                {"WORLD_SIZE": "0"}):
        with pytest.raises(StudioError, match="torchrun"):
            world_from_env(bad)
    assert threads_each(World(0, 2, 0), 16) == 8 and threads_each(ALONE, 16) == 15
    assert threads_each(World(1, 4, 1), 2) == 1


def test_nproc_starts_torchrun_without_itself_and_refuses_too_many() -> None:
    command = launch_command(["run", "spiral", "--nproc", "2", "--steps", "5"], 2, "cpu")
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--nproc_per_node=2" in command and command[-3:] == ["spiral", "--steps", "5"]
    assert "--nproc" not in command
    cores = os.cpu_count() or 1
    with pytest.raises(StudioError, match=f"this machine has {cores} CPU cores"):
        launch_command(["run", "spiral"], cores + 1, "cpu")
    with pytest.raises(StudioError, match="give 1 to"):
        launch_command(["run", "spiral"], 0, "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(StudioError, match="no usable NVIDIA GPU; train on several "):
            launch_command(["run", "spiral"], 1, "cuda")


def test_each_process_walks_its_own_shard_of_every_epoch() -> None:
    n, batch = 23, 4
    shards = [ShardBatches(n, batch, torch.Generator().manual_seed(5), rank=r, processes=2)
              for r in range(2)]
    assert shards[0].steps_per_epoch == shards[1].steps_per_epoch == 3  # 12 rows each
    for _ in range(2):  # two epochs, each a fresh order
        seen = [torch.cat([s.next() for _ in range(s.steps_per_epoch)]) for s in shards]
        assert len(seen[0]) == len(seen[1]) == 12
        assert set(seen[0].tolist()) | set(seen[1].tolist()) == set(range(n))
        assert len(set(seen[0].tolist()) & set(seen[1].tolist())) <= 1  # the one repeated
    assert shards[0].epoch == shards[1].epoch == 2
    alone = EpochBatches(n, batch, torch.Generator().manual_seed(5))
    assert alone.steps_per_epoch == 6


def test_two_processes_train_digits_as_well_as_one_and_write_one_folder(tmp_path) -> None:
    one, two = tmp_path / "one" / "run", tmp_path / "two" / "run"
    common = ["digits-cnn", "--seed", "3", "--threads", "1", "--no-figures", "--quiet"]
    alone = subprocess.run([sys.executable, "-m", "mlsp_studio", "run", *common, "--out",
                            str(one)], capture_output=True, text=True, timeout=600, env=_env())
    assert alone.returncode == 0, alone.stderr
    both = subprocess.run([*TORCHRUN, *common, "--out", str(two)], capture_output=True,
                          text=True, timeout=600, env=_env(), cwd=tmp_path)
    assert both.returncode == 0, both.stderr[-2000:]
    single, shared = _summary(one), _summary(two)
    assert shared["world_size"] == 2 and single["world_size"] == 1
    assert shared["global_batch"] == 2 * single["global_batch"]
    assert shared["examples_per_second"] > 0 and shared["steps_per_second_per_process"] > 0
    gap = abs(shared["final"]["test_accuracy"] - single["final"]["test_accuracy"])
    assert gap <= 0.02, (shared["final"], single["final"])
    assert "drifted" not in shared["message"]  # both processes ended with the same weights
    assert both.stdout.count("steps in") == 1  # only the first process prints
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["run"]  # one folder
    assert not (tmp_path / "runs").exists()


def test_a_gan_keeps_both_networks_the_same_on_every_process(tmp_path) -> None:
    out = tmp_path / "gan"
    result = subprocess.run([*TORCHRUN, "gan-ring", "--steps", "40", "--threads", "1",
                             "--no-figures", "--quiet", "--out", str(out)],
                            capture_output=True, text=True, timeout=600, env=_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "drifted" not in _summary(out)["message"]


def test_every_paradigm_trains_on_two_processes_with_the_same_weights_on_both() -> None:
    """One preset of every paradigm (and an ensemble, whose other members the paradigm
    copies itself) trains six steps in one process group; the engine compares every weight
    the processes train, a paradigm's own tables and copies too, at the end of each."""
    script = Path(__file__).with_name("several_paradigms.py")
    result = subprocess.run([*TORCHRUN[:-3], str(script)], capture_output=True, text=True,
                            timeout=600, env=_env())
    assert result.returncode == 0, result.stderr[-3000:]
    ended = json.loads(result.stdout.strip().splitlines()[-1])
    refused = {name for name, how in ended.items() if "refused" in how}
    assert refused == {"transfer-lora"}  # its network changes between its phases
    for name, how in ended.items():
        if name in refused:
            continue
        assert how["state"] == "finished" and how["steps"] == 6, (name, how)
        assert how["loss"] is not None, name  # a finite mean training loss
        assert "drifted" not in how["message"], (name, how["message"])


def test_what_cannot_be_shared_is_refused_in_one_sentence(tmp_path) -> None:
    result = subprocess.run([*TORCHRUN, "transfer-lora", "--steps", "5", "--out",
                             str(tmp_path / "t")], capture_output=True, text=True,
                            timeout=600, env=_env())
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if line.startswith("mlsp-studio:")]
    assert said == ["mlsp-studio: transfer cannot train on several processes: it changes "
                    "its network between its two phases (a new head, frozen weights, "
                    "adapters), which the averaging of gradients among processes cannot "
                    "follow"]
    assert not (tmp_path / "t").exists()


def _rank_of(pid: int) -> int | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for entry in environ:
        if entry.startswith(b"RANK="):
            return int(entry[5:])
    return None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the processes through /proc")
def test_a_process_that_dies_stops_the_others_and_only_the_recording_stays(tmp_path) -> None:
    out = tmp_path / "run"
    child = subprocess.Popen([*TORCHRUN, "digits-cnn", "--seconds", "120", "--threads", "1",
                              "--set", "epochs=10000", "--out", str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env())
    try:
        victim, deadline = None, time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            time.sleep(0.5)
            for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
                if _rank_of(pid) == 1 and Path(f"/proc/{pid}/cmdline").read_bytes() \
                        .find(b"mlsp_studio") >= 0:
                    victim = pid
        assert victim is not None, "the second process never started"
        while not (out / "recording" / "index.json").exists() and time.monotonic() < deadline:
            time.sleep(0.5)  # the first process trains and records (two minutes, unless stopped)
        time.sleep(2)
        os.kill(victim, signal.SIGKILL)
        _, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode != 0
    assert "no weights or summary were written" in err
    assert not (out / "summary.json").exists() and not (out / "model.safetensors").exists()
    from mlsp_studio.messages.recording import Recording

    recording = Recording(out / "recording")  # whole records only, closed as it stood
    assert recording.metrics() and recording.ended and recording.end_reason == "interrupted"


def test_the_same_seed_and_processes_repeat_the_run_exactly(tmp_path) -> None:
    weights = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = subprocess.run([*TORCHRUN, "spiral", "--steps", "60", "--seed", "4",
                                 "--threads", "1", "--no-figures", "--quiet", "--out",
                                 str(out)], capture_output=True, text=True, timeout=600,
                                env=_env())
        assert result.returncode == 0, result.stderr[-2000:]
        weights.append((out / "model.safetensors").read_bytes())
    assert weights[0] == weights[1]


def test_bf16_is_refused_where_it_would_not_help() -> None:
    from engine_steps import preset_project

    from mlsp_studio.engine.engine import Engine
    from mlsp_studio.errors import ProjectError

    engine = Engine(preset_project("spiral"), precision="bf16")
    if not torch.cuda.is_available():
        with pytest.raises(ProjectError, match="bf16 helps only on a GPU"):
            engine.build()
    with pytest.raises(ProjectError, match="not one the studio knows"):
        Engine(preset_project("spiral"), precision="fp8").build()
