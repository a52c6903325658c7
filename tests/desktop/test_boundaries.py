"""The desktop package stays on its side of the boundaries: no heavy or network imports, widgets
reach the engine only through the core, and the window appears before torch / llama_cpp /
chromadb are loaded.

What a desktop module may import from ``engine`` (``ALLOWED_ENGINE``), and why:

* ``engine.core`` and its modules — the one object (and its operations and result types) that
  the CLI, the API server and the MCP server also call: an operation fixed there is fixed for all;
* ``engine.config``, ``engine.errors``, ``engine.events`` — the settings model, the error
  hierarchy and the turn events: plain types the core takes and returns (see
  ``engine.core.types``);
* ``engine.paths``, ``engine.fsutil`` — where Hearth keeps its files and the atomic write: the
  app keeps its own small state files (window geometry, document links) beside the engine's.

Two modules are not widgets and may name a few more (``NOT_WIDGETS``, each listed exactly): the
documents child process (the engine side of that process boundary) and the screenshot tour, a
development tool that seeds a throw-away home.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import desktop

FORBIDDEN = {"llama_cpp", "chromadb", "httpx", "openai", "anthropic", "socket", "requests", "urllib3",
             "torch", "sentence_transformers", "huggingface_hub", "http", "aiohttp", "keyring"}
ROOT = Path(desktop.__file__).parent

ALLOWED_ENGINE = ("engine.core", "engine.config", "engine.errors", "engine.events", "engine.paths", "engine.fsutil")
NOT_WIDGETS = {
    "docs_process.py": {"engine.net", "engine.docs.service"},      # runs DocumentService in the child process
    "screenshots.py": {"engine.chats", "engine.net", "engine.privacy"},  # seeds titles; the real router's note
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
            if node.module == "urllib" or node.module.startswith("urllib."):
                names.add("urllib")
    return names


def _engine_imports(path: Path) -> set[str]:
    """Every ``engine`` module ``path`` imports, at any depth of the file (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name == "engine" or a.name.startswith("engine."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "engine":  # from engine import doctor -> engine.doctor
                names.update(f"engine.{a.name}" for a in node.names)
            elif node.module.startswith("engine."):
                names.add(node.module)
    return names


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED_ENGINE)


def test_widgets_reach_the_engine_only_through_the_core():
    files = sorted(ROOT.rglob("*.py"))
    offenders = {}
    for f in files:
        rel = str(f.relative_to(ROOT))
        extra = {m for m in _engine_imports(f) if not _allowed(m)} - NOT_WIDGETS.get(rel, set())
        if extra:
            offenders[rel] = sorted(extra)
    assert offenders == {}, "use services.core (engine.core) instead of the engine below it"


def test_the_exceptions_are_still_needed():
    """An exception nobody uses any more is removed, so the list only shrinks."""
    for rel, allowed in NOT_WIDGETS.items():
        used = {m for m in _engine_imports(ROOT / rel) if not _allowed(m)}
        assert used == allowed, rel


def test_engine_scanner_sees_every_import_form(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import engine.models.registry\nfrom engine import doctor\nfrom engine.core import Core\n"
                   "def f():\n    from engine.cloud.audit import AuditLog\n")
    found = _engine_imports(bad)
    assert found == {"engine.models.registry", "engine.doctor", "engine.core", "engine.cloud.audit"}
    assert [m for m in sorted(found) if not _allowed(m)] == ["engine.cloud.audit", "engine.doctor",
                                                              "engine.models.registry"]


def test_desktop_never_imports_engine_internals_or_network_clients():
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 5
    offenders = {str(f.relative_to(ROOT)): sorted(_imports(f) & (FORBIDDEN | {"urllib"})) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_scanner_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom llama_cpp import Llama\ndef f():\n    import socket\n")
    assert {"llama_cpp", "socket"} <= _imports(bad)


def test_window_shows_before_heavy_imports(tmp_path):
    env = dict(os.environ, HEARTH_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "desktop.app", "--smoke"], env=env, capture_output=True,
                         text=True, timeout=120, cwd=Path(desktop.__file__).parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["visible"] is True
    assert report["heavy_loaded"] == []
    assert report["window_shown_s"] > 0
