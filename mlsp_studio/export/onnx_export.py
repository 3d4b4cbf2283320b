"""Export a project's network to ONNX for inference, and check it against PyTorch."""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from ..data import DataBundle
from ..engine.checkpoints import load_checkpoint
from ..engine.engine import Engine
from ..errors import StudioError
from ..model.project import Project

OPSET = 17            # the legacy exporter goes to 20; 17 runs on every recent onnxruntime
EXAMPLE_BATCH = 2     # the traced batch; the batch axis is exported as dynamic
CHECK_EXAMPLES = 64   # test examples compared by check_onnx


class ExportError(StudioError):
    """A network cannot be exported or checked; the message says why in one sentence."""


def export_onnx(project: Project, out: Path, weights: Path | None = None,
                slot: str | None = None) -> Path:
    """Write the project's network (trained weights when given) as ONNX at ``out``."""
    onnx = _need("onnx", "ONNX export needs the onnx package: pip install onnx")
    out = Path(out)
    slot, net, data = prepare(project, weights, slot)
    example = _inputs(net, data, None)
    with torch.no_grad():
        sample = net(*example)
    count = 1 if isinstance(sample, torch.Tensor) else len(sample)
    outputs = ["output"] if count == 1 else [f"output_{i}" for i in range(count)]
    inputs = list(net.sources)
    axes = {name: {0: "batch"} for name in inputs + outputs}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot make the folder {out.parent} ({err.strerror})") from None
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # the legacy exporter's
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                # RNN/LSTM/GRU: torch warns about batch sizes other than 1; the batch axis
                # is exported as dynamic and checked at 64 examples by check_onnx
                warnings.filterwarnings("ignore", message=".*batch.size other than 1.*")
                torch.onnx.export(net, example, str(tmp), dynamo=False, opset_version=OPSET,
                                  input_names=inputs, output_names=outputs, dynamic_axes=axes)
            onnx.checker.check_model(str(tmp))
        except OSError as err:
            raise ExportError(f"cannot write {out} ({err.strerror or err})") from None
        except Exception as err:
            raise ExportError(f"PyTorch cannot export network {slot!r} to ONNX: "
                              f"{_first_line(err)}") from None
        try:
            os.replace(tmp, out)
        except OSError as err:
            raise ExportError(f"cannot write {out} ({err.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


def check_onnx(project: Project, onnx_path: Path, weights: Path | None = None,
               atol: float = 1e-4, slot: str | None = None) -> float:
    """Max abs difference between onnxruntime and PyTorch on up to 64 test examples.

    Raises :class:`ExportError` when it is above ``atol`` (or not finite).
    """
    ort = _need("onnxruntime", "checking an ONNX export needs the onnxruntime package: "
                               "pip install onnxruntime")
    onnx_path = Path(onnx_path)
    slot, net, data = prepare(project, weights, slot)
    inputs = _inputs(net, data, CHECK_EXAMPLES)
    expected = run_torch(net, inputs)
    try:
        session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        feed = {name: t.numpy() for name, t in zip(net.sources, inputs, strict=True)}
        got = session.run(None, feed)
    except Exception as err:
        raise ExportError(f"onnxruntime cannot run {onnx_path.name}: {_first_line(err)}") from None
    pairs = list(zip(got, expected, strict=False))
    if len(got) != len(expected) or any(g.shape != e.shape for g, e in pairs):
        raise ExportError(f"{onnx_path.name} does not give the outputs of network {slot!r} "
                          f"(it may come from another project)")
    diff = max(float(np.max(np.abs(g - e), initial=0.0)) for g, e in pairs)
    if not np.isfinite(diff) or diff > atol:
        raise ExportError(f"{onnx_path.name} differs from PyTorch by up to {diff:.3g} "
                          f"(more than {atol:g}); were other weights exported?")
    return diff


def prepare(project: Project, weights: Path | None = None,
            slot: str | None = None) -> tuple[str, torch.nn.Module, DataBundle]:
    """Build the project on the CPU, seeded like a run; load ``weights``; eval mode."""
    if slot is not None and slot not in project.slots:
        raise ExportError(f"{project.name} has no network called {slot!r} "
                          f"(networks: {', '.join(project.slots)})")
    cpu = project.copy()
    cpu.device = "cpu"
    engine = Engine(cpu)
    engine.build()  # a ProjectError with check_project's first problem when it is invalid
    slot = slot or next(iter(engine.nets))
    net = engine.nets[slot]
    if weights is not None:
        path = Path(weights)
        if path.is_dir():  # a run folder holds one <slot>.safetensors per network
            path = path / f"{slot}.safetensors"
        load_checkpoint(net, path)
    return slot, net.eval(), engine.data


def run_torch(net: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
    """The network's outputs as numpy arrays, one per output."""
    with torch.no_grad():
        out = net(*inputs)
    outs = [out] if isinstance(out, torch.Tensor) else list(out)
    return [o.detach().cpu().numpy() for o in outs]


def sample_inputs(project: Project, slot: str | None = None,
                count: int = CHECK_EXAMPLES) -> tuple[torch.Tensor, ...]:
    """Up to ``count`` real test inputs for the network, one tensor per data source."""
    _, net, data = prepare(project, None, slot)
    return _inputs(net, data, count)


def _inputs(net: torch.nn.Module, data: DataBundle,
            count: int | None) -> tuple[torch.Tensor, ...]:
    """Zeros of batch 2 (``count`` None), else up to ``count`` test examples per source."""
    shapes = net.input_shapes
    generator = torch.Generator().manual_seed(0)
    tokens = not data.test.x.is_floating_point()  # token ids stay int64 in the ONNX graph
    tensors = []
    for source in net.sources:
        shape = tuple(shapes[source])
        if count is None:
            tensors.append(torch.zeros((EXAMPLE_BATCH, *shape),
                                       dtype=torch.int64 if tokens else torch.float32))
        elif source == "x" and tuple(data.test.x.shape[1:]) == shape:
            x = data.test.x[:count].detach().cpu()
            tensors.append((x if tokens else x.float()).contiguous())
        elif tokens:  # another token input (a decoder's): seeded ids from the vocabulary
            tensors.append(torch.randint(0, max(1, len(data.vocab)), (count, *shape),
                                         generator=generator))
        else:  # a source the data does not fill (a latent, or x shaped otherwise): noise
            tensors.append(torch.randn((count, *shape), generator=generator))
    return tuple(tensors)


def _need(module: str, message: str) -> ModuleType:
    """Import an optional package, or raise ExportError with ``message``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExportError(message) from None


def _first_line(err: BaseException) -> str:
    """The first line of an error's text, without a trailing full stop."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    text = lines[0] if lines else type(err).__name__
    return text.rstrip(". ")[:240]
