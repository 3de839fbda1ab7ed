"""One-way layers (issue 12): no import cycles, and no imports hidden inside functions.

The layer contracts themselves are import-linter's (`[tool.importlinter]` in pyproject.toml,
`make lint`); import-linter has no cycle contract for modules, so this file checks cycles on
the same engine, grimp.

What grimp counts, found by a tiny experiment (package ``pkg``: ``a.f()`` does
``from pkg import b`` in its body, ``b`` imports ``c`` under ``if TYPE_CHECKING:``, ``c`` does
``import pkg.a``): ``build_graph`` reports a->b (line 2, inside the function), b->c and c->a, so
it found the cycle a->b->c->a. Imports inside function bodies count, and so do imports under
``if TYPE_CHECKING:`` unless ``exclude_type_checking_imports=True``; we keep them, since a
module that needs another's types depends on it too. ``from pkg import name`` counts as an
import of ``pkg.name`` when that is a module, else of ``pkg`` itself (so a blueprint's
``__init__`` importing ``routes`` while ``routes`` imports ``bp`` from ``__init__`` is a cycle).
Only written imports count: importing ``pkg.sub.mod`` also runs ``pkg/__init__.py`` at run
time, but that implicit edge is not in the graph (else every module would cycle through the
app factory), and neither is ``importlib.import_module``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("winlas_site", "analytics")

# Imports inside a function body, each with the reason it cannot be at the top of its module.
# Key: "module:function" ("module:Class.method", "module:outer.inner" for nested functions).
ALLOWED_FUNCTION_IMPORTS: dict[str, str] = {}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # cache_dir=None: nothing written into the working tree by a test run
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def strongly_connected_components(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that no import chain meets the recursion limit."""
    modules = sorted(graph.modules)
    successors = {
        module: sorted(graph.find_modules_directly_imported_by(module)) for module in modules
    }
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(successors[start]))]
        index[start] = lowlink[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = lowlink[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                elif child in on_stack:
                    lowlink[module] = min(lowlink[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[module])
            if lowlink[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                components.append(sorted(component))
    return components


def describe_cycle(graph: grimp.ImportGraph, members: list[str]) -> str:
    """The modules of one cycle and every import between them, with its line."""
    inside = set(members)
    lines = [f"cycle of {len(members)} modules: {', '.join(members)}"]
    for importer in members:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & inside):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(
                    f"    {importer} -> {imported} "
                    f"(l.{detail['line_number']}: {detail['line_contents']})"
                )
    return "\n".join(lines)


def test_the_tarjan_helper_finds_a_cycle_and_ignores_a_chain() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=importer, imported=imported)
    cycles = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [["p.a", "p.b", "p.c"]]


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = [
        members
        for members in strongly_connected_components(graph)
        if len(members) > 1 or graph.direct_import_exists(importer=members[0], imported=members[0])
    ]
    assert not cycles, (
        f"{len(cycles)} import cycle(s); make one direction go through a lower layer "
        "(docs/ARCHITECTURE.md, Layers):\n\n"
        + "\n\n".join(describe_cycle(graph, members) for members in cycles)
    )


def source_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def scan(source: str, module: str) -> dict[str, list[int]]:
    """``{"module:function": [line, ...]}`` for every import statement inside a function body."""
    found: dict[str, list[int]] = {}

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, [*scope, child.name], True)
            elif isinstance(child, ast.ClassDef):
                visit(child, [*scope, child.name], in_function)
            elif isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.setdefault(f"{module}:{'.'.join(scope)}", []).append(child.lineno)
            else:
                visit(child, scope, in_function)

    visit(ast.parse(source), [], False)
    return found


def all_function_imports() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in source_files():
        found.update(scan(path.read_text(encoding="utf-8"), module_name(path)))
    return found


def test_the_scanner_names_methods_and_nested_functions() -> None:
    source = (
        "import os\n"
        "def top():\n    import json\n"
        "class K:\n    def m(self):\n        def inner():\n            from os import path\n"
        "    from os import sep\n"
    )
    module = module_name(ROOT / "winlas_site" / "example.py")
    assert scan(source, module) == {
        "winlas_site.example:top": [3],
        "winlas_site.example:K.m.inner": [7],
    }
    assert module_name(ROOT / "winlas_site" / "mail" / "__init__.py") == "winlas_site.mail"


def test_imports_inside_functions_are_on_the_allow_list() -> None:
    found = all_function_imports()
    assert len(source_files()) > 50
    new = {key: lines for key, lines in found.items() if key not in ALLOWED_FUNCTION_IMPORTS}
    assert not new, (
        "imports inside a function body: move each to the top of its module, or, if it truly "
        "cannot be there (an import cycle that no layer change breaks), add "
        '"module:function": "why" to ALLOWED_FUNCTION_IMPORTS in tests/unit/test_import_graph.py'
        " and a one-line comment above the import:\n"
        + "\n".join(
            f"    {key} (l.{', '.join(map(str, lines))})" for key, lines in sorted(new.items())
        )
    )


def test_the_allow_list_has_no_stale_entries() -> None:
    stale = sorted(set(ALLOWED_FUNCTION_IMPORTS) - set(all_function_imports()))
    assert not stale, (
        "no import inside these functions any more: remove them from "
        f"ALLOWED_FUNCTION_IMPORTS: {stale}"
    )


# Imported one by one, each as the first module of a fresh import state, in a child process:
# importing ``pkg.sub`` also runs ``pkg/__init__.py``, an edge the graph above does not hold, so
# a package ``__init__`` that imports its own views could still close a cycle at run time.
# Each of the ~200 fresh imports runs the package's modules again; what they compile is kept
# (it changes nothing about the order modules load in, which is what this checks): re's cache
# holds every pattern (its 512 would be recompiled, some 2 300, each time), and the modules'
# bytecode goes to a temporary folder even where PYTHONDONTWRITEBYTECODE is set (else every
# module is compiled from source for every fresh import). About half the time of the test.
FRESH_IMPORTS = """
import importlib, re, sys, traceback
re._MAXCACHE = 1 << 20
failed = []
for name in sys.argv[1:]:
    # analytics never imports the site: the site's modules are timed on a loaded analytics
    package = name.split(".")[0]
    for loaded in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def test_every_module_imports_first_on_its_own(tmp_path) -> None:
    names = [module_name(path) for path in source_files()]
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-c", FRESH_IMPORTS, *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**environment, "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", "modules that fail when imported first:\n" + result.stdout
