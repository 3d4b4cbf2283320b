"""A save killed with SIGKILL at a random moment leaves the old file or the new one, whole:
the project is written beside its target and moved into place in one step."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlsp_studio.model.graph import Graph
from mlsp_studio.model.project import Project, load_project, save_project

TRIALS = 50

# The child saves two large projects in turn, as fast as it can, until it is killed.
CHILD = """
import sys
from mlsp_studio.model.project import load_project, save_project
a, b = load_project(sys.argv[1]), load_project(sys.argv[2])
print("ready", flush=True)
while True:
    for project in (a, b):
        save_project(project, sys.argv[3])
"""


def _big(name: str, blocks: int) -> Project:
    graph = Graph.chain([("Input", {}), *[("Dense", {"units": 4}) for _ in range(blocks)],
                         ("ClassifierHead", {})])
    return Project(name, "supervised", "spiral", {"model": graph},
                   description=name * 15_000)  # about 100 KB or more: a save takes a while


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")
def test_a_save_killed_at_random_moments_leaves_a_whole_file(tmp_path: Path) -> None:
    a, b = _big("first", 300), _big("second", 200)
    source_a, source_b = save_project(a, tmp_path / "a.json"), save_project(b, tmp_path / "b.json")
    target = save_project(a, tmp_path / "target.mlsp.json")  # the old file
    rng = random.Random(0)
    outcomes = set()
    for _ in range(TRIALS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(source_a), str(source_b),
                                  str(target)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        loaded = load_project(target)  # raises if the file were cut short or mixed
        assert loaded.name in ("first", "second")
        assert loaded.to_dict() == (a if loaded.name == "first" else b).to_dict()
        outcomes.add(loaded.name)
    assert outcomes == {"first", "second"}  # the kills did land mid-loop, both ways
    # half-written temporary files are left behind by kills that landed mid-write; the
    # target itself was never one of them
    assert list(tmp_path.glob(".target.mlsp.json.*.tmp"))
