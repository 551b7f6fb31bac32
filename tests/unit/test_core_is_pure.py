"""syncer/core is pure: it imports no I/O module and never reads the clock, the disk or
the environment. (Values in, values out; ``now`` is always a parameter.)"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import syncer.core

CORE_DIR = Path(syncer.core.__file__).parent
FORBIDDEN_MODULES = ("httpx", "caldav", "keyring", "sqlite3", "click", "niquests", "requests",
                     "syncer.backends", "syncer.engine", "syncer.state", "syncer.cli")
# (object name, attribute) pairs that read the clock, the environment or the disk
FORBIDDEN_ATTRIBUTES = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("os", "environ"),
    ("os", "getenv"), ("Path", "open"), ("Path", "read_text"), ("Path", "cwd"),
}
FORBIDDEN_CALLS = {"open", "input"}

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import syncer.core
names = [m.name for m in pkgutil.walk_packages(syncer.core.__path__, "syncer.core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def core_sources() -> list[Path]:
    return sorted(CORE_DIR.rglob("*.py"))


def test_importing_every_core_module_loads_no_io_module() -> None:
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL], capture_output=True,
                          text=True, check=True)
    report = json.loads(done.stdout)
    assert "syncer.core.model" in report["modules"]
    leaked = [m for m in report["loaded"]
              if any(m == bad or m.startswith(bad + ".") for bad in FORBIDDEN_MODULES)]
    assert leaked == [], f"syncer.core pulled in I/O modules: {leaked}"


@pytest.mark.parametrize("source", core_sources(), ids=lambda p: p.name)
def test_core_module_never_reads_clock_disk_or_environment(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    found = [f"{source.name}:{getattr(node, 'lineno', 0)}: {what}"
             for node, what in _impure_uses(tree)]
    assert found == [], "impure calls in syncer/core:\n" + "\n".join(found)


def _impure_uses(tree: ast.AST) -> list[tuple[ast.AST, str]]:
    uses: list[tuple[ast.AST, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (_name_of(node.value), node.attr) in \
                FORBIDDEN_ATTRIBUTES:
            uses.append((node, f"{_name_of(node.value)}.{node.attr}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in FORBIDDEN_CALLS:
            uses.append((node, f"{node.func.id}("))
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "time") and \
                any(alias.name in ("environ", "getenv", "time") for alias in node.names):
            uses.append((node, f"from {node.module} import ..."))
    return uses


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def test_scanner_catches_a_clock_read() -> None:
    tree = ast.parse("import datetime\nx = datetime.datetime.now()\ny = open('f')\n")
    assert sorted(what for _, what in _impure_uses(tree)) == ["datetime.now", "open("]
