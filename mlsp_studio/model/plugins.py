"""The paradigm folders: each ``mlsp_studio/paradigms/<name>/`` brings its parts by role.

A folder holds one file per role, and each registry loads the role it needs from every
folder, so no list anywhere names a paradigm:

- ``settings``  its settings and networks (``ParadigmSpec``; no torch, no Qt)
- ``snapshots`` the pictures it sends to panels and figures (numpy only)
- ``train``     its training step (torch)
- ``panels``    its live panels (Qt, never torch)
- ``figures``   its PNG figures (matplotlib)
- ``script``    the standalone script it exports

A role may have a second file for its parts (``panel_parts``, ``script_parts``, ``train_*``),
imported by the first.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType

PARADIGMS_PACKAGE = "mlsp_studio.paradigms"
ROLES = ("settings", "snapshots", "train", "panels", "figures", "script")


def paradigm_folders() -> list[str]:
    """The names of the paradigm folders, in alphabetical order."""
    spec = importlib.util.find_spec(PARADIGMS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(info.name for info in pkgutil.iter_modules(spec.submodule_search_locations)
                  if info.ispkg and not info.name.startswith("_"))


def load_role(role: str) -> list[ModuleType]:
    """Import the ``role`` module of every paradigm folder that has one (each registers what
    it holds as it is imported) and return them."""
    if role not in ROLES:
        raise ValueError(f"no paradigm role called {role!r} (roles: {', '.join(ROLES)})")
    modules = []
    for folder in paradigm_folders():
        name = f"{PARADIGMS_PACKAGE}.{folder}.{role}"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules
