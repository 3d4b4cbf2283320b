"""Scripts for the paradigms other than supervised learning, one writer per paradigm.

A writer takes the project, its check, the block catalogue and the script's file name and
returns the whole script's text; each lives in a module of its own that registers it here.
"""

from __future__ import annotations

from collections.abc import Callable

from ..spec.blocks import BlockRegistry
from ..spec.errors import StudioError
from ..spec.project import Project, ProjectCheck

ScriptWriter = Callable[[Project, ProjectCheck, BlockRegistry, str], str]
PARADIGM_SCRIPTS: dict[str, ScriptWriter] = {}


def register_script(paradigm: str) -> Callable[[ScriptWriter], ScriptWriter]:
    """Decorator: the writer of ``paradigm``'s script."""
    def add(writer: ScriptWriter) -> ScriptWriter:
        PARADIGM_SCRIPTS[paradigm] = writer
        return writer
    return add


def paradigm_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                    script_name: str) -> str:
    """The script of a non-supervised project, or a sentence saying it cannot be written."""
    writer = PARADIGM_SCRIPTS.get(project.paradigm)
    if writer is None:
        raise StudioError(f"Projects of the {project.paradigm!r} kind cannot be exported as a "
                          "script yet; supervised ones can.")
    source = writer(project, check, registry, script_name)
    compile(source, script_name, "exec")  # a SyntaxError here is a bug in the exporter
    return source


# isort: off
# Each module below registers its paradigms' writers.
from . import script_autoencoder  # noqa: E402,F401
from . import script_text  # noqa: E402,F401  (language_model)
from . import script_gan  # noqa: E402,F401
from . import script_masked  # noqa: E402,F401  (masked_lm)
from . import script_diffusion  # noqa: E402,F401
from . import script_seq2seq  # noqa: E402,F401  (seq2seq)
from . import script_transfer  # noqa: E402,F401  (transfer)
from . import script_contrastive  # noqa: E402,F401  (contrastive)
from . import script_word2vec  # noqa: E402,F401  (word2vec)
from . import script_cross_modal  # noqa: E402,F401  (cross_modal)
