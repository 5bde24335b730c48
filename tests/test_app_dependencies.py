"""The apps depend on each other one way (docs/ARCHITECTURE.md): read from the source, every
``helpdesk`` import at any depth, so that a cycle cannot hide inside a function."""

import ast
from pathlib import Path

import helpdesk

PACKAGE = Path(helpdesk.__file__).parent


def _part(path: Path) -> str:
    """The app (or top-level module) a source file belongs to."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    package = list(path.relative_to(PACKAGE).parts[:-1])
    base = package[: len(package) - node.level + 1]
    return [".".join(["helpdesk", *base, *([node.module] if node.module else [])])]


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def _imports_between_parts() -> dict[str, dict[str, list[str]]]:
    """part → the other parts it imports → where."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in _sources():
        part = _part(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for module in _imported(path, node):
                names = module.split(".")
                if names[0] == "helpdesk" and len(names) > 1 and names[1] != part:
                    where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                    found.setdefault(part, {}).setdefault(names[1], []).append(where)
    return found


def _cycle_from(start: str, graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        part, path = stack.pop()
        for other in graph.get(part, {}):
            if other == start:
                return [*path, start]
            if other not in seen:
                seen.add(other)
                stack.append((other, [*path, other]))
    return None


def test_no_app_imports_one_that_imports_it_back():
    graph = _imports_between_parts()
    cycles = {part: cycle for part in graph if (cycle := _cycle_from(part, graph))}
    described = {
        " → ".join(cycle): [graph[a][b][0] for a, b in zip(cycle, cycle[1:], strict=False)]
        for cycle in cycles.values()
    }
    assert not described, described


def test_the_bottom_apps_import_none_above_them():
    graph = _imports_between_parts()
    # Roles and the login lockout: every page and the API ask them.
    assert set(graph.get("accounts", {})) == set()
    # Tickets know nothing of the clocks, the mail, the pages or the demo.
    assert not set(graph.get("tickets", {})) & {"sla", "mail", "inbox", "replies", "demo"}
    assert not set(graph.get("marketplaces", {})) & {"sla", "tickets", "mail", "inbox"}


def test_the_check_sees_an_import_written_inside_a_function(tmp_path):
    source = "def f():\n    from helpdesk.inbox.views import inbox\n"
    node = ast.parse(source).body[0].body[0]
    assert _imported(PACKAGE / "tickets" / "actions.py", node) == ["helpdesk.inbox.views"]
    relative = ast.parse("from ..sla import clock\n").body[0]
    assert _imported(PACKAGE / "tickets" / "actions.py", relative) == ["helpdesk.sla"]
