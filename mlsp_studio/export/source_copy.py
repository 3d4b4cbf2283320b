"""Copy code the studio runs into an exported script, from its source file.

A script must train exactly as the studio does, so what both run is written once, as plain
torch in the studio's own modules (a paradigm's ``train_*.py``, a block family in ``nn/``),
and copied from there: ``source_of("mlsp_studio.paradigms.flow.train_parts", "Coupling")``
is the text of that class as it stands in the file. The module is read, never imported, so
the exporter stays free of torch.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path

from ..errors import StudioError


@lru_cache(maxsize=64)
def _module_source(module: str) -> tuple[str, ast.Module]:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise StudioError(f"the module {module} has no source file to copy from")
    text = Path(spec.origin).read_text(encoding="utf-8")
    return text, ast.parse(text)


def source_of(module: str, *names: str) -> str:
    """The source of the top-level functions, classes and assignments ``names`` of
    ``module``, in the order asked, separated by two blank lines."""
    text, tree = _module_source(module)
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
    parts = []
    for name in names:
        node = found.get(name)
        if node is None:
            raise StudioError(f"{module} has no top-level {name} to copy into the script")
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        lines = text.splitlines()[first - 1:node.end_lineno]
        parts.append("\n".join(lines))
    return "\n\n\n".join(parts) + "\n"
