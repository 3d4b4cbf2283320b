"""Rules of the code itself: no import cycle in the package, and no file too long to read in
one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mlsp_studio"
MAX_LINES = 500


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _top_imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports when it loads: imports at the top of the file
    (an import inside a function runs later, when the cycle is complete, and is how a
    module may reach back down on purpose); imports only for type checkers do not count."""
    name = _name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        nodes = ast.walk(statement) if isinstance(statement, (ast.If, ast.Try)) else [statement]
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in MODULES)
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                for alias in node.names:
                    inner = f"{module}.{alias.name}"
                    found.add(inner if inner in MODULES else module)
    return {m for m in found if m in MODULES and m != name}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (the strongly
    connected components of more than one module, found without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle() -> None:
    graph = {name: _top_imports(path) for name, path in MODULES.items()}
    assert import_cycles(graph) == []


@pytest.mark.parametrize("folder", ["mlsp_studio", "tests", "packaging"])
def test_no_file_is_too_long_to_read_in_one_sitting(folder: str) -> None:
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines: {long}"


CODE_WORDS = ("torch.", "np.", "F.", "nn.", "def ", "return ", ".backward(", "for ", "import ")


def _code_in_strings(path: Path) -> list[str]:
    """The string literals of ``path`` (docstrings aside) that hold lines of Python: two or
    more lines with code words in them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str))
        else:
            continue
        lines = [line for line in text.splitlines() if any(w in line for w in CODE_WORDS)]
        if len(lines) >= 2:
            found.append(f"line {node.lineno}: {lines[0].strip()[:60]}")
    return found


WRITERS = sorted([*PACKAGE.glob("export/*.py"), *PACKAGE.glob("paradigms/*/script.py"),
                  *PACKAGE.glob("paradigms/*/script_parts.py")])


@pytest.mark.parametrize("path", WRITERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_script_writers_keep_no_code_in_strings(path: Path) -> None:
    """An exported script is made of the code the studio runs, copied from real files
    (``export/source_copy.py``); a writer holds settings and names, never code as text."""
    assert _code_in_strings(path) == []


def test_code_in_strings_is_found() -> None:
    sample = PACKAGE.parent / "tests" / "figure_checks.py"
    assert _code_in_strings(sample) == []
    tree_text = 'X = """\\ndef f():\\n    return torch.zeros(1)\\n"""\n'
    probe = Path(__file__).with_name("_probe_code_in_strings.py")
    probe.write_text(tree_text, encoding="utf-8")
    try:
        assert len(_code_in_strings(probe)) == 1
    finally:
        probe.unlink()
