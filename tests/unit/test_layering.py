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
