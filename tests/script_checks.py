"""What the tests of exported scripts share: the presets (and their variants) a test runs on,
a script loaded as a module, and the checks that a script makes the studio's data and builds
the studio's network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from mlsp_studio.data import make_dataset
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project
from mlsp_studio.nn.compile import compile_graph


def preset_projects(names: Iterable[str],
                    refused: set[tuple[str, str]] = frozenset()) -> list[tuple[str, Project]]:
    """Each preset of ``names``, then each of its variants as ``preset:variant``, but for
    the (preset, variant) pairs in ``refused``."""
    out = []
    for name in names:
        project = load_preset(name)
        out.append((name, project))
        out += [(f"{name}:{v}", project.with_variant(v)) for v in project.variants
                if (name, v) not in refused]
    return out


def load_script(source: str) -> dict:
    """The script run as a module (not as the main program): its functions and classes."""
    namespace = {"__name__": "exported_script"}
    exec(compile(source, "exported_script.py", "exec"), namespace)
    return namespace


def assert_same_data(script: dict, project: Project) -> None:
    """The script's ``make_data`` gives every part of the studio's data, to the bit."""
    bundle = make_dataset(project.dataset, project.dataset_options)
    parts = script["make_data"](bundle.options.get("data_seed", bundle.options.get("split_seed")))
    for name, split in bundle.splits().items():
        x, y = parts[name]
        assert x.dtype == split.x.dtype and y.dtype == split.y.dtype, name
        assert torch.equal(x, split.x) and torch.equal(y, split.y), name


def assert_same_network(script: dict, graph: Graph, ctx: Any, x: torch.Tensor | tuple[int, ...]
                        ) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The script's ``Model`` and the studio's network of ``graph`` on the data ``ctx``, both
    built from the seed 7: the same weights, and the same outputs on ``x`` (given as a shape:
    uniform numbers drawn after the two are built). Returns the two (the script's, the
    studio's), in evaluation mode."""
    torch.manual_seed(7)
    net = compile_graph(graph, BLOCKS, ctx).eval()
    torch.manual_seed(7)
    model = script["Model"]().eval()
    pairs = list(zip(model.parameters(), net.parameters(), strict=True))
    assert all(a.shape == b.shape and torch.equal(a, b) for a, b in pairs)
    x = torch.rand(x) if isinstance(x, tuple) else x
    with torch.no_grad():
        assert torch.allclose(model(x), net(x), atol=1e-6)
    return model, net
