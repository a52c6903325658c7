"""requirements.lock (made by `make lock`) against pyproject.toml and this environment.

* every dependency of pyproject.toml (core and the dev, package and onnx-export extras) is pinned
  in the lock, at a version inside its range, with hashes;
* torch is the CPU build (a local "+cpu" version), and no CUDA package is in the lock;
* the environment the tests run in is the lock (make test installs from it): what passed here is
  what a fresh machine gets.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"
LOCKED_EXTRAS = ("dev", "package", "onnx-export")  # the extras `make lock` resolves (Makefile)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)\s*(\\)?$")


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            current = canonicalize_name(m.group(1))
            pins[current] = (m.group(2), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            pins[current][1].append(line.strip().split(":", 1)[1].rstrip(" \\"))
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in LOCKED_EXTRAS:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    # hearth[onnx-export] inside an extra refers to the project itself
    return [r for r in reqs if canonicalize_name(r.name) != "hearth"]


def test_every_dependency_is_locked_within_its_range() -> None:
    pins = _lock()
    env = {**default_environment(), "extra": ""}
    problems = []
    for req in _requirements():
        if req.marker and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req} is not in the lock")
        elif not req.specifier.contains(Version(pins[name][0]), prereleases=True):
            problems.append(f"{req}: the lock has {pins[name][0]}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)


def test_every_pin_has_a_hash_and_nothing_is_left_loose() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = _lock()
    assert len(pins) > 100
    assert [n for n, (_, hashes) in pins.items() if not hashes] == []
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for _, hashes in pins.values() for h in hashes)
    requirement_lines = [ln for ln in text.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert all(PIN.match(ln) for ln in requirement_lines), [ln for ln in requirement_lines if not PIN.match(ln)]
    assert "make lock" in text.splitlines()[0]


def test_torch_is_the_cpu_build_and_nothing_pulls_cuda() -> None:
    pins = _lock()
    assert pins["torch"][0] == "2.13.0+cpu"
    assert len(pins["torch"][1]) == 1  # the one CPU wheel, not "any torch 2.13.0"
    cuda = [n for n in pins if n.startswith(("nvidia-", "triton", "cuda-"))]
    assert cuda == []


def test_the_makefile_installs_from_the_lock() -> None:
    make = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r $(LOCK)" in make
    assert "--no-deps --no-build-isolation -e ." in make  # the project itself adds nothing unlocked
    for extra in LOCKED_EXTRAS:
        assert f"--extra {extra}" in make


def test_this_environment_is_the_lock() -> None:
    """make test installs from the lock; a drifted environment would make the suite's verdict
    say nothing about what a fresh machine gets."""
    pins = _lock()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    if "hearth" not in installed:
        pytest.skip("not an installed checkout (make install)")
    drift = {n: (v, installed.get(n)) for n, (v, _) in pins.items() if installed.get(n) != v}
    assert drift == {}, f"installed versions differ from requirements.lock (lock, installed): {drift}"
