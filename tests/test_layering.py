"""The layering rules of DESIGN.md "Never", checked on the source and in fresh interpreters."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlsp_studio"
QT = ("PySide6", "shiboken6", "pyqtgraph")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _modules(sub: str = "") -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def _full_imports(path: Path) -> set[str]:
    """Every module ``path`` names in an import, relative imports resolved (``from . import
    x`` names both the package and ``package.x``)."""
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = here[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


FOLDERS = sorted(p.parent.name for p in (PACKAGE / "paradigms").glob("*/__init__.py"))
ROLES = ("settings", "snapshots", "train", "panels", "panel_parts", "figures", "script",
         "script_parts", "script_code")
GUI_ROLES = ("panels", "panel_parts")


def _is_gui(path: Path) -> bool:
    return "gui" in path.relative_to(PACKAGE).parts or (
        path.parent.parent.name == "paradigms" and path.stem in GUI_ROLES)


@pytest.mark.parametrize("path", [p for p in _modules() if not _is_gui(p)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_gui_imports_qt(path: Path) -> None:
    assert not _imports(path) & set(QT), f"{path} imports Qt outside the GUI roles"


def test_there_are_paradigm_folders() -> None:
    assert {"supervised", "gan", "diffusion"} <= set(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_paradigm_folder_holds_one_role_per_file(folder: str) -> None:
    for path in (PACKAGE / "paradigms" / folder).glob("*.py"):
        role = path.stem
        assert role == "__init__" or role in ROLES or role.startswith("train_"), (
            f"{path.name} in paradigms/{folder}/ is none of the roles {', '.join(ROLES)} "
            "(or train_*)")


@pytest.mark.parametrize("folder", FOLDERS)
def test_paradigm_folders_do_not_import_each_other(folder: str) -> None:
    for path in (PACKAGE / "paradigms" / folder).glob("*.py"):
        for name in _full_imports(path):
            parts = name.split(".")
            if parts[:2] == ["mlsp_studio", "paradigms"] and len(parts) > 2:
                assert parts[2] == folder or parts[2] not in FOLDERS, (
                    f"paradigms/{folder}/{path.name} imports {name}: paradigms do not import "
                    "each other (share through model/, snapshots/, nn/ or paradigms/'s shared "
                    "modules)")


@pytest.mark.parametrize("folder", FOLDERS)
def test_plain_roles_import_neither_torch_nor_qt(folder: str) -> None:
    for role in ("settings", "snapshots", "panels", "panel_parts", "figures", "script"):
        path = PACKAGE / "paradigms" / folder / f"{role}.py"
        if path.exists():
            banned = {"torch"} | ({"matplotlib"} if role in GUI_ROLES else set())
            if role not in GUI_ROLES:
                banned |= set(QT)
            assert not _imports(path) & banned, f"paradigms/{folder}/{role}.py imports {banned}"


def test_nothing_outside_a_folder_names_a_paradigm_module() -> None:
    """Registries find the folders; no module elsewhere imports a paradigm folder."""
    for path in _modules():
        inside = path.relative_to(PACKAGE).parts
        if inside[0] == "paradigms" and len(inside) == 3:
            continue
        for name in _full_imports(path):
            parts = name.split(".")
            assert not (parts[:2] == ["mlsp_studio", "paradigms"] and len(parts) > 2
                        and parts[2] in FOLDERS), f"{path} imports {name}"


def test_code_copied_into_scripts_is_never_imported() -> None:
    """A ``script_code`` module is text for the exporter (``source_of``): its settings exist
    only in the script, so importing it would be a mistake."""
    for path in _modules():
        for name in _full_imports(path):
            assert not any(part.endswith("script_code") for part in name.split(".")), (
                f"{path} imports {name}")


PLAIN = ("model", "readers", "snapshots", "messages")


@pytest.mark.parametrize("path", [p for sub in PLAIN for p in _modules(sub)]
                         + [PACKAGE / "errors.py"], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_plain_layers_import_neither_torch_nor_qt(path: Path) -> None:
    assert not _imports(path) & {"torch", "matplotlib", *QT}, path


def _fresh(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLSP_BLOCK_QT"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def _assert_runs_without(code: str, packages: tuple[str, ...]) -> None:
    """``code`` runs in a fresh interpreter and leaves none of ``packages`` imported."""
    result = _fresh("import sys\n" + code
                    + f"bad = [m for m in sys.modules if m.split('.')[0] in {packages!r}]\n"
                    "assert not bad, bad\n")
    assert result.returncode == 0, result.stderr


def test_the_model_loads_without_torch_in_a_fresh_interpreter() -> None:
    _assert_runs_without(
        "from mlsp_studio.model.presets import load_preset\n"
        "from mlsp_studio.model.project import check_project\n"
        "from mlsp_studio.model.catalog import BLOCKS\n"
        "c = check_project(load_preset('digits-cnn'), BLOCKS)\n"
        "assert c.ok, c.errors\n", ("torch", "PySide6", "pyqtgraph"))


def test_engine_and_cli_load_without_qt() -> None:
    _assert_runs_without(
        "import mlsp_studio.cli, mlsp_studio.engine, mlsp_studio.engine.outputs\n"
        "import mlsp_studio.report.figures\n", ("PySide6", "pyqtgraph"))


def test_qt_is_really_blocked_when_asked() -> None:
    env = dict(os.environ, MLSP_BLOCK_QT="1")
    here = str(Path(__file__).parent)
    code = (f"import sys; sys.path.insert(0, {here!r}); import conftest\n"
            "try:\n    import PySide6\nexcept ImportError:\n    print('blocked')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.stdout.strip() == "blocked", result.stderr


def _panel_modules() -> list[Path]:
    shared = [p for p in _modules("gui/panels") if p.stem != "__init__"]
    own = [p for p in _modules("paradigms") if p.parent.name in FOLDERS and p.stem in GUI_ROLES]
    return shared + own


@pytest.mark.parametrize("path", _panel_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_panels_do_not_import_panels(path: Path) -> None:
    """A panel imports the panel frame (``base``) and the shared kits (``*_kit``, ``*_bits``),
    never another panel; a folder's panels may use that folder's ``panel_parts``."""
    for name in _full_imports(path):
        parts = name.split(".")
        if parts[:3] == ["mlsp_studio", "gui", "panels"] and len(parts) > 3:
            module = parts[3]
            assert module == "base" or module.endswith(("_kit", "_bits")), (
                f"{path.relative_to(PACKAGE)} imports the panel module {name}")
