"""A project: paradigm, dataset, networks, settings and seed, with versioned JSON load/save."""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError, GraphError, ParamError, ProjectError
from .blocks import BlockRegistry, Context, Shape, format_shape
from .datasets import DATASET_SPECS, dataset_context
from .graph import Analysis, Graph
from .migrations import CURRENT, migrate, relative_paths, resolve_paths
from .paradigms import PARADIGM_SPECS, augment_refusal
from .params import ParamSpec

FORMAT = "mlsp-studio-project"
SCHEMA_VERSION = CURRENT  # docs/project-format.md; older files are migrated on load
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 12  # nesting of objects and lists; a project needs up to 9
MAX_VALUES = 80_000  # objects, lists and items: a network of MAX_NODES blocks has up to 60,000
DEVICES = ("auto", "cpu", "cuda")
SEED = ParamSpec("seed", "int", 0, 0, 2**31 - 1, doc="The run's seed: the starting weights, "
                 "the order of the batches, dropout. The data has its own (split_seed or "
                 "data_seed, among the data settings).")
DEVICE = ParamSpec("device", "choice", "auto", choices=DEVICES, doc="where to train")


@dataclass
class Project:
    """Everything needed to reproduce a run. Settings are stored as the person set them."""

    name: str
    paradigm: str
    dataset: str
    slots: dict[str, Graph]
    dataset_options: dict[str, Any] = field(default_factory=dict)
    hparams: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    device: str = "auto"
    description: str = ""
    ui: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what loading an older format changed, in words (not saved; the window tells the person)
    migration_notes: list[str] = field(default_factory=list, compare=False, repr=False)

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self, copy_values: bool = True) -> dict[str, Any]:
        """The JSON form; ``copy_values=False`` shares the settings' dicts (to write it at once)."""
        own = copy.deepcopy if copy_values else _same
        return {
            "format": FORMAT,
            "version": SCHEMA_VERSION,
            "name": self.name,
            "description": self.description,
            "paradigm": self.paradigm,
            "dataset": {"name": self.dataset, "options": own(self.dataset_options)},
            "slots": {name: graph.to_dict() for name, graph in self.slots.items()},
            "hparams": own(self.hparams),
            "seed": self.seed,
            "device": self.device,
            "variants": own(self.variants),
            "ui": own(self.ui),
        }

    def to_json(self, folder: Path | None = None) -> str:
        """The file's text; with ``folder`` (where the file goes), data paths inside that folder
        are written relative to it."""
        # not copied: copying the largest file's values takes longer than writing them
        data = self.to_dict(copy_values=False)
        if folder is not None:
            data["dataset"]["options"] = relative_paths(self.dataset_options, folder)
            data["variants"] = {
                name: ({**v, "dataset_options": relative_paths(v["dataset_options"], folder)}
                       if isinstance(v, dict) and isinstance(v.get("dataset_options"), dict)
                       else v)
                for name, v in self.variants.items()}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any, folder: Path | None = None) -> Project:
        """The project in ``data`` (any format version up to the current one); relative data
        paths are read from ``folder``, the project file's folder, when given."""
        if not isinstance(data, dict):
            raise ProjectError("not a project: the file holds no JSON object")
        if _too_deep(data, MAX_DEPTH):  # copying or saving it would exhaust Python's stack
            raise ProjectError("the project file is nested too deeply to be a project")
        if data.get("format") != FORMAT:
            raise ProjectError("not an MLSP Studio project (its 'format' is missing or wrong)")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ProjectError("the project has no valid format version")
        if version > SCHEMA_VERSION:
            shown = f"format version {version}" if version < 10**6 else "a later format"
            raise ProjectError(f"the project was saved by a newer MLSP Studio ({shown}); this "
                               f"one reads up to version {SCHEMA_VERSION}")
        notes: list[str] = []
        if version < SCHEMA_VERSION:
            data, notes = migrate(copy.deepcopy(data), version)
        name = _text(data, "name", "untitled")
        paradigm = _text(data, "paradigm", "")
        dataset = data.get("dataset")
        if not isinstance(dataset, dict) or not _is_name(dataset.get("name")):
            raise ProjectError("the project's 'dataset' must be an object with a 'name'")
        options = dataset.get("options", {})
        slots_raw = data.get("slots")
        if not isinstance(slots_raw, dict) or not slots_raw:
            raise ProjectError("the project has no networks ('slots')")
        slots = {}
        for slot, raw in slots_raw.items():
            if not _is_name(slot):  # it starts the network's problems in check_project
                raise ProjectError("the project's networks need names of up to 64 characters, "
                                   "on one line")
            try:
                slots[slot] = Graph.from_dict(raw, where=f"network {slot!r}")
            except GraphError as err:
                raise ProjectError(str(err)) from None
        hparams = data.get("hparams", {})
        variants = data.get("variants", {})
        ui = data.get("ui", {})
        for key, value in (("dataset options", options), ("hparams", hparams),
                           ("variants", variants), ("ui", ui)):
            if not isinstance(value, dict):
                raise ProjectError(f"the project's {key} must be an object")
        if not all(_is_name(variant) for variant in variants):  # with_variant's refusals name it
            raise ProjectError("the project's variants need names of up to 64 characters, "
                               "on one line")
        if folder is not None:
            for opts in (options, *(v.get("dataset_options") for v in variants.values()
                                    if isinstance(v, dict))):
                if isinstance(opts, dict):
                    resolve_paths(opts, folder)
        seed = data.get("seed", 0)
        device = data.get("device", "auto")
        try:
            seed = SEED.validate(seed)
            device = DEVICE.validate(device)
        except ParamError as err:
            raise ProjectError(str(err)) from None
        return cls(name=name, paradigm=paradigm, dataset=dataset["name"], slots=slots,
                   dataset_options=dict(options), hparams=dict(hparams), seed=seed,
                   device=device, description=_text(data, "description", ""), ui=dict(ui),
                   variants=dict(variants), migration_notes=notes)

    @classmethod
    def from_json(cls, text: str, folder: Path | None = None) -> Project:
        # counted before parsing: millions of values take seconds and gigabytes to read
        if text.count(",") + text.count("[") + text.count("{") > MAX_VALUES:
            raise ProjectError("the project file holds too many values, or values nested too "
                               "deeply, to be a project")
        try:
            data = json.loads(text)
        except RecursionError:
            raise ProjectError("the project file is nested too deeply to be a project") from None
        except json.JSONDecodeError as err:
            raise ProjectError(f"the project file is not valid JSON (line {err.lineno}, "
                               f"column {err.colno}: {err.msg})") from None
        except ValueError:  # a whole number of thousands of digits
            raise ProjectError("the project file holds a number too long to read") from None
        project = cls.from_dict(data, folder)
        # what is opened must save small enough to open again (text may grow when escaped)
        if len(json.dumps(data, separators=(",", ":"))) > MAX_FILE_BYTES // 2:
            raise ProjectError("the project file holds too much text to be a project")
        return project

    def copy(self) -> Project:
        return Project.from_dict(self.to_dict())

    # -- settings ------------------------------------------------------------------------
    def with_variant(self, name: str) -> Project:
        """A copy with the named variant's changes applied: another dataset, hparams, dataset
        options, slots."""
        if name not in self.variants:
            known = ", ".join(self.variants) or "none"
            raise ProjectError(f"{self.name} has no variant {name!r} (variants: {known})")
        variant = self.variants[name]
        if not isinstance(variant, dict):
            raise ProjectError(f"variant {name!r} is not an object")
        for key in ("hparams", "dataset_options", "slots"):
            if not isinstance(variant.get(key, {}), dict):
                raise ProjectError(f"variant {name!r}: its {key!r} must be an object")
        dataset = variant.get("dataset")
        if dataset is not None and not (isinstance(dataset, str) and _is_name(dataset)):
            raise ProjectError(f"variant {name!r}: its 'dataset' must be a dataset's name")
        out = self.copy()
        out.name = f"{self.name}:{name}"
        if dataset is not None and dataset != out.dataset:
            out.dataset, out.dataset_options = dataset, {}  # another dataset: its own options
        out.hparams.update(variant.get("hparams", {}))
        out.dataset_options.update(variant.get("dataset_options", {}))
        for slot, raw in variant.get("slots", {}).items():
            if not _is_name(slot):
                raise ProjectError(f"variant {name!r}: its networks need names of up to 64 "
                                   "characters, on one line")
            try:
                out.slots[slot] = Graph.from_dict(raw, where=f"variant {name!r}, network {slot!r}")
            except GraphError as err:
                raise ProjectError(str(err)) from None
        return out

    def apply_setting(self, name: str, value: Any) -> None:
        """Change one setting by name, checked like the inspector checks it.

        ``name`` is ``seed``, ``device``, ``dataset``, a paradigm setting (``lr``), or a
        dataset option (``noise`` or ``dataset.noise``).
        """
        spec = PARADIGM_SPECS.get(self.paradigm)
        try:
            if name == "seed":
                self.seed = SEED.validate(value)
            elif name == "device":
                self.device = DEVICE.validate(value)
            elif name == "dataset":
                DATASET_SPECS.get(str(value)[:64])  # no name is longer; the refusal names it
                self.dataset, self.dataset_options = str(value), {}
            elif name in spec.hparams.names():
                self.hparams[name] = spec.hparams.get(name).validate(value)
            else:
                option = name.removeprefix("dataset.")
                dspec = DATASET_SPECS.get(self.dataset)
                pspec = dspec.options.get(option)
                if pspec is None:
                    known = ", ".join(["seed", "device", "dataset", *spec.hparams.names(),
                                       *dspec.options.names()])
                    raise ProjectError(f"there is no setting called {name[:40]!r} "
                                       f"(settings: {known})")
                self.dataset_options[option] = pspec.validate(value)
        except (ParamError, DataError) as err:
            raise ProjectError(str(err)) from None


def _same(value: Any) -> Any:
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels (checked without recursion)."""
    level = [value]
    for _ in range(limit):
        level = [v for item in level if isinstance(item, (dict, list))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, (dict, list)) for item in level)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable()


def _text(data: dict, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or len(value) > 100_000:
        raise ProjectError(f"the project's {key!r} must be text")
    return value


@dataclass
class ProjectCheck:
    """A project checked against the catalogues: resolved settings and each network's analysis."""

    hparams: dict[str, Any]
    dataset_options: dict[str, Any]
    analyses: dict[str, Analysis]
    task: str
    errors: list[str]
    contexts: dict[str, Context] = field(default_factory=dict)  # what each network is fed

    @property
    def ok(self) -> bool:
        return not self.errors


def check_project(project: Project, registry: BlockRegistry) -> ProjectCheck:
    """Validate settings and networks; every problem comes back as a sentence."""
    errors: list[str] = []
    try:
        pspec = PARADIGM_SPECS.get(project.paradigm)
    except ProjectError as err:
        return ProjectCheck({}, {}, {}, "", [str(err)])
    try:
        hparams = pspec.hparams.validate(project.hparams, "settings")
    except ParamError as err:
        errors.append(str(err))
        hparams = pspec.hparams.defaults()
    analyses: dict[str, Analysis] = {}
    task = ""
    try:
        dspec = DATASET_SPECS.get(project.dataset)
        task = dspec.task
        options, ctx = dataset_context(project.dataset, project.dataset_options)
    except (ParamError, DataError) as err:
        errors.append(str(err))
        return ProjectCheck(hparams, dict(project.dataset_options), analyses, task, errors)
    if pspec.tasks and task not in pspec.tasks and task != "auto":
        errors.append(f"{pspec.title} cannot train on {dspec.title} ({task})")
    if hparams.get("augment") and (why := augment_refusal(dspec.input_kind)):
        errors.append(why)
    for slot in pspec.slots:
        if slot not in project.slots:
            errors.append(f"{pspec.title} needs a network called {slot!r}")
    for slot in project.slots:
        if slot not in pspec.slots:
            errors.append(f"{pspec.title} has no use for a network called {slot!r} "
                          f"(it needs {', '.join(pspec.slots)})")
    contexts: dict[str, Context] = {}
    for slot, graph in project.slots.items():
        slot_ctx = contexts[slot] = pspec.slot_context(slot, hparams, ctx)
        analysis = analyses[slot] = graph.analyze(registry, slot_ctx)
        prefix = f"{slot}: " if len(project.slots) > 1 else ""
        errors.extend(prefix + message for message in analysis.messages())
        if analysis.ok:
            errors.extend(prefix + m for m in _size_problems(analysis, hparams.get("batch_size")))
            errors.extend(prefix + m for m in _output_problems(
                analysis, pspec.expected_output(slot, hparams, ctx)))
    return ProjectCheck(hparams, options, analyses, task, errors, contexts)


def _output_problems(analysis: Analysis, expected: tuple[Shape, str] | None) -> list[str]:
    """A network whose output does not have the shape its paradigm needs, in words."""
    if expected is None or len(analysis.outputs) != 1:
        return []
    shape, why = expected
    given = analysis.shapes.get(analysis.outputs[0])
    if given is None or tuple(given) == tuple(shape):
        return []
    return [f"the network gives {format_shape(given)} but must give {format_shape(shape)} "
            f"({why})"]


MAX_PARAMS = 50_000_000             # weights a laptop trains in this studio
MAX_ACTIVATION_BYTES = 4 * 1024**3  # what one training step may hold for backward


def _size_problems(analysis: Analysis, batch_size: int | None) -> list[str]:
    """A network too big to train here is refused in words, before memory runs out."""
    problems = []
    total = analysis.total_params
    if total > MAX_PARAMS:
        problems.append(f"the network has {total:,} parameters ({total * 4 / 1e9:.1f} GB of "
                        f"weights); the studio trains networks of up to {MAX_PARAMS:,}")
    values = sum(math.prod(shape) for shape in analysis.shapes.values() if shape)
    step_bytes = 4 * 2 * values * (batch_size or 1)  # each output, and its gradient
    if step_bytes > MAX_ACTIVATION_BYTES:
        problems.append(f"one training step would hold about {step_bytes / 1e9:.1f} GB of "
                        f"activations; use a smaller batch size or smaller layers (the limit is "
                        f"{MAX_ACTIVATION_BYTES / 1e9:.0f} GB)")
    return problems


def load_project(path: str | os.PathLike) -> Project:
    """Read a project file, refusing anything that is not a well-formed project, in words."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such file") from None
    except OSError as err:
        raise ProjectError(f"{path}: cannot be read ({err.strerror})") from None
    if path.is_dir():
        raise ProjectError(f"{path} is a folder, not a project file")
    if size > MAX_FILE_BYTES:
        raise ProjectError(f"{path} is {size // (1024 * 1024)} MB: too large to be a project")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ProjectError(f"{path}: cannot be read ({err.strerror})") from None
    if b"\x00" in raw[:4096]:
        raise ProjectError(f"{path} is a binary file, not a project")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectError(f"{path} is not a UTF-8 text file, so not a project") from None
    if not text.strip():
        raise ProjectError(f"{path} is empty")
    try:
        return Project.from_json(text, folder=path.resolve().parent)
    except ProjectError as err:
        raise ProjectError(f"{path.name}: {err}") from None


def save_project(project: Project, path: str | os.PathLike) -> Path:
    """Write atomically: to a temporary file beside the target, then replace it."""
    path = Path(path)
    text = project.to_json(folder=path.resolve().parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
