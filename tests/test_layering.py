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


@pytest.mark.parametrize("path", [p for p in _modules() if "gui" not in p.parts],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_gui_imports_qt(path: Path) -> None:
    assert not _imports(path) & set(QT), f"{path} imports Qt outside the GUI package"


@pytest.mark.parametrize("path", _modules("spec"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_spec_imports_neither_torch_nor_qt(path: Path) -> None:
    assert not _imports(path) & {"torch", "matplotlib", *QT}, path


def _fresh(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLSP_BLOCK_QT"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_spec_loads_without_torch_in_a_fresh_interpreter() -> None:
    result = _fresh(
        "import sys\n"
        "from mlsp_studio.spec.presets import load_preset\n"
        "from mlsp_studio.spec.project import check_project\n"
        "from mlsp_studio.spec.catalog import BLOCKS\n"
        "c = check_project(load_preset('digits-cnn'), BLOCKS)\n"
        "assert c.ok, c.errors\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]\n"
        "assert not bad, bad\n")
    assert result.returncode == 0, result.stderr


def test_engine_and_cli_load_without_qt() -> None:
    result = _fresh(
        "import sys\n"
        "import mlsp_studio.cli, mlsp_studio.engine, mlsp_studio.engine.outputs\n"
        "import mlsp_studio.report.figures\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
        "assert not bad, bad\n")
    assert result.returncode == 0, result.stderr


def test_qt_is_really_blocked_when_asked() -> None:
    env = dict(os.environ, MLSP_BLOCK_QT="1")
    here = str(Path(__file__).parent)
    code = (f"import sys; sys.path.insert(0, {here!r}); import conftest\n"
            "try:\n    import PySide6\nexcept ImportError:\n    print('blocked')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.stdout.strip() == "blocked", result.stderr
