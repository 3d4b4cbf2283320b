"""``mlsp-studio check``: a table per network and the totals of a step, as text and JSON, for
every preset; a network too large or too slow is flagged in words, with what dominates."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlsp_studio.cli import main
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.cost import project_cost
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset, preset_names
from mlsp_studio.model.project import check_project, save_project

PRESETS = preset_names()


@pytest.mark.parametrize("name", PRESETS)
def test_check_prints_a_table_for_every_preset(name: str, capsys) -> None:
    assert main(["check", name]) == 0
    out = capsys.readouterr().out
    project = load_preset(name)
    assert out.startswith(name)
    for slot, graph in project.slots.items():
        assert f"network {slot!r}" in out
        for node in graph.nodes.values():
            assert node.type in out
    for words in ("parameters", "multiply-adds", "activation memory", "optimiser state",
                  "forward", "backward", "total"):
        assert words in out
    assert "unknown" not in out


@pytest.mark.parametrize("name", PRESETS)
def test_check_json_for_every_preset(name: str, capsys) -> None:
    assert main(["check", name, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    project = load_preset(name)
    assert data["project"] == name and data["problems"] == []
    assert [n["name"] for n in data["networks"]] == list(project.slots)
    for net in data["networks"]:
        graph = project.slots[net["name"]]
        assert sorted(b["id"] for b in net["blocks"]) == sorted(graph.nodes)
        assert net["macs_per_example"] == sum(b["macs"] for b in net["blocks"])
        assert net["step_macs"] == 3 * net["batch_size"] * net["macs_per_example"]
        assert net["params"] == sum(b["params"] for b in net["blocks"])
        memory = net["memory_bytes"]
        assert memory["weights"] == memory["gradients"] == 4 * net["params"]
        assert memory["total"] == sum(memory[k] for k in ("weights", "gradients", "optimizer",
                                                          "activations"))
    total = data["total"]
    # every run the paradigm's step makes: forward and backward three times the forward's
    # multiply-adds, through to the inputs only twice, forward only once
    macs = {n["name"]: n["forward_macs"] for n in data["networks"]}
    factor = {"full": 3, "inputs": 2, "none": 1}
    assert total["step_macs"] == int(sum(
        factor[r["backward"]] * r["times"] * r["batch"] * macs[r["network"]]
        for r in data["step_runs"]))
    assert total["step_macs"] >= sum(n["step_macs"] for n in data["networks"])
    # word2vec's network is a table lookup: its products are in the paradigm's loss
    assert total["step_macs"] > 0 or name == "word2vec"
    assert data["memory_available_bytes"] > 0


def test_check_follows_the_batch_size_and_the_optimizer(capsys) -> None:
    main(["check", "spiral", "--json"])
    base = json.loads(capsys.readouterr().out)["networks"][0]
    main(["check", "spiral", "--json", "--set", "batch_size=320", "--set", "optimizer=sgd",
          "--set", "momentum=0"])
    other = json.loads(capsys.readouterr().out)["networks"][0]
    assert other["step_macs"] == 10 * base["step_macs"]
    assert other["memory_bytes"]["activations"] == 10 * base["memory_bytes"]["activations"]
    assert base["memory_bytes"]["optimizer"] == 2 * base["memory_bytes"]["weights"]
    assert other["memory_bytes"]["optimizer"] == 0


def _project_with(graph: Graph, name: str = "spiral"):
    project = load_preset(name)
    project.slots["model"] = graph
    return project


def huge_dense() -> Graph:
    """Sixteen dense layers of 65,536 units: about 69 billion weights."""
    return Graph.chain([("Input", {}), *[("Dense", {"units": 65536})] * 16,
                        ("ClassifierHead", {})])


def test_a_network_too_big_for_memory_is_flagged_with_what_dominates() -> None:
    project = _project_with(huge_dense())
    check = check_project(project, BLOCKS)
    cost = project_cost(project, check, BLOCKS, memory_available=32 * 10**9)
    flag = cost.flags[0]
    assert flag.startswith("Will not fit in memory")
    assert "32.0 GB" in flag and "the optimiser's state" in flag and "Dense" in flag
    # memory as large as the step: still flagged as taking a large share
    cost = project_cost(project, check, BLOCKS, memory_available=int(1.5 * cost.total_bytes))
    assert cost.flags[0].startswith("Very large")


def test_activations_that_dominate_name_their_block() -> None:
    graph = Graph.chain([("Input", {}), ("Dense", {"units": 32}), ("RepeatVector",
                         {"times": 10_000}), ("Dense", {"units": 4096}), ("Flatten", {}),
                         ("ClassifierHead", {})])
    project = _project_with(graph)
    project.apply_setting("batch_size", 512)
    cost = project_cost(project, check_project(project, BLOCKS), BLOCKS,
                        memory_available=16 * 10**9)
    flag = cost.flags[0]
    assert flag.startswith("Will not fit") and "activations kept for the backward pass" in flag
    assert "Dense 4" in flag and "at batch 512" in flag


def test_a_slow_network_is_flagged_with_the_block_doing_most() -> None:
    graph = Graph.chain([("Input", {}), ("Conv2d", {"out_channels": 512}),
                         ("Conv2d", {"out_channels": 2048, "kernel_size": 7, "padding": 3}),
                         ("GlobalAvgPool2d", {}), ("ClassifierHead", {})])
    project = _project_with(graph, "digits-cnn")
    cost = project_cost(project, check_project(project, BLOCKS), BLOCKS)
    slow = [f for f in cost.flags if f.startswith("Slow")]
    assert slow and "Conv2d 3" in slow[0] and "assumed for a laptop" in slow[0]
    assert not [f for f in cost.flags if "memory" in f]


def test_check_of_a_huge_project_file_says_it_will_not_fit(tmp_path) -> None:
    """From the command line, on this machine's memory: far more than any machine has."""
    path = save_project(_project_with(huge_dense()), tmp_path / "huge.mlsp.json")
    result = subprocess.run([sys.executable, "-m", "mlsp_studio.cli", "check", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2  # the project itself is refused: too many weights
    assert "Will not fit in memory" in result.stdout and "Dense" in result.stdout
    assert "problems:" in result.stdout and "parameters" in result.stdout
    assert "import torch" not in result.stderr


def test_a_network_with_a_problem_is_named_not_costed(tmp_path, capsys) -> None:
    graph = Graph.chain([("Input", {}), ("Conv2d", {}), ("ClassifierHead", {})])
    path = save_project(_project_with(graph), tmp_path / "broken.mlsp.json")
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "No network can be costed" in out and "Conv2d 2 needs a 4-D input" in out
    assert "No warnings" not in out
    assert main(["check", str(path), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["networks"] == [] and data["problems"][0].startswith("Conv2d 2")


def test_check_does_not_load_torch() -> None:
    code = ("import sys\nfrom mlsp_studio.cli import main\nmain(['check', 'gpt-chars'])\n"
            "assert 'torch' not in sys.modules, 'torch was loaded'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


def test_check_refuses_what_is_not_a_project(tmp_path, capsys) -> None:
    assert main(["check", "no-such-preset"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlsp-studio: ") and err.count("\n") == 1
    (tmp_path / "bad.mlsp.json").write_text("{}")
    assert main(["check", str(tmp_path / "bad.mlsp.json")]) == 2


@pytest.mark.slow
def test_measure_prints_the_estimate_beside_real_steps(capsys) -> None:
    assert main(["check", "digits-cnn", "--measure", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    measured = data["measured"]
    assert measured["steps"] >= 3 and measured["seconds_per_step"] > 0
    rates = data["rates"]
    assert rates["measured"] is True and rates == measured["rates"]
    assert all(rates[k] > 0 for k in ("macs_per_second", "bytes_per_second", "seconds_per_op",
                                      "seconds_per_conv"))
    parts = data["estimated_seconds_by_part"]
    assert parts["products"] == pytest.approx(data["total"]["step_macs"]
                                              / rates["macs_per_second"])
    assert "times the estimate" in main_text("digits-cnn")
    assert measured["estimated_seconds_per_step"] == pytest.approx(sum(parts.values()))
    assert measured["measured_over_estimated"] == pytest.approx(
        measured["seconds_per_step"] / measured["estimated_seconds_per_step"])


def main_text(name: str) -> str:
    """What ``mlsp-studio check NAME --measure`` prints, as text."""
    result = subprocess.run([sys.executable, "-m", "mlsp_studio.cli", "check", name,
                             "--measure"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_check_says_what_a_step_does_with_the_networks(capsys) -> None:
    """Where a step is more than one run of each network, the report says which runs."""
    assert main(["check", "gan-ring", "--set", "d_steps=2"]) == 0
    out = capsys.readouterr().out
    assert ("a step runs generator 2 times, forward only, without gradients; discriminator "
            "4 times, forward and backward; generator once, forward and backward; "
            "discriminator once, forward, and backward to its inputs only") in out
    assert main(["check", "contrastive-digits"]) == 0
    assert "encoder once on 2 times the batch" in capsys.readouterr().out
    assert main(["check", "spiral"]) == 0
    assert "a step runs" not in capsys.readouterr().out


def test_the_estimate_counts_each_kind_of_work(capsys) -> None:
    assert main(["check", "rnn-stacked", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    parts = data["estimated_seconds_by_part"]
    assert set(parts) == {"products", "elementwise", "random", "operations", "updates", "step"}
    assert data["estimated_seconds_per_step"] == pytest.approx(sum(parts.values()))
    gru = next(b for b in data["networks"][0]["blocks"] if b["type"] == "GRU")
    assert gru["ops"] > 15 * 10  # a cell step after another, each a few operations
