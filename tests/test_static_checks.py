"""Static checks as part of ``make test`` (issue 12): ruff over the whole tree and mypy over the
typed seams, each with the configuration in pyproject.toml ([tool.ruff], [tool.mypy]).

Both run as subprocesses of the test interpreter from the repository root, so they see the
installed packages of this environment (mypy reads their types) and the project's config. A
report from either fails the test with the tool's own output.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: it is in the dev extra (make install puts it in .venv)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-fix", ".")
    assert result.returncode == 0, f"ruff check reported problems:\n{result.stdout}{result.stderr}"


# A first run with no cache reads the types of every imported package: minutes on a busy machine.
@pytest.mark.timeout(900)
def test_mypy_finds_nothing() -> None:
    result = _run("mypy")  # files, flags and per-module exceptions: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, f"mypy reported problems:\n{result.stdout}{result.stderr}"
