"""The test lock (requirements/test.txt) agrees with pyproject.toml.

The README's test command installs exactly the lock, so a requirement added, removed or
narrowed in pyproject.toml without `requirements/refresh` must fail here, not on a fresh
machine weeks later.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "test.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def wanted() -> dict[str, Requirement]:
    """Every requirement of the test environment: runtime, the test extra, the build
    backend (installed from the lock too, with --no-build-isolation)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    texts = [*project["project"]["dependencies"],
             *project["project"]["optional-dependencies"]["test"],
             *project["build-system"]["requires"]]
    return {canonicalize_name(r.name): r for r in map(Requirement, texts)}


def locked() -> dict[str, tuple[Version, list[str]]]:
    """Each pinned package: its version and the lines of its entry (hashes, via)."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    entry: list[str] = []
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            entry = [line]
            pins[canonicalize_name(match["name"])] = (Version(match["version"]), entry)
        elif line.startswith(" "):
            entry.append(line.strip())
    return pins


def test_every_requirement_is_locked_at_a_version_it_allows() -> None:
    pins = locked()
    wrong = {name: str(req.specifier) for name, req in wanted().items()
             if name not in pins or not req.specifier.contains(pins[name][0], prereleases=True)}
    assert wrong == {}, "pyproject.toml and the lock disagree; run requirements/refresh"


def test_the_lock_pins_nothing_pyproject_no_longer_asks_for() -> None:
    direct = {name for name, (_, entry) in locked().items()
              if any(line.endswith(("goalsync (pyproject.toml)", "-r requirements/build.in"))
                     for line in entry)}
    assert direct - set(wanted()) == set(), "run requirements/refresh"


def test_every_pin_has_hashes() -> None:
    bare = [name for name, (_, entry) in locked().items()
            if not any(line.startswith("--hash=sha256:") for line in entry)]
    assert bare == []


@pytest.mark.skipif(bool(os.environ.get("GOALSYNC_TEST_UNLOCKED")),
                    reason="requirements/newest runs the suite on the newest releases")
def test_this_environment_runs_the_locked_versions() -> None:
    """The suite is running on the lock (the README's command), not on whatever pip found."""

    environment = default_environment()
    drift = {}
    for name, req in wanted().items():
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            continue  # e.g. the build backend, when tests run from an installed wheel
        if installed != locked()[name][0]:
            drift[name] = (str(installed), str(locked()[name][0]))
    assert drift == {}, "reinstall with the README's test command"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(python3 -m venv .venv && .*?)\n```", readme)
    [test_command] = [c for c in commands if "pytest" in c]
    assert "--require-hashes -r requirements/test.txt" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci
