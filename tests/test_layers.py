"""The package structure holds: layers import downwards only, no package imports another that
imports it back, and nothing below the routes reaches for the request.

Layers, bottom up: `core/`, `documents/` and `text/` (no web, no domain), `models/`, `records/` (the
audit log and evidence files every domain writes), `web/` (request helpers), the domain
packages (each with its services below its routes), and the application factory on top."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import cchc_web

ROOT = Path(cchc_web.__file__).resolve().parent
LAYERS = {"core": 0, "documents": 0, "text": 0, "models": 1, "records": 2, "web": 3}
DOMAIN = 4  # every other package: admin, auth, plans, reports, initiatives, council, …
APP = 5  # cchc_web/__init__.py: the factory imports everything
REQUEST_BOUND = {
    "flask": {
        "request",
        "session",
        "g",
        "current_app",
        "url_for",
        "flash",
        "redirect",
        "render_template",
        "abort",
        "make_response",
        "send_file",
    },
    "flask_login": {"current_user", "login_required", "login_user", "logout_user"},
}
# Modules that answer requests: a domain's routes, its forms and its blueprint, and the one
# place below them that knows where the application is (core/settings.py).
ROUTE_MODULES = {"routes.py", "forms.py", "public.py", "__init__.py", "cli.py"}
SETTINGS = ROOT / "core" / "settings.py"


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return "__app__" if len(parts) == 1 else parts[0]


def _layer(package: str) -> int:
    return APP if package == "__app__" else LAYERS.get(package, DOMAIN)


def _imported(path: Path, tree: ast.AST):
    """(line, package imported, imported module path parts) of every cchc_web import."""
    here = path.relative_to(ROOT).parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - (node.level - 1)]) if node.level > 1 else list(here)
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "cchc_web":
                target = node.module.split(".")[1:]
            else:
                continue
            if not target:  # `from . import x` at the root, or `from cchc_web import x`
                for alias in node.names:
                    yield node.lineno, alias.name, [alias.name]
            else:
                yield node.lineno, target[0], target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "cchc_web" and len(parts) > 1:
                    yield node.lineno, parts[1], parts[1:]


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree in _modules():
        source = _package(path)
        if source == "__app__":
            continue
        for _line, target, _parts in _imported(path, tree):
            if target != source and (ROOT / target).is_dir():
                graph[source].add(target)
    return graph


def test_no_package_imports_a_package_that_imports_it_back():
    graph = _package_graph()
    cycles = []

    def walk(node, trail):
        for nxt in sorted(graph.get(node, ())):
            if nxt == trail[0]:
                cycles.append(" → ".join([*trail, nxt]))
            elif nxt not in trail and len(trail) < 6:
                walk(nxt, [*trail, nxt])

    for start in sorted(graph):
        walk(start, [start])
    assert not cycles, "package cycles:\n" + "\n".join(sorted(set(cycles)))


def test_layers_import_downwards_only():
    upward = []
    for path, tree in _modules():
        source = _package(path)
        for line, target, _parts in _imported(path, tree):
            if (ROOT / target).is_dir() and _layer(target) > _layer(source):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_services_and_models_never_reach_for_the_request():
    reaching = []
    for path, tree in _modules():
        if path == SETTINGS or _layer(_package(path)) in (LAYERS["web"], APP):
            continue
        if path.name in ROUTE_MODULES or path.name.endswith("_routes.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in REQUEST_BOUND:
                names = {a.name for a in node.names} & REQUEST_BOUND[node.module]
                if names:
                    where = path.relative_to(ROOT)
                    reaching.append(f"{where}:{node.lineno} {node.module}: {sorted(names)}")
    assert not reaching, "request globals below the routes:\n" + "\n".join(reaching)


def test_a_domain_service_never_imports_its_routes():
    wrong = []
    for path, tree in _modules():
        if path.name in ROUTE_MODULES or path.name.endswith("_routes.py"):
            continue
        for line, _target, parts in _imported(path, tree):
            if parts and (parts[-1] == "routes" or parts[-1].endswith("_routes")):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {'.'.join(parts)}")
    assert not wrong, "\n".join(wrong)
