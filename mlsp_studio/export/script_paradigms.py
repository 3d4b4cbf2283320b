"""Scripts for the paradigms other than supervised learning, one writer per paradigm.

A writer takes the project, its check, the block catalogue and the script's file name and
returns the whole script's text; each paradigm folder's ``script`` module registers its own.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import StudioError
from ..model.blocks import BlockRegistry
from ..model.plugins import load_role
from ..model.project import Project, ProjectCheck

ScriptWriter = Callable[[Project, ProjectCheck, BlockRegistry, str], str]
PARADIGM_SCRIPTS: dict[str, ScriptWriter] = {}
_loaded = False


def register_script(paradigm: str) -> Callable[[ScriptWriter], ScriptWriter]:
    """Decorator: the writer of ``paradigm``'s script."""
    def add(writer: ScriptWriter) -> ScriptWriter:
        if paradigm in PARADIGM_SCRIPTS:
            raise ValueError(f"two script writers for the paradigm {paradigm!r}")
        PARADIGM_SCRIPTS[paradigm] = writer
        return writer
    return add


def paradigm_scripts() -> dict[str, ScriptWriter]:
    """Every paradigm's script writer by paradigm name (each paradigm folder's ``script``
    module registers its own when first asked)."""
    global _loaded
    if not _loaded:
        _loaded = True
        load_role("script")
    return PARADIGM_SCRIPTS


def paradigm_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """The script of a non-supervised project, or a sentence saying it cannot be written."""
    writer = paradigm_scripts().get(project.paradigm)
    if writer is None:
        raise StudioError(f"Projects of the {project.paradigm!r} kind cannot be exported as a "
                          "script yet; supervised ones can.")
    source = writer(project, check, registry, script_name)
    compile(source, script_name, "exec")  # a SyntaxError here is a bug in the exporter
    return source
