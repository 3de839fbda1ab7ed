"""The analytics package stands alone: the app hands it everything (docs/ARCHITECTURE.md)."""

import ast
from pathlib import Path

ANALYTICS = Path(__file__).resolve().parents[2] / "analytics"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_analytics_never_imports_winlas_site():
    files = sorted(ANALYTICS.rglob("*.py"))
    assert len(files) > 5
    offenders = {
        str(path.relative_to(ANALYTICS)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "winlas_site"
        )
        for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def analytics_module(path: Path) -> str:
    parts = path.relative_to(ANALYTICS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def analytics_imports(path: Path, modules: set[str]) -> set[str]:
    """The analytics ``modules`` ``path`` imports, at any depth of the file (functions too):
    ``from . import rollups`` imports the module rollups, ``from . import bp`` the package."""
    module = analytics_module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {name for name in found if name in modules}


def test_analytics_has_no_import_cycle():
    # issue 12: reports and rollups imported each other (inside functions), so did the
    # dashboard package and its views; one direction only, counting imports inside functions
    files = {
        analytics_module(path): path
        for path in ANALYTICS.rglob("*.py")
        if "migrations" not in path.parts
    }
    graph = {
        module: analytics_imports(path, set(files)) - {module} for module, path in files.items()
    }
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        for name in sorted(graph[module]):
            if name in trail:
                cycles.append(trail[trail.index(name) :] + [name])
            elif len(trail) < 40:
                visit(name, [*trail, name])

    for module in sorted(graph):
        visit(module, [module])
        if cycles:
            break
    assert cycles == []


def test_analytics_imports_at_module_level():
    # an import inside a function hides a dependency (and once hid the reports/rollups circle)
    offenders = []
    for path in sorted(ANALYTICS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                offenders.extend(
                    f"{path.relative_to(ANALYTICS)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                )
    assert offenders == []
