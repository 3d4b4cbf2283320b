"""Every slot of the window's widgets checks that it runs on the GUI thread (DESIGN: a widget
is touched only on the GUI thread; a worker signal wired to the wrong thing would fail loudly)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

GUI = Path(__file__).resolve().parents[2] / "mlsp_studio" / "gui"
SLOT_MODULES = ["main_window.py", "panel_docks.py", "file_actions.py", "inspector.py",
                "cost_view.py", "canvas/scene.py", "palette.py", "bridge.py", "redraw.py"]


def _slots(module: str) -> list[tuple[str, ast.FunctionDef]]:
    tree = ast.parse((GUI / module).read_text(encoding="utf-8"))
    return [(f"{cls.name}.{fn.name}", fn) for cls in tree.body if isinstance(cls, ast.ClassDef)
            for fn in cls.body
            if isinstance(fn, ast.FunctionDef) and re.match(r"_?on_", fn.name)]


@pytest.mark.parametrize("module", SLOT_MODULES)
def test_every_slot_asserts_the_gui_thread(module: str) -> None:
    slots = _slots(module)
    assert slots, f"no slots found in {module}"
    missing = [name for name, fn in slots
               if "assert_gui_thread" not in ast.unparse(fn)]
    assert not missing, f"slots without assert_gui_thread: {missing}"
