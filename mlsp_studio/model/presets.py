"""The built-in presets: project files in ``resources/presets``, found by name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProjectError
from .project import Project, load_project

SUFFIX = ".mlsp.json"


def resources_dir() -> Path:
    """The studio's ``resources`` folder (beside the package in a checkout or install)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "resources", here.parents[1] / "resources"):
        if (candidate / "presets").is_dir():
            return candidate
    raise ProjectError("the studio's resources folder is missing; reinstall MLSP Studio")


def presets_dir() -> Path:
    return resources_dir() / "presets"


def thumbnails_dir() -> Path:
    return resources_dir() / "thumbnails"


@dataclass(frozen=True)
class PresetInfo:
    """What the gallery and the lesson panel tell about a preset, without loading it."""

    name: str
    title: str
    summary: str
    path: Path
    description: str = ""            # the paragraph: what the preset shows
    steps: tuple[str, ...] = ()      # "try this": one concrete action per step
    meant_for: str = ""              # "gpu": too big for a lesson on a laptop (ui.meant_for)
    laptop_cpu_hours: float = 0.0    # then its whole run's hours on a 2-core laptop CPU

    @property
    def thumbnail(self) -> Path | None:
        """The small picture of the preset at work, where one was drawn."""
        path = thumbnails_dir() / f"{self.name}.png"
        return path if path.is_file() else None


def try_steps(ui: dict) -> tuple[str, ...]:
    """The "try this" steps of a project's ``ui`` (plain text, empty ones dropped)."""
    steps = ui.get("try", []) if isinstance(ui, dict) else []
    if not isinstance(steps, list):
        return ()
    return tuple(s.strip() for s in steps if isinstance(s, str) and s.strip())


def list_presets() -> list[PresetInfo]:
    """Every preset, sorted by the order given in ``resources/presets/order.json``."""
    folder = presets_dir()
    order_file = folder / "order.json"
    order = json.loads(order_file.read_text()) if order_file.exists() else []
    infos = []
    for path in folder.glob(f"*{SUFFIX}"):
        name = path.name[: -len(SUFFIX)]
        data = json.loads(path.read_text(encoding="utf-8"))
        ui = data.get("ui", {})
        infos.append(PresetInfo(name, ui.get("title", name), ui.get("summary", ""), path,
                                str(data.get("description", "")), try_steps(ui),
                                str(ui.get("meant_for", "")),
                                float(ui.get("laptop_cpu_hours", 0.0))))
    rank = {name: i for i, name in enumerate(order)}
    return sorted(infos, key=lambda p: (rank.get(p.name, len(rank)), p.name))


def preset_names() -> list[str]:
    return [p.name for p in list_presets()]


def load_preset(name: str) -> Project:
    path = presets_dir() / f"{name}{SUFFIX}"
    if not path.is_file():
        raise ProjectError(f"unknown preset {name!r} (presets: {', '.join(preset_names())})")
    return load_project(path)


def resolve_target(target: str) -> Project:
    """A preset name or a path to a project file."""
    path = Path(target)
    looks_like_file = target.endswith(".json") or "/" in target or "\\" in target
    if looks_like_file or (path.exists() and not (presets_dir() / f"{target}{SUFFIX}").exists()):
        return load_project(path)
    return load_preset(target)
