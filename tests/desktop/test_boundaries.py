"""The desktop package stays on its side of the boundaries: no heavy or network imports, and the
window appears before torch / llama_cpp / chromadb are loaded."""

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
